import { DAY_MS } from '../domain/calendar.js';
import { cadenceIntervalMs, UNSCORED_TIER } from '../domain/schedule/cadence.js';
import { TIERS } from '../domain/tier.js';
import type { CadenceStage, ScheduleSettings } from '../domain/schedule/schedule-settings.js';
import type { Sqlite } from './sqlite.js';
import { loadTeamSettingsSync, type LoadedTeamSettings } from './team-settings.js';

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
 * touch + the interval of the customer's stage (new, prospect, won back) or else tier in the owner's team; null when none is left to
 * plan, i.e. the check-in for this touch was already created, or the customer has no owner).
 *
 * Why stored: the planner (every 15 minutes) reads only the customers whose check-in falls due (the
 * (ownerId, checkInDueAt) index) instead of recomputing a million last touches. So every writer of what
 * they derive from (orders, interactions, callback completions, tiers, owners, reps' teams,
 * team cadences) refreshes the customers it changed, in its own transaction.
 */
export function refreshCheckIns(sqlite: Sqlite, scope: CheckInScope, teams: LoadedTeamSettings = loadTeamSettingsSync(sqlite)): void {
  withScope(sqlite, scope, (target) => {
    refreshLastTouch(sqlite, target);
    refreshDue(sqlite, target, teams);
  });
}

/** After tiers were rescored: the last touches did not move, only the intervals may have. A sliced caller loads `teams` once for all slices. */
export function refreshCheckInsAfterRescoring(sqlite: Sqlite, scope: CheckInScope = 'all', teams: LoadedTeamSettings = loadTeamSettingsSync(sqlite)): void {
  withScope(sqlite, scope, (target) => refreshDue(sqlite, target, teams));
}

/** The planner created these customers' check-ins: nothing is left to plan until their next touch. */
export function markCheckInsPlanned(sqlite: Sqlite, customerIds: Iterable<number>): void {
  const clear = sqlite.prepare('UPDATE Customer SET checkInDueAt = NULL WHERE id = ? AND checkInDueAt IS NOT NULL');
  for (const id of customerIds) clear.run(id);
}

/** A WHERE condition on `Customer` alias `c` that selects the scope's customers. */
type Target = string;

const ID_TABLE = 'temp.check_in_ids';

function withScope(sqlite: Sqlite, scope: CheckInScope, work: (target: Target) => void): void {
  sqlite.transaction(() => {
    if (scope === 'all') return work('1 = 1');
    if ('teamId' in scope) return work(`c.ownerId IN (SELECT id FROM Rep WHERE teamId = ${Number(scope.teamId)})`);
    if ('idRange' in scope) return work(`c.id BETWEEN ${Number(scope.idRange[0])} AND ${Number(scope.idRange[1])}`);
    // Ids go through a keyed temp table: an import can touch a million customers.
    sqlite.exec(`CREATE TABLE IF NOT EXISTS ${ID_TABLE} (id INTEGER PRIMARY KEY)`);
    sqlite.exec(`DELETE FROM ${ID_TABLE}`);
    const add = sqlite.prepare(`INSERT OR IGNORE INTO ${ID_TABLE} (id) VALUES (?)`);
    const ids = 'customerIds' in scope ? scope.customerIds : scope.ownerIds;
    let any = false;
    for (const id of ids) {
      add.run(id);
      any = true;
    }
    if (any) work('customerIds' in scope ? `c.id IN (SELECT id FROM ${ID_TABLE})` : `c.ownerId IN (SELECT id FROM ${ID_TABLE})`);
    sqlite.exec(`DELETE FROM ${ID_TABLE}`);
  })();
}

/** The latest order, interaction or completed callback; the customer's creation when there is none. A handover note is no contact. */
const LAST_TOUCH_SQL = `COALESCE(NULLIF(MAX(
    COALESCE((SELECT MAX(o.orderedAt) FROM "Order" o WHERE o.customerId = c.id), 0),
    COALESCE((SELECT MAX(i.at) FROM Interaction i WHERE i.customerId = c.id AND i.kind <> 'handover'), 0),
    COALESCE((SELECT MAX(k.completedAt) FROM Callback k WHERE k.customerId = c.id AND k.status = 'done'), 0)), 0),
  c.createdAt)`;

function refreshLastTouch(sqlite: Sqlite, target: Target): void {
  // Only rows whose value moved are written: a rescan of a million customers rewrites few pages.
  // MATERIALIZED: otherwise SQLite inlines the subquery and works each last touch out twice.
  sqlite.exec(`WITH n AS MATERIALIZED (SELECT c.id, ${LAST_TOUCH_SQL} AS touch FROM Customer c WHERE ${target})
    UPDATE Customer AS u SET lastTouchAt = n.touch FROM n WHERE u.id = n.id AND u.lastTouchAt IS NOT n.touch`);
}

/**
 * The cadence check-in key `dedupeKey.cadence` gives, in SQL: `cadence:<id>:<ISO instant>`.
 * strftime's %f is seconds with milliseconds, exact for integer milliseconds.
 */
const CADENCE_KEY_SQL = (customer: string, touch: string) =>
  `'cadence:' || ${customer} || ':' || strftime('%Y-%m-%dT%H:%M:%fZ', ${touch} / 1000.0, 'unixepoch')`;

function refreshDue(sqlite: Sqlite, target: Target, teams: LoadedTeamSettings): void {
  const week = (sqlite.prepare('SELECT MAX(week) FROM ScoreSnapshot').pluck().get() as string | null) ?? '';
  sqlite
    .prepare(
      `WITH n AS MATERIALIZED (
         SELECT c.id, CASE
           WHEN c.lastTouchAt IS NULL OR r.id IS NULL THEN NULL
           WHEN EXISTS (SELECT 1 FROM Callback k WHERE k.dedupeKey = ${CADENCE_KEY_SQL('c.id', 'c.lastTouchAt')}) THEN NULL
           ELSE c.lastTouchAt + ${intervalSql(teams, 'r.teamId', 's.tier', UNSCORED_PROSPECT_SQL)}
         END AS due
         FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = @week
         WHERE ${target})
       UPDATE Customer AS u SET checkInDueAt = n.due FROM n WHERE u.id = n.id AND u.checkInDueAt IS NOT n.due`,
    )
    .run({ week });
}

/** The newest score's lifecycle; a customer not scored yet who never ordered is a prospect. */
const UNSCORED_PROSPECT_SQL = `COALESCE(s.lifecycle, CASE WHEN EXISTS (SELECT 1 FROM "Order" o WHERE o.customerId = c.id) THEN NULL ELSE 'prospect' END)`;

/** The lifecycle stages whose cadence is the stage's own, not the tier's (欢迎计划: new customers are kept close). */
const STAGE_OF_LIFECYCLE: Readonly<Record<string, CadenceStage>> = { new: 'new', prospect: 'prospect', won_back: 'won-back' };

/**
 * The check-in interval in milliseconds as a CASE over each team's cadence days per stage and
 * tier (literal integers from parsed settings, never user text); unscored customers get the
 * least frequent tier's interval.
 */
function intervalSql(teams: LoadedTeamSettings, teamColumn: string, tierExpression: string, lifecycleExpression: string): string {
  const byTier = (settings: Pick<ScheduleSettings, 'cadenceDays' | 'stageCadenceDays'>) =>
    `CASE ${Object.entries(STAGE_OF_LIFECYCLE).map(([lifecycle, stage]) => `WHEN ${lifecycleExpression} = '${lifecycle}' THEN ${Math.round(settings.stageCadenceDays[stage] * DAY_MS)}`).join(' ')} ` +
    `ELSE CASE ${tierExpression} ${TIERS.map((t) => `WHEN '${t}' THEN ${cadenceIntervalMs(t, settings.cadenceDays)}`).join(' ')} ` +
    `ELSE ${cadenceIntervalMs(UNSCORED_TIER, settings.cadenceDays)} END END`;
  const defaults = teams.of(null).schedule;
  if (teams.teamIds.length === 0) return byTier(defaults);
  const branches = teams.teamIds.map((id) => `WHEN ${Number(id)} THEN ${byTier(teams.of(id).schedule)}`);
  return `CASE ${teamColumn} ${branches.join(' ')} ELSE ${byTier(defaults)} END`;
}
