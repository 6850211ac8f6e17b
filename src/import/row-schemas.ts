import { z } from 'zod';
import { stripInvisible } from '../domain/invisible-text.js';
import { isTimeZone } from '../domain/time-zone.js';
import type { ImportKind } from './columns.js';
import { withoutFormulaEscape } from '../csv/csv-cell.js';
import {
  eventDateRange,
  parseBirthday,
  parseBoolean,
  parseChoice,
  parseEmail,
  parseEventDate,
  parseInteger,
  parseOrderAmount,
  parsePhone,
  parseTags,
  type DateContext,
  type Parsed,
} from './values.js';

/** One data row keyed by canonical column; a column the file does not have is absent (not empty). */
export type RawRow = Record<string, string>;

/** A record's fields keyed by the canonical column of their position ('' past a short row's end). */
export function rawRow(fields: readonly string[], columnAt: readonly (string | null)[]): RawRow {
  const raw: RawRow = {};
  for (let index = 0; index < columnAt.length; index++) {
    const column = columnAt[index];
    if (column !== null && column !== undefined) raw[column] = fields[index] ?? '';
  }
  return raw;
}

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

/** How one column's cells are read: whether an empty cell is an error, and the parser of the rest. */
export interface CellRule<T, Required extends boolean = boolean> {
  required: Required;
  parse: (text: string) => Parsed<T>;
}

/** A required column (its presence is checked on the header): an empty cell is an error. */
const requiredCell = <T>(parse: (text: string) => Parsed<T>): CellRule<T, true> => ({ required: true, parse });
/** A column the file may leave out, or leave empty to clear the stored value. */
const optionalCell = <T>(parse: (text: string) => Parsed<T>): CellRule<T, false> => ({ required: false, parse });

type CellValue<Rule> = Rule extends CellRule<infer T, true> ? T : Rule extends CellRule<infer T, false> ? T | null | undefined : never;
export type RowCells = Record<string, CellRule<unknown>>;
/** The typed row the cells of a kind read into. */
export type RowOf<Cells extends RowCells> = { [Column in keyof Cells]: CellValue<Cells[Column]> };

const REQUIRED = 'required but empty';
const ABSENT: Parsed<undefined> = { ok: true, value: undefined };
const EMPTY: Parsed<null> = { ok: true, value: null };
const REQUIRED_BUT_EMPTY: Parsed<never> = { ok: false, error: REQUIRED };

/**
 * One cell by its column's rule, the one definition the zod schema and the compiled reader
 * both run: absent column → undefined (the stored value is kept), empty cell → null (the
 * stored value is cleared) or, in a required column, an error; otherwise parsed trimmed (and
 * without the apostrophe Rapport's own CSV files put before a formula-like cell).
 */
function readCell<T>(rule: CellRule<T>, raw: string | undefined): Parsed<T | null | undefined> {
  if (raw === undefined && !rule.required) return ABSENT;
  // Invisible characters would be stored and shown back (a name starting with U+202E reads backwards).
  const text = raw === undefined ? '' : stripInvisible(raw).trim();
  if (text === '') return rule.required ? REQUIRED_BUT_EMPTY : EMPTY;
  // A rejects file Rapport wrote escaped formula-like cells with an apostrophe (csv-cell.ts): read them as they were.
  return rule.parse(text.charCodeAt(0) === 39 ? withoutFormulaEscape(text) : text);
}

function cellSchema<T>(rule: CellRule<T>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T | null | undefined => {
      const cell = readCell(rule, raw);
      return cell.ok ? cell.value : addProblem(ctx, cell.error);
    });
}

/**
 * The zod schema of a row: every problem of the row, each with its column, for the messages.
 * A column the file does not have is absent from the row (not undefined).
 */
export function rowSchemaOf<Cells extends RowCells>(cells: Cells): z.ZodType<RowOf<Cells>, RawRow> {
  const shape: Record<string, ReturnType<typeof cellSchema>> = {};
  for (const [column, rule] of Object.entries(cells)) shape[column] = cellSchema(rule);
  return z.object(shape) as unknown as z.ZodType<RowOf<Cells>, RawRow>;
}

/** Reads a record's fields into a row; null when any cell is bad (the zod schema then says why). */
export type RowReader<Row> = (fields: readonly string[]) => Row | null;

/**
 * The hot path of large imports: the same cells read by `readCell` straight from the record's
 * fields (by the header's column positions), with none of zod's per-row objects. It accepts
 * exactly what `rowSchemaOf(cells)` accepts and builds the same row, since both run `readCell`;
 * a row it refuses goes through the zod schema for its problems.
 */
export function compileRowReader<Cells extends RowCells>(cells: Cells, columnAt: readonly (string | null)[]): RowReader<RowOf<Cells>> {
  const columns = Object.keys(cells);
  const rules = columns.map((column) => cells[column]!);
  // Like rawRow: a column the header has reads '' from a short row; one it lacks is absent.
  const positions = columns.map((column) => columnAt.indexOf(column));
  const count = columns.length;
  return (fields) => {
    const row: Record<string, unknown> = {};
    for (let at = 0; at < count; at++) {
      const position = positions[at]!;
      const cell = readCell(rules[at]!, position < 0 ? undefined : (fields[position] ?? ''));
      if (!cell.ok) return null;
      if (cell.value !== undefined) row[columns[at]!] = cell.value;
    }
    return row as RowOf<Cells>;
  };
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
  /** Birthdays after today, and orders and interactions after tomorrow, are rejected. */
  today: Date;
}

export function customerCells(context: SchemaContext) {
  return {
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
  };
}

export function orderCells(context: SchemaContext) {
  const range = eventDateRange(context.today);
  return {
    external_id: optionalCell(parseText),
    customer: requiredCell(parseText),
    ordered_at: requiredCell((text) => parseEventDate(text, context.dates, range)),
    amount: requiredCell(parseOrderAmount),
    margin: optionalCell(parseOrderAmount),
    product: optionalCell(parseText),
    category: optionalCell(parseText),
    refund_of: optionalCell(parseText),
  };
}

export function repCells() {
  return {
    email: requiredCell(parseEmail),
    name: requiredCell(parseText),
    role: optionalCell(parseRole),
    team: optionalCell(parseText),
    slack_user_id: optionalCell(parseText),
    discord_user_id: optionalCell(parseText),
    timezone: optionalCell(parseZone),
    locale: optionalCell(parseLocale),
  };
}

export function interactionCells(context: SchemaContext) {
  const range = eventDateRange(context.today);
  return {
    customer: requiredCell(parseText),
    rep: optionalCell(parseText),
    kind: requiredCell(parseInteractionKind),
    at: requiredCell((text) => parseEventDate(text, context.dates, range)),
    note: optionalCell(parseText),
    satisfaction: optionalCell(parseInteger(1, 5)),
  };
}

export type CustomerRow = RowOf<ReturnType<typeof customerCells>>;
export type OrderRow = RowOf<ReturnType<typeof orderCells>>;
export type RepRow = RowOf<ReturnType<typeof repCells>>;
export type InteractionRow = RowOf<ReturnType<typeof interactionCells>>;

/** The cells of each kind, from which its zod schema and its compiled reader are both made. */
export const rowCells = {
  customers: customerCells,
  orders: orderCells,
  reps: repCells,
  interactions: interactionCells,
} satisfies Record<ImportKind, (context: SchemaContext) => RowCells>;

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
