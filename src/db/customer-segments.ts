import { sql, type AliasedRawBuilder, type AliasedSelectQueryBuilder, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { BookScope } from '../domain/actor.js';
import { categoryKey } from '../domain/analytics/cross-sell.js';
import type { LocalDate } from '../domain/schedule/local-time.js';
import type { CustomerListFilter } from '../commands/ports.js';
import type { Engine } from './database-url.js';
import type { Schema } from './schema.js';
import type { StoreHandle } from './stores/store.js';

/**
 * Segments (`/customer list`, `/customer export`) on a million customers. The list is ordered
 * by value at stake, so the cheap way through a broad segment is to walk the week's rows in that
 * order (an index that also holds tier, stage, long tail and low profit, checked there) and stop
 * once the page is full: where 1% of the customers match, page 1 costs about 1,100 rows. That
 * walk is slow for a narrow segment (a rep's own book, a rare tag, a mistyped region: little to
 * stop at), so a query starts from a filter with an index of its own when that matches fewer
 * customers than the walk would visit, and sorts those few instead. Counting a broad segment
 * through would cost as much as the walk saves: list pages say whether more follow.
 *
 * On SQLite each start names its index (`INDEXED BY`) and fixes the join order (CROSS JOIN): the
 * bot never runs ANALYZE, so the planner would guess. PostgreSQL plans from its own statistics.
 */

/** Each filter's matches are counted up to this many (a millisecond or so): a query never starts from more. */
export const NARROW_SEGMENT = 10_000;

/** Where a segment query starts; `any`: wherever the planner finds best (a count needs no order). */
export type SegmentStart = 'walk' | 'any' | 'owner' | 'tag' | 'region' | 'born';

const WALK_INDEX = 'ScoreSnapshot_week_atStakeMinor_customerId_tier_lifecycle_longTail_lowMargin_idx';

/** A segment query's tables: `s` the week's score row, `c` the customer. */
export type SegmentTables = Schema & { s: Schema['ScoreSnapshot']; c: Schema['Customer'] };
export type SegmentQuery = SelectQueryBuilder<SegmentTables, 's' | 'c', object>;
type SegmentExpressions = ExpressionBuilder<SegmentTables, 's' | 'c'>;

/**
 * `table AS alias`, on SQLite reading through `index` when given: `INDEXED BY` is SQLite's alone
 * and the query builder has no word for it, hence the raw table.
 */
export function tableAs<T extends keyof Schema & string, A extends string>(engine: Engine, table: T, alias: A, index?: string): AliasedRawBuilder<Schema[T], A> {
  const as = engine === 'sqlite' && index !== undefined ? sql`${sql.id(alias)} INDEXED BY ${sql.id(index)}` : sql.id(alias);
  return sql<Schema[T]>`${sql.table(table)}`.as<A>(as);
}

/**
 * The FROM of a segment query starting at `start`. The CROSS JOINs keep SQLite's join order
 * (the join conditions are in the WHERE); `any` leaves the order to the planner.
 */
export function segmentFrom({ engine, kysely }: StoreHandle, start: SegmentStart): SegmentQuery {
  const scores = (index?: string) => tableAs(engine, 'ScoreSnapshot', 's', index);
  const customers = (index?: string) => tableAs(engine, 'Customer', 'c', index);
  switch (start) {
    case 'walk':
      return kysely.selectFrom(scores(WALK_INDEX)).crossJoin(customers()).whereRef('c.id', '=', 's.customerId');
    case 'any':
      return kysely.selectFrom(scores()).innerJoin(customers(), (join) => join.onRef('c.id', '=', 's.customerId'));
    case 'tag':
      // The tag row `t` is the filter itself (segmentWhere): its table is no column source of the result.
      return kysely
        .selectFrom('CustomerTag as t')
        .crossJoin(customers())
        .crossJoin(scores())
        .whereRef('c.id', '=', 't.customerId')
        .whereRef('s.customerId', '=', 'c.id') as unknown as SegmentQuery;
    case 'owner':
    case 'region':
    case 'born':
      return kysely.selectFrom(customers(CUSTOMER_START_INDEX[start])).crossJoin(scores()).whereRef('s.customerId', '=', 'c.id');
  }
}

const CUSTOMER_START_INDEX = {
  owner: 'Customer_ownerId_checkInDueAt_idx',
  region: 'Customer_region_nocase_idx',
  born: 'Customer_birthdayYear_idx',
} as const;

/** Value at stake first, then the customer id: the walk index's own order, so a page needs no sort. */
export function inSegmentOrder(query: SegmentQuery): SegmentQuery {
  return query.orderBy('s.atStakeMinor', 'desc').orderBy('s.customerId', 'desc');
}

/** Beyond this many cased letters outside ASCII, the spellings are the text as typed, all lower and all upper. */
const MAX_CASED_BEYOND_ASCII = 6;

/**
 * The spellings of `text` that differ in the case of its letters beyond ASCII (Ö/ö, Д/д): SQLite's
 * NOCASE folds A-Z only, so "österreich" must also be asked for as "Österreich" to find it there
 * as PostgreSQL's ICU "nocase" does; up to 2^6 of them, each still an indexed equality.
 */
export function caseSpellings(text: string): string[] {
  const chars = [...text];
  const cased = chars.flatMap((ch, i) => {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    // Only letters with a one-character form each way (ß → SS is no spelling NOCASE compares).
    return ch.codePointAt(0)! > 0x7f && lower !== upper && [...lower].length === 1 && [...upper].length === 1 ? [{ i, lower, upper }] : [];
  });
  if (cased.length > MAX_CASED_BEYOND_ASCII) return [...new Set([text, text.toLowerCase(), text.toUpperCase()])];
  let spellings = [chars];
  for (const { i, lower, upper } of cased) {
    spellings = spellings.flatMap((spelling) => [lower, upper].map((ch) => spelling.map((c, j) => (j === i ? ch : c))));
  }
  return [...new Set(spellings.map((spelling) => spelling.join('')))];
}

/** `value = text` without regard to case on both engines: NOCASE (A-Z) over caseSpellings on SQLite, PostgreSQL's ICU "nocase" (any script; migration customer_knowledge). */
export function equalsIgnoringCase(column: Expression<unknown>, text: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} COLLATE "nocase" IN (${sql.join(caseSpellings(text))})`;
}

/**
 * The WHERE of a segment in the newest week: every filter given must hold; tags, regions and
 * categories match in any case, in any script, on both engines.
 */
export function segmentWhere(engine: Engine, filter: CustomerListFilter, scope: BookScope, start: SegmentStart = 'walk'): (eb: SegmentExpressions) => Expression<SqlBool> {
  return (eb) => {
    // The newest week, worked out once per statement (none before the first scoring: then nothing matches).
    const newest = eb.selectFrom('ScoreSnapshot').select((w) => w.fn.max('ScoreSnapshot.week').as('week'));
    const parts: Expression<SqlBool>[] = [eb('s.week', '=', newest)];
    if (filter.tier) parts.push(eb('s.tier', '=', filter.tier));
    if (filter.lifecycles) parts.push(eb('s.lifecycle', 'in', filter.lifecycles));
    if (filter.longTail) parts.push(eb('s.longTail', '=', filter.longTail));
    if (filter.lowProfit) parts.push(eb('s.lowMargin', '=', true));
    if (filter.ownerId !== undefined) parts.push(eb('c.ownerId', '=', filter.ownerId));
    if (filter.tag !== undefined) {
      // CustomerTag.tag compares without regard to case by its column's collation, on both engines (beyond ASCII on SQLite: caseSpellings).
      const spellings = caseSpellings(filter.tag);
      if (start === 'tag') parts.push(eb(sql.ref('t.tag'), 'in', spellings));
      else parts.push(eb.exists(eb.selectFrom('CustomerTag as t').select('t.customerId').where('t.tag', 'in', spellings).whereRef('t.customerId', '=', 'c.id')));
    }
    if (filter.region !== undefined) parts.push(equalsIgnoringCase(eb.ref('c.region'), filter.region));
    // The score row keeps the categories bought in the window as `|key|key|` (recompute.ts); SQLite says instr, PostgreSQL strpos.
    if (filter.category !== undefined) {
      parts.push(eb(eb.fn<number>(engine === 'sqlite' ? 'instr' : 'strpos', ['s.categories', eb.val(`|${categoryKey(filter.category)}|`)]), '>', 0));
    }
    if (filter.born) {
      // The year range lets the birth-year index narrow it; the whole date decides.
      const date = sql<number>`${eb.ref('c.birthdayYear')} * 10000 + ${eb.ref('c.birthdayMonth')} * 100 + ${eb.ref('c.birthdayDay')}`;
      parts.push(eb.between('c.birthdayYear', filter.born.from.year, filter.born.to.year));
      parts.push(eb.between(date, dateNumber(filter.born.from), dateNumber(filter.born.to)));
    }
    parts.push(...withinBook(eb, scope));
    return eb.and(parts);
  };
}

/**
 * Where a segment query should start to read `rows` rows: a rep's customers (a book is small),
 * else the filter with an index of its own that matches fewest, when that is fewer than the
 * rows the walk would visit, estimated as `rows` ÷ the share of customers all those filters let
 * through (taken as independent).
 */
export async function segmentStart(db: StoreHandle, filter: CustomerListFilter, scope: BookScope, rows: number): Promise<SegmentStart> {
  if (filter.ownerId !== undefined || scope.kind === 'owner') return 'owner';
  const { engine, kysely } = db;
  /** How many rows `matches` has, counted up to NARROW_SEGMENT. */
  const upTo = async (matches: AliasedSelectQueryBuilder<{ one: number }, 'm'>) => {
    const row = await kysely.selectFrom(matches).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  };
  const first = sql.lit(1).as('one');
  const customers = (index?: string) => kysely.selectFrom(tableAs(engine, 'Customer', 'x', index));
  const counts: [SegmentStart, number][] = [];
  if (filter.tag !== undefined) counts.push(['tag', await upTo(kysely.selectFrom('CustomerTag').select(first).where('tag', 'in', caseSpellings(filter.tag)).limit(NARROW_SEGMENT).as('m'))]);
  if (filter.region !== undefined) {
    const region = filter.region;
    const inRegion = customers(CUSTOMER_START_INDEX.region).select(first).where((eb) => equalsIgnoringCase(eb.ref('x.region'), region));
    counts.push(['region', await upTo(inRegion.limit(NARROW_SEGMENT).as('m'))]);
  }
  if (filter.born) {
    const born = customers().select(first).where('x.birthdayYear', '>=', filter.born.from.year).where('x.birthdayYear', '<=', filter.born.to.year);
    counts.push(['born', await upTo(born.limit(NARROW_SEGMENT).as('m'))]);
  }
  const narrowest = counts.filter(([, n]) => n < NARROW_SEGMENT).sort((a, b) => a[1] - b[1])[0];
  if (!narrowest) return 'walk';
  // Customer ids are dense enough for the base's size.
  const last = await kysely.selectFrom('Customer').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const customerCount = Math.max(1, last?.id ?? 1);
  const share = counts.reduce((product, [, n]) => product * Math.min(1, n / customerCount), 1);
  return narrowest[1] <= rows / Math.max(share, Number.MIN_VALUE) ? narrowest[0] : 'walk';
}

/** The conditions that keep a query on `Customer c` within a book (none for the whole base). */
export function withinBook(eb: ExpressionBuilder<Schema & { c: Schema['Customer'] }, 'c'>, scope: BookScope): Expression<SqlBool>[] {
  switch (scope.kind) {
    case 'all':
      return [];
    case 'team':
      return [eb('c.ownerId', 'in', eb.selectFrom('Rep').select('Rep.id').where('Rep.teamId', '=', scope.teamId))];
    case 'owner':
      return [eb('c.ownerId', '=', scope.repId)];
  }
}

function dateNumber(date: LocalDate): number {
  return date.year * 10000 + date.month * 100 + date.day;
}
