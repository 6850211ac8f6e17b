import type { Sqlite } from './sqlite.js';

/**
 * The reorder key `dedupeKey.reorder` gives, in SQL: `reorder:<id>:<YYYY-MM-DD>` of the last
 * purchase day (ScoreSnapshot.lastOrderAt is that day's UTC midnight).
 */
const REORDER_KEY_SQL = (customer: string, lastPurchase: string) => `'reorder:' || ${customer} || ':' || strftime('%Y-%m-%d', ${lastPurchase} / 1000, 'unixepoch')`;

/**
 * Keeps Customer.reorderDueAt: when the reorder nudge of the customer's current purchase cycle is
 * due (the newest score's reorder day), null when there is none to plan (no reorder day, no
 * owner, or this cycle's nudge is already in the outbox). Stored for the same reason as
 * check-ins (check-ins.ts): the planner, every 15 minutes, reads an index range of the due ones
 * instead of a million scores. Refreshed after each rescoring, one id range at a time.
 */
export function refreshReordersAfterRescoring(sqlite: Sqlite, idRange: readonly [number, number]): void {
  statementsOf(sqlite).refresh.run({ first: idRange[0], last: idRange[1] });
}

/** The planner put these customers' reorder nudges in the outbox: nothing is left to plan until their next purchase. */
export function markReordersPlanned(sqlite: Sqlite, customerIds: Iterable<number>): void {
  const { clear } = statementsOf(sqlite);
  for (const id of customerIds) clear.run(id);
}

const prepared = new WeakMap<Sqlite, ReturnType<typeof prepare>>();

function statementsOf(sqlite: Sqlite): ReturnType<typeof prepare> {
  let statements = prepared.get(sqlite);
  if (!statements) prepared.set(sqlite, (statements = prepare(sqlite)));
  return statements;
}

function prepare(sqlite: Sqlite) {
  return {
    refresh: sqlite.prepare(
      `WITH n AS MATERIALIZED (
         SELECT c.id, CASE
           WHEN s.reorderDueAt IS NULL OR c.ownerId IS NULL THEN NULL
           WHEN EXISTS (SELECT 1 FROM Nudge k WHERE k.dedupeKey = ${REORDER_KEY_SQL('c.id', 's.lastOrderAt')}) THEN NULL
           ELSE s.reorderDueAt
         END AS due
         FROM Customer c LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
         WHERE c.id BETWEEN @first AND @last)
       UPDATE Customer AS u SET reorderDueAt = n.due FROM n WHERE u.id = n.id AND u.reorderDueAt IS NOT n.due`,
    ),
    clear: sqlite.prepare('UPDATE Customer SET reorderDueAt = NULL WHERE id = ? AND reorderDueAt IS NOT NULL'),
  };
}
