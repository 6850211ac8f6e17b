import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { DAY_MS } from '../../domain/calendar.js';
import { cadenceIntervalMs, UNSCORED_TIER } from '../../domain/schedule/cadence.js';
import type { CadenceStage, ScheduleSettings } from '../../domain/schedule/schedule-settings.js';
import { TIERS } from '../../domain/tier.js';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';
import type { LoadedTeamSettings } from '../team-settings.js';
import { affectedRows, compiledPerRowCount, perEngine } from './compiled-queries.js';
import type { StoreHandle } from './store.js';

/** Which customers a refresh recomputes. */
export type CheckInScope =
  | 'all'
  | { customerIds: Iterable<number> }
  /** Customers owned by these reps (a rep moved team, so their cadences changed). */
  | { ownerIds: Iterable<number> }
  | { teamId: number }
  /** Customers with ids in [first, last]: a slice of a table-wide refresh (a rescoring's batch). */
  | { idRange: readonly [number, number] };

/**
 * Keeps Customer.lastTouchAt (the latest order, interaction or completed callback, else the
 * customer's creation) and Customer.checkInDueAt (when the next 定期回访 check-in is due: last
 * touch + the interval of the customer's stage (new, prospect, won back) or else tier in the
 * owner's team; null when none is left to plan, i.e. the check-in for this touch was already
 * created, or the customer has no owner).
 *
 * Why stored: the planner (every 15 minutes) reads only the customers whose check-in falls due
 * (the (ownerId, checkInDueAt) index) instead of recomputing a million last touches. So every
 * writer of what they derive from (orders, interactions, callback completions, tiers, owners,
 * reps' teams, team cadences) refreshes the customers it changed, inside its own write
 * transaction: run these through the transaction's handle (writeTransaction, a write slice).
 */
export async function refreshCheckIns(db: StoreHandle, scope: CheckInScope, teams: LoadedTeamSettings): Promise<void> {
  const statements = checkInStatements(db.kysely, db.engine);
  const target = statements.target(scope);
  if (target === null) return;
  await statements.lastTouch(target).execute();
  await statements.due(target, teams, await latestWeek(db.kysely)).execute();
}

/** After tiers were rescored: the last touches did not move, only the intervals may have. A sliced caller loads `teams` once for all slices. */
export async function refreshCheckInsAfterRescoring(db: StoreHandle, scope: CheckInScope, teams: LoadedTeamSettings): Promise<void> {
  const statements = checkInStatements(db.kysely, db.engine);
  const target = statements.target(scope);
  if (target !== null) await statements.due(target, teams, await latestWeek(db.kysely)).execute();
}

/** A stored due time the planner clears once it planned: the customer's check-in, or reorder nudge. */
export type PlannedDueColumn = 'checkInDueAt' | 'reorderDueAt';

const clearingDue = (column: PlannedDueColumn) =>
  perEngine((kysely) =>
    compiledPerRowCount<{ id: number }>(['id'], (rows) =>
      kysely
        .updateTable('Customer')
        .set(column, null)
        .where('id', 'in', rows.map((r) => r.id))
        .where(column, 'is not', null),
    ),
  );
const clearDue = { checkInDueAt: clearingDue('checkInDueAt'), reorderDueAt: clearingDue('reorderDueAt') };

/** Clears `column` of these customers: statements compiled once per batch size (the planner marks thousands a run). */
export async function clearPlannedDue(db: StoreHandle, column: PlannedDueColumn, customerIds: readonly number[]): Promise<void> {
  await affectedRows(db.kysely, clearDue[column](db)(customerIds.map((id) => ({ id }))));
}

/** The planner created these customers' check-ins: nothing is left to plan until their next touch. */
export async function markCheckInsPlanned(db: StoreHandle, customerIds: readonly number[]): Promise<void> {
  await clearPlannedDue(db, 'checkInDueAt', customerIds);
}

/** The newest scoring week ('' before the first scoring). */
export async function latestWeek(kysely: Kysely<Schema>): Promise<string> {
  const row = await latestWeekQuery(kysely).executeTakeFirst();
  return row?.week ?? '';
}

export const latestWeekQuery = (kysely: Kysely<Schema>) => kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'));

/**
 * A scope's customers: as a condition on `Customer` alias `c` ('all': every one), and for an id
 * range (the slices of a rescoring or a table-wide refresh) the same range on `ScoreSnapshot`
 * alias `s`. With it the join to the scores reads only the slice's rows through the
 * (customerId, week) index whatever the statistics say: right after a rescoring filed a new
 * week, PostgreSQL still took that week for a few hundred rows and hashed all of it for each
 * 500-customer slice (a 100k rescoring's check-in refresh 31 s instead of a few; issue 15).
 */
interface Target {
  customers: Expression<SqlBool> | 'all';
  snapshots: Expression<SqlBool> | null;
}

/**
 * The two refresh statements, built once for either engine: the async functions above run them
 * on Kysely, src/db/check-ins.ts compiles them for the modules still on the raw SQLite handle.
 * Both are set-based (one UPDATE … FROM over the scope) and write only rows whose value moved,
 * so a rescan of a million customers rewrites few pages.
 */
export function checkInStatements(kysely: Kysely<Schema>, engine: Engine) {
  const where = ({ customers }: Target) => (customers === 'all' ? sql<SqlBool>`1 = 1` : customers);
  return {
    target(scope: CheckInScope): Target | null {
      if (scope === 'all') return { customers: 'all', snapshots: null };
      if ('teamId' in scope) {
        return { customers: sql<SqlBool>`${sql.ref('c.ownerId')} IN (SELECT ${sql.ref('id')} FROM ${sql.table('Rep')} WHERE ${sql.ref('teamId')} = ${scope.teamId})`, snapshots: null };
      }
      if ('idRange' in scope) return { customers: idBetween(engine, 'c.id', scope.idRange), snapshots: idBetween(engine, 's.customerId', scope.idRange) };
      const ids = [...new Set('customerIds' in scope ? scope.customerIds : scope.ownerIds)];
      if (ids.length === 0) return null;
      // One parameter however many ids (an import can touch a million customers): a JSON array on SQLite, an array on PostgreSQL.
      const column = sql.ref('customerIds' in scope ? 'c.id' : 'c.ownerId');
      const customers =
        engine === 'postgres'
          ? sql<SqlBool>`${column} = ANY(${ids}::bigint[])`
          : sql<SqlBool>`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
      return { customers, snapshots: null };
    },

    lastTouch: (target: Target) =>
      // MATERIALIZED: otherwise SQLite inlines the subquery and works each last touch out twice.
      kysely
        .with(
          (cte) => cte('n').materialized(),
          (db) => db.selectFrom('Customer as c').select((eb) => ['c.id', lastTouchSql(engine, eb.ref('c.id'), eb.ref('c.createdAt')).as('touch')]).where(where(target)),
        )
        .updateTable('Customer as u')
        .from('n')
        .set((eb) => ({ lastTouchAt: eb.ref('n.touch') }))
        .whereRef('u.id', '=', 'n.id')
        .where((eb) => eb('u.lastTouchAt', 'is distinct from', eb.ref('n.touch'))),

    due: (target: Target, teams: LoadedTeamSettings, week: string) =>
      kysely
        .with(
          (cte) => cte('n').materialized(),
          (db) =>
            db
              .selectFrom('Customer as c')
              .leftJoin('Rep as r', 'r.id', 'c.ownerId')
              .leftJoin('ScoreSnapshot as s', (join) => {
                const scored = join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', week);
                return target.snapshots === null ? scored : scored.on(target.snapshots);
              })
              .select([
                'c.id',
                sql<number | null>`CASE
                  WHEN ${sql.ref('c.lastTouchAt')} IS NULL OR ${sql.ref('r.id')} IS NULL THEN NULL
                  WHEN EXISTS (SELECT 1 FROM ${sql.table('Callback')} k WHERE ${sql.ref('k.dedupeKey')} = ${cadenceKeySql(engine)}) THEN NULL
                  ELSE ${sql.ref('c.lastTouchAt')} + ${intervalSql(teams)}
                END`.as('due'),
              ])
              .where(where(target)),
        )
        .updateTable('Customer as u')
        .from('n')
        .set((eb) => ({ checkInDueAt: eb.ref('n.due') }))
        .whereRef('u.id', '=', 'n.id')
        .where((eb) => eb('u.checkInDueAt', 'is distinct from', eb.ref('n.due'))),
  };
}

/**
 * `column BETWEEN first AND last`. A covering range ends at Number.MAX_SAFE_INTEGER
 * (write-slices.ts), beyond PostgreSQL's integer ids: there the bounds are bigint.
 */
export function idBetween(engine: Engine, column: string, [first, last]: readonly [number, number]): RawBuilder<SqlBool> {
  return engine === 'postgres'
    ? sql<SqlBool>`${sql.ref(column)} BETWEEN ${first}::bigint AND ${last}::bigint`
    : sql<SqlBool>`${sql.ref(column)} BETWEEN ${first} AND ${last}`;
}

/** The latest order, interaction or completed callback; the customer's creation when there is none. A handover note is no contact. */
function lastTouchSql(engine: Engine, customerId: Expression<number>, createdAt: Expression<number>): RawBuilder<number> {
  const latest = [
    sql`(SELECT MAX(${sql.ref('o.orderedAt')}) FROM ${sql.table('Order')} o WHERE ${sql.ref('o.customerId')} = ${customerId})`,
    sql`(SELECT MAX(${sql.ref('i.at')}) FROM ${sql.table('Interaction')} i WHERE ${sql.ref('i.customerId')} = ${customerId} AND ${sql.ref('i.kind')} <> 'handover')`,
    sql`(SELECT MAX(${sql.ref('k.completedAt')}) FROM ${sql.table('Callback')} k WHERE ${sql.ref('k.customerId')} = ${customerId} AND ${sql.ref('k.status')} = 'done')`,
  ].map((value) => sql`COALESCE(${value}, 0)`);
  // The largest of several values: SQLite's MAX takes many arguments, PostgreSQL calls it GREATEST.
  const greatest = engine === 'postgres' ? sql`GREATEST(${sql.join(latest)})` : sql`MAX(${sql.join(latest)})`;
  return sql<number>`COALESCE(NULLIF(${greatest}, 0), ${createdAt})`;
}

/**
 * The cadence check-in key `dedupeKey.cadence` gives, in SQL: `cadence:<id>:<ISO instant>` of
 * `c.lastTouchAt`, exact to the millisecond on both engines (each has its own date formatting).
 */
function cadenceKeySql(engine: Engine): RawBuilder<string> {
  const instant =
    engine === 'postgres'
      ? sql`to_char(TIMESTAMP 'epoch' + ${sql.ref('c.lastTouchAt')} * INTERVAL '1 millisecond', ${sql.lit('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')})`
      : sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${sql.ref('c.lastTouchAt')} / 1000.0, 'unixepoch')`;
  return sql<string>`'cadence:' || ${sql.ref('c.id')} || ':' || ${instant}`;
}

/** The newest score's lifecycle; a customer not scored yet who never ordered is a prospect. */
const UNSCORED_PROSPECT_SQL = sql`COALESCE(${sql.ref('s.lifecycle')}, CASE WHEN EXISTS (SELECT 1 FROM ${sql.table('Order')} o WHERE ${sql.ref('o.customerId')} = ${sql.ref('c.id')}) THEN NULL ELSE 'prospect' END)`;

/** The lifecycle stages whose cadence is the stage's own, not the tier's (欢迎计划: new customers are kept close). */
const STAGE_OF_LIFECYCLE: Readonly<Record<string, CadenceStage>> = { new: 'new', prospect: 'prospect', won_back: 'won-back' };

/**
 * The check-in interval in milliseconds as a CASE over each team's cadence days per stage and
 * tier (literals from parsed settings, never user text); unscored customers get the least
 * frequent tier's interval.
 */
function intervalSql(teams: LoadedTeamSettings): RawBuilder<number> {
  const byTier = (settings: Pick<ScheduleSettings, 'cadenceDays' | 'stageCadenceDays'>) => {
    const stages = Object.entries(STAGE_OF_LIFECYCLE).map(
      ([lifecycle, stage]) => sql`WHEN ${UNSCORED_PROSPECT_SQL} = ${sql.lit(lifecycle)} THEN ${sql.lit(Math.round(settings.stageCadenceDays[stage] * DAY_MS))}`,
    );
    const tiers = TIERS.map((t) => sql`WHEN ${sql.lit(t)} THEN ${sql.lit(cadenceIntervalMs(t, settings.cadenceDays))}`);
    return sql`CASE ${sql.join(stages, sql` `)} ELSE CASE ${sql.ref('s.tier')} ${sql.join(tiers, sql` `)} ELSE ${sql.lit(cadenceIntervalMs(UNSCORED_TIER, settings.cadenceDays))} END END`;
  };
  const defaults = byTier(teams.of(null).schedule);
  if (teams.teamIds.length === 0) return sql<number>`${defaults}`;
  const branches = teams.teamIds.map((id) => sql`WHEN ${sql.lit(Number(id))} THEN ${byTier(teams.of(id).schedule)}`);
  return sql<number>`CASE ${sql.ref('r.teamId')} ${sql.join(branches, sql` `)} ELSE ${defaults} END`;
}
