import { z } from 'zod';
import { isTimeZone } from '../domain/time-zone.js';
import type { ImportKind } from './columns.js';
import {
  parseAmountMinor,
  parseBirthday,
  parseBoolean,
  parseChoice,
  parseDateTime,
  parseEmail,
  parseInteger,
  parsePhone,
  parseTags,
  type DateContext,
  type Parsed,
} from './values.js';

/** One data row keyed by canonical column; a column the file does not have is absent (not empty). */
export type RawRow = Record<string, string>;

const MAX_TEXT = 1000;

function parseText(text: string): Parsed<string> {
  return text.length <= MAX_TEXT ? { ok: true, value: text } : { ok: false, error: `longer than ${MAX_TEXT} characters` };
}

function parseZone(text: string): Parsed<string> {
  return isTimeZone(text) ? { ok: true, value: text } : { ok: false, error: 'not an IANA time zone such as Asia/Shanghai' };
}

function addProblem(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/**
 * A column the file may leave out: absent → undefined (the stored value is kept), empty cell
 * → null (the stored value is cleared), otherwise parsed.
 */
function optionalCell<T>(parse: (text: string) => Parsed<T>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T | null | undefined => {
      if (raw === undefined) return undefined;
      const text = raw.trim();
      if (text === '') return null;
      const parsed = parse(text);
      return parsed.ok ? parsed.value : addProblem(ctx, parsed.error);
    });
}

const REQUIRED = 'required but empty';

/** A required column (its presence is checked on the header): an empty cell is an error. */
function requiredCell<T>(parse: (text: string) => Parsed<T>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const text = raw?.trim() ?? '';
      if (text === '') return addProblem(ctx, REQUIRED);
      const parsed = parse(text);
      return parsed.ok ? parsed.value : addProblem(ctx, parsed.error);
    });
}

const parseRole = parseChoice({ rep: ['sales', '销售', '业务员'], manager: ['经理', '主管', '店长'], admin: ['administrator', '管理员'] });
const parseLocale = parseChoice({ en: ['english', 'en-us', 'en-gb', 'en_us', '英文', '英语'], 'zh-CN': ['zh', 'zh_cn', 'zh-hans', 'chinese', '中文', '简体中文'] });
const parseInteractionKind = parseChoice({
  call: ['phone', 'phone call', '电话', '通话', '来电'],
  visit: ['meeting', '拜访', '上门', '到店', '面谈'],
  message: ['chat', 'sms', 'email', 'wechat', '消息', '短信', '微信', '邮件'],
  note: ['memo', '备注', '记录'],
  complaint: ['投诉'],
});

export interface SchemaContext {
  dates: DateContext;
  /** Birthdays after today are rejected. */
  today: Date;
}

export function customerRowSchema(context: SchemaContext) {
  return z.object({
    external_id: requiredCell(parseText),
    name: requiredCell(parseText),
    email: optionalCell(parseEmail),
    phone: optionalCell(parsePhone),
    birthday: optionalCell((text) => parseBirthday(text, context.today)),
    timezone: optionalCell(parseZone),
    region: optionalCell(parseText),
    tags: optionalCell(parseTags),
    owner: optionalCell(parseText),
    greeting_opt_out: optionalCell(parseBoolean),
  });
}

export function orderRowSchema(context: SchemaContext) {
  return z.object({
    external_id: optionalCell(parseText),
    customer: requiredCell(parseText),
    ordered_at: requiredCell((text) => parseDateTime(text, context.dates)),
    amount: requiredCell(parseAmountMinor),
    margin: optionalCell(parseAmountMinor),
    product: optionalCell(parseText),
    category: optionalCell(parseText),
  });
}

export function repRowSchema() {
  return z.object({
    email: requiredCell(parseEmail),
    name: requiredCell(parseText),
    role: optionalCell(parseRole),
    team: optionalCell(parseText),
    slack_user_id: optionalCell(parseText),
    discord_user_id: optionalCell(parseText),
    timezone: optionalCell(parseZone),
    locale: optionalCell(parseLocale),
  });
}

export function interactionRowSchema(context: SchemaContext) {
  return z.object({
    customer: requiredCell(parseText),
    rep: optionalCell(parseText),
    kind: requiredCell(parseInteractionKind),
    at: requiredCell((text) => parseDateTime(text, context.dates)),
    note: optionalCell(parseText),
    satisfaction: optionalCell(parseInteger(1, 5)),
  });
}

export type CustomerRow = z.infer<ReturnType<typeof customerRowSchema>>;
export type OrderRow = z.infer<ReturnType<typeof orderRowSchema>>;
export type RepRow = z.infer<ReturnType<typeof repRowSchema>>;
export type InteractionRow = z.infer<ReturnType<typeof interactionRowSchema>>;

export const rowSchemas = {
  customers: customerRowSchema,
  orders: orderRowSchema,
  reps: repRowSchema,
  interactions: interactionRowSchema,
} satisfies Record<ImportKind, (context: SchemaContext) => z.ZodType>;

/** What is wrong with one cell of one row; rendered `file:line: column: problem (value)`. */
export interface RowProblem {
  line: number;
  /** The column's header as written in the file (or the canonical name when the file has none). */
  column: string;
  problem: string;
  value: string;
}

/** `column: problem (value)`, the part of a problem that does not depend on where it is shown. */
export function describeProblem(problem: RowProblem): string {
  const value = problem.value.trim() === '' ? '' : ` (${problem.value.length > 80 ? `${problem.value.slice(0, 80)}…` : problem.value})`;
  return `${problem.column}: ${problem.problem}${value}`;
}

export function formatProblem(fileName: string, problem: RowProblem): string {
  return `${fileName}:${problem.line}: ${describeProblem(problem)}`;
}

/** Zod issues of one row as problems naming the file's own headers. */
export function problemsOf(error: z.ZodError, raw: RawRow, line: number, headerOf: Map<string, string>): RowProblem[] {
  return error.issues.map((issue) => {
    const column = String(issue.path[0] ?? '');
    return { line, column: headerOf.get(column) ?? column, problem: issue.message, value: raw[column] ?? '' };
  });
}
