import { z } from 'zod';

export const IMPORT_KINDS = ['customers', 'orders', 'reps', 'interactions'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ColumnSpec {
  /** The canonical header, as documented in the README. */
  name: string;
  required: boolean;
  /** Other spellings accepted for it (English and Chinese); matched after normalisation. */
  aliases: readonly string[];
}

const column = (name: string, aliases: readonly string[], required = false): ColumnSpec => ({ name, required, aliases });

const CUSTOMER_REF = ['customer_id', 'customer_external_id', 'client', 'client_id', 'customer_no', '客户', '客户编号', '客户号', '客户ID', '会员号', '会员编号'];

/** The columns of each kind, canonical name first; the README's import section lists the same. */
export const COLUMNS: Record<ImportKind, readonly ColumnSpec[]> = {
  customers: [
    column('external_id', ['id', 'customer_id', 'customer_no', 'customer_number', 'client_id', '客户编号', '客户号', '客户ID', '编号', '会员号', '会员编号'], true),
    column('name', ['customer_name', 'full_name', 'customer', 'client', '姓名', '客户名称', '客户姓名', '名称', '客户'], true),
    column('email', ['e_mail', 'mail', 'email_address', '邮箱', '电子邮件', '电子邮箱'], false),
    column('phone', ['mobile', 'tel', 'telephone', 'phone_number', 'cell', '手机', '电话', '手机号', '手机号码', '联系电话', '电话号码'], false),
    column('birthday', ['birth_date', 'date_of_birth', 'dob', 'birthdate', '生日', '出生日期'], false),
    column('timezone', ['time_zone', 'tz', '时区'], false),
    column('region', ['area', 'city', 'province', 'state', 'territory', '地区', '区域', '城市', '省份'], false),
    column('tags', ['tag', 'groups', 'segments', 'labels', '标签', '分组', '客户分群', '分群'], false),
    column('owner', ['owner_email', 'rep', 'sales_rep', 'salesperson', 'account_manager', '负责人', '销售', '销售员', '业务员', '客户经理', '归属销售'], false),
    column('greeting_opt_out', ['no_greetings', 'opt_out', 'do_not_greet', '不发祝福', '拒收祝福', '免打扰'], false),
  ],
  orders: [
    column('external_id', ['order_id', 'order_no', 'order_number', 'id', '订单号', '订单编号', '单号'], false),
    column('customer', CUSTOMER_REF, true),
    column('ordered_at', ['order_date', 'date', 'purchase_date', 'ordered_on', 'time', 'created_at', '下单时间', '日期', '下单日期', '订单日期', '购买日期', '消费时间', '时间'], true),
    column('amount', ['total', 'price', 'revenue', 'order_total', 'sales', '金额', '消费金额', '订单金额', '实付金额', '总金额', '销售额'], true),
    column('margin', ['profit', 'gross_margin', 'gross_profit', '毛利', '利润', '毛利润'], false),
    column('product', ['item', 'sku', 'product_name', '产品', '商品', '商品名称', '产品名称'], false),
    column('category', ['product_category', 'type', 'product_line', '类别', '品类', '分类', '产品线'], false),
    column('refund_of', ['original_order', 'original_order_id', 'refund_for', 'refunded_order', '原订单号', '原订单', '退款原单号', '退货原单号'], false),
  ],
  reps: [
    column('email', ['e_mail', 'mail', 'rep_email', '邮箱', '电子邮件', '电子邮箱'], true),
    column('name', ['rep_name', 'full_name', 'rep', '姓名', '名字', '销售', '销售姓名'], true),
    column('role', ['position', '角色', '职位', '权限'], false),
    column('team', ['team_name', 'store', 'branch', 'department', '团队', '门店', '部门', '小组'], false),
    column('slack_user_id', ['slack', 'slack_id', 'slack_user'], false),
    column('discord_user_id', ['discord', 'discord_id', 'discord_user'], false),
    column('timezone', ['time_zone', 'tz', '时区'], false),
    column('locale', ['language', 'lang', '语言'], false),
  ],
  interactions: [
    column('customer', CUSTOMER_REF, true),
    column('rep', ['rep_email', 'owner', 'sales_rep', 'salesperson', '销售', '负责人', '业务员', '跟进人'], false),
    column('kind', ['type', 'channel', 'interaction_type', '类型', '方式', '跟进方式'], true),
    column('at', ['date', 'time', 'when', 'contacted_at', 'happened_at', '时间', '日期', '跟进时间', '回访时间'], true),
    column('note', ['text', 'notes', 'comment', 'summary', 'content', '备注', '内容', '记录', '跟进内容', '回访记录'], false),
    column('satisfaction', ['rating', 'score', 'csat', '满意度', '评分'], false),
  ],
};

/** Header matching ignores case, width, spaces and punctuation: "Ordered At", "ordered-at", "ORDERED_AT". */
export function headerKey(header: string): string {
  return header.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
}

/** A `--mapping` file: `{ "<header in the file>": "<canonical column>" }`; `null` or `""` ignores that column. */
export const mappingFileSchema = z.record(z.string(), z.string().nullable());
export type HeaderMapping = z.infer<typeof mappingFileSchema>;

/** What one kind is called in messages: "a customers file", "an orders file". */
export function kindFile(kind: ImportKind): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} file`;
}

export interface ResolvedHeader {
  /** Canonical column per file column index (null for a column Rapport does not know). */
  columnAt: (string | null)[];
  /** File header per canonical column present, for messages. */
  headerOf: Map<string, string>;
  unknown: string[];
}

export class HeaderError extends Error {}

/** Longest list of a file's headers quoted back in a HeaderError (a stray file's first line can be huge). */
const MAX_SHOWN_HEADERS_LENGTH = 300;

function shownHeaders(headers: readonly string[]): string {
  const list = headers.join(', ');
  return list.length > MAX_SHOWN_HEADERS_LENGTH ? `${list.slice(0, MAX_SHOWN_HEADERS_LENGTH)}…` : list;
}

/** Canonical column per header key: names win over aliases when an alias of one column is another column's name (e.g. "customer"). */
function columnsByKey(kind: ImportKind): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const spec of COLUMNS[kind]) for (const alias of spec.aliases) byKey.set(headerKey(alias), spec.name);
  for (const spec of COLUMNS[kind]) byKey.set(headerKey(spec.name), spec.name);
  return byKey;
}

/** How many of the headers are (distinct) columns of `kind`, and whether its required ones are all there. */
function fitOf(kind: ImportKind, headers: readonly string[]): { matched: number; complete: boolean } {
  const byKey = columnsByKey(kind);
  const found = new Set(headers.map((header) => byKey.get(headerKey(header))).filter((name) => name !== undefined));
  return { matched: found.size, complete: COLUMNS[kind].every((spec) => !spec.required || found.has(spec.name)) };
}

/** The other kind these headers fit best (all its required columns, most columns matched), if any fits better than `than` matches. */
function betterKind(kind: ImportKind, headers: readonly string[], than: number): ImportKind | null {
  let best: { kind: ImportKind; matched: number } | null = null;
  for (const other of IMPORT_KINDS) {
    if (other === kind) continue;
    const fit = fitOf(other, headers);
    if (fit.complete && fit.matched > than && (!best || fit.matched > best.matched)) best = { kind: other, matched: fit.matched };
  }
  return best?.kind ?? null;
}

/**
 * Maps a file's header row onto the kind's canonical columns: mapping file first, then names,
 * then aliases. Refuses a file that lacks a required column, and one whose headers are another
 * kind's (an orders file imported as customers has an id and a "customer" column, which would
 * make it look like a customers file with a name).
 */
export function resolveHeader(kind: ImportKind, headers: string[], mapping: HeaderMapping = {}): ResolvedHeader {
  const specs = COLUMNS[kind];
  const byKey = columnsByKey(kind);
  const mapped = new Map<string, string | null>();
  for (const [from, to] of Object.entries(mapping)) {
    if (to === null || to.trim() === '') {
      mapped.set(headerKey(from), null);
      continue;
    }
    const target = specs.find((spec) => headerKey(spec.name) === headerKey(to));
    if (!target) throw new HeaderError(`mapping: "${to}" is not a column of ${kind} files (columns: ${specs.map((s) => s.name).join(', ')})`);
    mapped.set(headerKey(from), target.name);
  }
  const columnAt: (string | null)[] = [];
  const headerOf = new Map<string, string>();
  const unknown: string[] = [];
  for (const header of headers) {
    const key = headerKey(header);
    const name = mapped.has(key) ? mapped.get(key)! : (byKey.get(key) ?? null);
    if (name !== null && headerOf.has(name)) {
      throw new HeaderError(`columns "${headerOf.get(name)}" and "${header}" both mean ${name}; rename one or map it with a mapping file on the command line (npm run import -- --help)`);
    }
    if (name === null) {
      if (header.trim() !== '' && !mapped.has(key)) unknown.push(header);
    } else headerOf.set(name, header);
    columnAt.push(name);
  }
  const missing = specs.filter((spec) => spec.required && !headerOf.has(spec.name));
  const other = betterKind(kind, headers, missing.length > 0 ? 0 : headerOf.size);
  if (missing.length > 0) {
    const list = missing.map((spec) => `${spec.name} (or ${spec.aliases.slice(0, 4).join(', ')}…)`).join('; ');
    const hint = other ? ` This looks like ${kindFile(other)}: import it as ${other}.` : '';
    throw new HeaderError(`missing required column${missing.length > 1 ? 's' : ''}: ${list}. Found: ${shownHeaders(headers)}.${hint}`);
  }
  if (other && Object.keys(mapping).length === 0) {
    throw new HeaderError(`this looks like ${kindFile(other)}, not ${kindFile(kind)}: more of its columns (${shownHeaders(headers)}) are ${other} columns. Import it as ${other}, or map the columns with a mapping file on the command line (npm run import -- --help).`);
  }
  return { columnAt, headerOf, unknown };
}
