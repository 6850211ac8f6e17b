import { sql, type RawBuilder } from 'kysely';
import type { Engine } from '../database-url.js';
import { clearPlannedDue, idBetween } from './check-in-store.js';
import type { StoreHandle } from './store.js';

/**
 * Keeps Customer.reorderDueAt: when the reorder nudge of the customer's current purchase cycle is
 * due (the newest score's reorder day), null when there is none to plan (no reorder day, no
 * owner, or this cycle's nudge is already in the outbox). Stored for the same reason as
 * check-ins (check-in-store.ts): the planner, every 15 minutes, reads an index range of the due
 * ones instead of a million scores. Refreshed after each rescoring, one id range at a time, in
 * the rescoring's write slice.
 */
export async function refreshReordersAfterRescoring(db: StoreHandle, idRange: readonly [number, number]): Promise<void> {
  const newestWeek = db.kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'));
  await db.kysely
    .with(
      (cte) => cte('n').materialized(),
      (k) =>
        k
          .selectFrom('Customer as c')
          // The range on the scores too: see check-in-store.ts's Target (a new week's statistics come later).
          .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek).on(idBetween(db.engine, 's.customerId', idRange)))
          .select([
            'c.id',
            sql<number | null>`CASE
              WHEN ${sql.ref('s.reorderDueAt')} IS NULL OR ${sql.ref('c.ownerId')} IS NULL THEN NULL
              WHEN EXISTS (SELECT 1 FROM ${sql.table('Nudge')} k WHERE ${sql.ref('k.dedupeKey')} = ${reorderKeySql(db.engine)}) THEN NULL
              ELSE ${sql.ref('s.reorderDueAt')}
            END`.as('due'),
          ])
          .where(idBetween(db.engine, 'c.id', idRange)),
    )
    .updateTable('Customer as u')
    .from('n')
    .set((eb) => ({ reorderDueAt: eb.ref('n.due') }))
    .whereRef('u.id', '=', 'n.id')
    .where((eb) => eb('u.reorderDueAt', 'is distinct from', eb.ref('n.due')))
    .execute();
}

/** The planner put these customers' reorder nudges in the outbox: nothing is left to plan until their next purchase. */
export async function markReordersPlanned(db: StoreHandle, customerIds: readonly number[]): Promise<void> {
  await clearPlannedDue(db, 'reorderDueAt', customerIds);
}

/**
 * The reorder key `dedupeKey.reorder` gives, in SQL: `reorder:<id>:<YYYY-MM-DD>` of the last
 * purchase day (ScoreSnapshot.lastOrderAt is that day's UTC midnight); each engine formats dates its own way.
 */
function reorderKeySql(engine: Engine): RawBuilder<string> {
  const day =
    engine === 'postgres'
      ? sql`to_char(TIMESTAMP 'epoch' + ${sql.ref('s.lastOrderAt')} * INTERVAL '1 millisecond', 'YYYY-MM-DD')`
      : sql`strftime('%Y-%m-%d', ${sql.ref('s.lastOrderAt')} / 1000, 'unixepoch')`;
  return sql<string>`'reorder:' || ${sql.ref('c.id')} || ':' || ${day}`;
}
