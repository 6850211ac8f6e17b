import type { BookScope } from '../domain/actor.js';
import { categoryKey } from '../domain/analytics/cross-sell.js';
import type { LocalDate } from '../domain/schedule/local-time.js';
import type { CustomerListFilter } from '../commands/ports.js';
import type { Sqlite } from './sqlite.js';

/**
 * Segments (`/customer list`, `/customer export`) on a million customers. The list is ordered
 * by value at stake, so the cheap way through a broad segment is to walk the week's rows in that
 * order (an index that also holds tier, stage, long tail and low profit, checked there) and stop
 * once the page is full: where 1% of the customers match, page 1 costs about 1,100 rows. That
 * walk is slow for a narrow segment (a rep's own book, a rare tag, a mistyped region: little to
 * stop at), so a query starts from a filter with an index of its own when that matches fewer
 * customers than the walk would visit, and sorts those few instead. Counting a broad segment
 * through would cost as much as the walk saves: list pages say whether more follow.
 */

/** Each filter's matches are counted up to this many (a millisecond or so): a query never starts from more. */
export const NARROW_SEGMENT = 10_000;

/** Where a segment query starts; `any`: wherever SQLite finds best (a count needs no order). */
export type SegmentStart = 'walk' | 'any' | 'owner' | 'tag' | 'region' | 'born';

const WALK_INDEX = 'ScoreSnapshot_week_atStakeMinor_customerId_tier_lifecycle_longTail_lowMargin_idx';
const STARTS: Record<SegmentStart, string> = {
  walk: `ScoreSnapshot s INDEXED BY ${WALK_INDEX} CROSS JOIN Customer c ON c.id = s.customerId`,
  any: 'ScoreSnapshot s JOIN Customer c ON c.id = s.customerId',
  owner: 'Customer c INDEXED BY Customer_ownerId_checkInDueAt_idx CROSS JOIN ScoreSnapshot s ON s.customerId = c.id',
  tag: 'CustomerTag t CROSS JOIN Customer c ON c.id = t.customerId CROSS JOIN ScoreSnapshot s ON s.customerId = c.id',
  region: 'Customer c INDEXED BY Customer_region_nocase_idx CROSS JOIN ScoreSnapshot s ON s.customerId = c.id',
  born: 'Customer c INDEXED BY Customer_birthdayYear_idx CROSS JOIN ScoreSnapshot s ON s.customerId = c.id',
};

/** The FROM of a segment query starting at `start`: `s` the week's score row, `c` the customer (CROSS JOIN keeps that order). */
export function segmentFrom(start: SegmentStart): string {
  return STARTS[start];
}

/** Value at stake first, then the customer id: the walk index's own order, so a page needs no sort. */
export const SEGMENT_ORDER = 'ORDER BY s.atStakeMinor DESC, s.customerId DESC';

/** The WHERE of a segment in the newest week: every filter given must hold; tags and regions match in any (ASCII) case, categories in any case. */
export function segmentWhere(filter: CustomerListFilter, scope: BookScope, week: string, start: SegmentStart = 'walk'): { sql: string; values: (string | number)[] } {
  const parts: string[] = ['s.week = ?'];
  const values: (string | number)[] = [week];
  const add = (sql: string, ...params: (string | number)[]) => {
    parts.push(sql);
    values.push(...params);
  };
  if (filter.tier) add('s.tier = ?', filter.tier);
  if (filter.lifecycles) add(`s.lifecycle IN (${filter.lifecycles.map(() => '?').join(', ')})`, ...filter.lifecycles);
  if (filter.longTail) add('s.longTail = ?', filter.longTail);
  if (filter.lowProfit) add('s.lowMargin = 1');
  if (filter.ownerId !== undefined) add('c.ownerId = ?', filter.ownerId);
  if (filter.tag !== undefined) {
    if (start === 'tag') add('t.tag = ?', filter.tag);
    else add('EXISTS (SELECT 1 FROM CustomerTag t WHERE t.tag = ? AND t.customerId = c.id)', filter.tag);
  }
  if (filter.region !== undefined) add('c.region = ? COLLATE NOCASE', filter.region);
  // The score row keeps the categories bought in the window as `|key|key|` (recompute.ts).
  if (filter.category !== undefined) add('instr(s.categories, ?) > 0', `|${categoryKey(filter.category)}|`);
  if (filter.born) {
    // The year range lets the birth-year index narrow it; the whole date decides.
    add(
      'c.birthdayYear BETWEEN ? AND ? AND c.birthdayYear * 10000 + c.birthdayMonth * 100 + c.birthdayDay BETWEEN ? AND ?',
      filter.born.from.year,
      filter.born.to.year,
      dateNumber(filter.born.from),
      dateNumber(filter.born.to),
    );
  }
  const within = scopeSql(scope);
  return { sql: `${parts.join(' AND ')} ${within.clause}`, values: [...values, ...within.values] };
}

/**
 * Where a segment query should start to read `rows` rows: a rep's customers (a book is small),
 * else the filter with an index of its own that matches fewest, when that is fewer than the
 * rows the walk would visit, estimated as `rows` ÷ the share of customers all those filters let
 * through (taken as independent).
 */
export function segmentStart(sqlite: Sqlite, filter: CustomerListFilter, scope: BookScope, rows: number): SegmentStart {
  if (filter.ownerId !== undefined || scope.kind === 'owner') return 'owner';
  const counts: [SegmentStart, number][] = [];
  const upTo = (sql: string, ...params: (string | number)[]) =>
    sqlite.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM ${sql} LIMIT ${NARROW_SEGMENT})`).pluck().get(...params) as number;
  if (filter.tag !== undefined) counts.push(['tag', upTo('CustomerTag WHERE tag = ?', filter.tag)]);
  if (filter.region !== undefined) counts.push(['region', upTo('Customer INDEXED BY Customer_region_nocase_idx WHERE region = ? COLLATE NOCASE', filter.region)]);
  if (filter.born) counts.push(['born', upTo('Customer WHERE birthdayYear BETWEEN ? AND ?', filter.born.from.year, filter.born.to.year)]);
  const narrowest = counts.filter(([, n]) => n < NARROW_SEGMENT).sort((a, b) => a[1] - b[1])[0];
  if (!narrowest) return 'walk';
  // Customer ids are dense enough for the base's size.
  const customers = Math.max(1, (sqlite.prepare('SELECT MAX(id) FROM Customer').pluck().get() as number | null) ?? 1);
  const share = counts.reduce((product, [, n]) => product * Math.min(1, n / customers), 1);
  return narrowest[1] <= rows / Math.max(share, Number.MIN_VALUE) ? narrowest[0] : 'walk';
}

/** The SQL that keeps a query within a book; appended to a WHERE on `Customer c`. */
export function scopeSql(scope: BookScope): { clause: string; values: number[] } {
  switch (scope.kind) {
    case 'all':
      return { clause: '', values: [] };
    case 'team':
      return { clause: 'AND c.ownerId IN (SELECT id FROM Rep WHERE teamId = ?)', values: [scope.teamId] };
    case 'owner':
      return { clause: 'AND c.ownerId = ?', values: [scope.repId] };
  }
}

function dateNumber(date: LocalDate): number {
  return date.year * 10000 + date.month * 100 + date.day;
}
