import { sql, type CompiledQuery, type Kysely, type SqlBool } from 'kysely';
import { LOW_RATING } from '../../domain/schedule/care.js';
import { safeZone } from '../../domain/schedule/local-time.js';
import type { CarePlanningStore, StageCandidate } from '../../scheduler/care-planning-store.js';
import type { BirthdayCustomer, CadenceCandidate, PlanningStore, ReorderCandidate } from '../../scheduler/planning-store.js';
import { plannedKey } from '../../scheduler/planning-store.js';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';
import type { Sqlite } from '../sqlite.js';
import type { StoreDatabase } from '../store-database.js';
import { teamSettingsOf, type LoadedTeamSettings, type TeamSettingsRow } from '../team-settings.js';
import { affectedRows, compiledOnce, compiledPerRowCount, perEngine, ROWS_PER_STATEMENT } from './compiled-queries.js';
import type { StoreHandle } from './store.js';

/** Every team's settings, parsed once for one run, on either engine. */
export async function readTeamSettings(db: StoreHandle): Promise<LoadedTeamSettings> {
  const rows: TeamSettingsRow[] = await db.kysely.selectFrom('Team').select(['id', 'name', 'settings']).orderBy('id').execute();
  return teamSettingsOf(rows);
}

/** The newest scoring week, as a subquery. */
const newestWeekOf = (kysely: Kysely<Schema>) => kysely.selectFrom('ScoreSnapshot').select((w) => w.fn.max('week').as('week'));

/** A JSON field of a text column holding JSON: each engine has its own way into it. */
function jsonField(engine: Engine, column: string, field: string) {
  return engine === 'postgres' ? sql<string | null>`(${sql.ref(column)}::jsonb ->> ${sql.lit(field)})` : sql<string | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${field}`)})`;
}

/**
 * Cadence candidates of several reps in one statement (a run asks for every rep's: one
 * statement each cost more in Kysely and the driver than in SQLite). Each rep's are a range of
 * the (ownerId, checkInDueAt) index cut at the rep's limit; the engines differ in how a statement
 * takes a list of reps and cuts each range:
 * - SQLite (no LATERAL, no LIMIT of an outer column): the reps of one limit as a JSON array, each
 *   rep's rows found by `id IN (SELECT … LIMIT n)`, one statement per distinct limit;
 * - PostgreSQL: the reps and their limits as arrays, each rep's rows a LATERAL subquery with its own LIMIT.
 */
const compiledCadenceReads = perEngine((kysely, engine): ((limits: readonly (readonly [number, number])[], dueBy: number) => CompiledQuery[]) => {
  // One rep's range: `ownerId` is the outer query's column of rep ids.
  const dueCheckIns = (ownerId: string, dueBy: never) =>
    kysely
      .selectFrom('Customer as d')
      .where('d.ownerId', '=', sql<number>`${sql.ref(ownerId)}`)
      .where('d.checkInDueAt', '<=', dueBy)
      .where('d.status', '!=', 'lost')
      .where((e) => e.not(e.exists(e.selectFrom('Callback as k').select(sql.lit(1).as('one')).whereRef('k.customerId', '=', 'd.id').where('k.status', '=', 'open'))))
      .orderBy('d.checkInDueAt')
      .orderBy('d.id');
  if (engine === 'postgres') {
    const read = compiledOnce(3, (ownerIds, limits, dueBy) =>
      kysely
        .selectFrom(sql<{ ownerId: number; lim: number }>`(SELECT unnest(${ownerIds}::bigint[]) AS ${sql.ref('ownerId')}, unnest(${limits}::bigint[]) AS ${sql.ref('lim')})`.as('w'))
        .innerJoinLateral(
          dueCheckIns('w.ownerId', dueBy)
            .select(['d.ownerId', 'd.id', 'd.externalId', 'd.lastTouchAt as lastTouch', 'd.checkInDueAt as dueAt'])
            .limit(sql<number>`${sql.ref('w.lim')}`)
            .as('c'),
          (join) => join.onTrue(),
        )
        .selectAll('c')
        .orderBy('c.ownerId')
        .orderBy('c.dueAt')
        .orderBy('c.id'),
    );
    return (limits, dueBy) => (limits.length === 0 ? [] : [read(limits.map(([id]) => id), limits.map(([, limit]) => limit), dueBy)]);
  }
  const read = compiledOnce(3, (ownerIds, dueBy, limit) =>
    kysely
      .selectFrom([sql<{ value: number }>`json_each(${ownerIds})`.as('w'), 'Customer as c'])
      .select(['c.ownerId', 'c.id', 'c.externalId', 'c.lastTouchAt as lastTouch', 'c.checkInDueAt as dueAt'])
      .where('c.id', 'in', dueCheckIns('w.value', dueBy).select('d.id').limit(limit))
      .orderBy('c.ownerId')
      .orderBy('c.checkInDueAt')
      .orderBy('c.id'),
  );
  return (limits, dueBy) => {
    const byLimit = new Map<number, number[]>();
    for (const [ownerId, limit] of limits) {
      const ownerIds = byLimit.get(limit);
      if (ownerIds) ownerIds.push(ownerId);
      else byLimit.set(limit, [ownerId]);
    }
    return [...byLimit].map(([limit, ownerIds]) => read(JSON.stringify(ownerIds), dueBy, limit));
  };
});

/** What the planner reads, on Kysely, the same on SQLite and PostgreSQL (test/db/stores/planning-store.engines.test.ts). */
export function createPlanningStore(db: StoreHandle): PlanningStore {
  const { kysely } = db;
  const newestWeek = newestWeekOf(kysely);
  const cadenceReads = compiledCadenceReads(db);
  return {
    care: createCarePlanningStore(db),

    async teams(teamId) {
      const rows = await kysely
        .selectFrom('Team')
        .select(['id', 'name', 'timeZone', 'locale'])
        .$if(teamId !== undefined, (q) => q.where('id', '=', teamId!))
        .orderBy('id')
        .execute();
      const settings = await readTeamSettings(db);
      const problems = settings.problems.filter((p) => teamId === undefined || p.teamId === teamId).map((p) => p.message);
      return {
        teams: rows.map((t) => ({ id: t.id, name: t.name, zone: safeZone(t.timeZone), locale: t.locale, settings: settings.of(t.id).schedule })),
        settingsProblems: problems,
      };
    },

    async reps(teamId) {
      const rows = await kysely
        .selectFrom('Rep as r')
        .leftJoin('Team as t', 't.id', 'r.teamId')
        .select((eb) => [
          'r.id',
          'r.name',
          'r.teamId',
          'r.role',
          eb.fn.coalesce('r.timeZone', 't.timeZone').as('zone'),
          'r.agendaHour',
          eb.exists(eb.selectFrom('Customer as c').select(sql.lit(1).as('one')).whereRef('c.ownerId', '=', 'r.id')).as('ownsCustomers'),
        ])
        .where('r.active', '=', true)
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('r.id')
        .execute();
      // A computed boolean comes back 0/1 on SQLite.
      return rows.map((r) => ({ ...r, zone: safeZone(r.zone), ownsCustomers: Boolean(r.ownsCustomers) }));
    },

    async birthdayCustomers(keys, teamId) {
      const result: BirthdayCustomer[] = [];
      for (const key of keys) {
        const rows = await kysely
          .selectFrom('Customer as c')
          .innerJoin('Rep as r', 'r.id', 'c.ownerId')
          .leftJoin('Team as t', 't.id', 'r.teamId')
          .select((eb) => ['c.id', 'c.externalId', eb.fn.coalesce('c.timeZone', 't.timeZone').as('zone'), 'c.ownerId', 'r.teamId'])
          .where('c.birthdayMonth', '=', key.month)
          .where('c.birthdayDay', '=', key.day)
          .where('c.greetingOptOut', '=', false)
          .where('r.active', '=', true)
          .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
          .orderBy('c.id')
          .execute();
        for (const row of rows) {
          result.push({ id: row.id, externalId: row.externalId, birthday: { month: key.month, day: key.day }, zone: safeZone(row.zone), ownerId: row.ownerId!, teamId: row.teamId });
        }
      }
      return result;
    },

    async plannedCheckIns(from, to) {
      // `status IN (…)` lets the (status, dueAt) index serve the range.
      const rows = await kysely
        .selectFrom('Callback')
        .select((eb) => ['ownerId', 'dueAt', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['open', 'done', 'cancelled'])
        .where('dueAt', '>=', from.getTime())
        .where('dueAt', '<=', to.getTime())
        .where('source', '=', 'cadence')
        .groupBy(['ownerId', 'dueAt'])
        .execute();
      return new Map(rows.map((r) => [plannedKey(r.ownerId, r.dueAt), Number(r.n)]));
    },

    async cadenceCandidates(limits, dueBy) {
      // Customer.checkInDueAt is kept by every writer (check-in-store.ts): per rep a range of the
      // (ownerId, checkInDueAt) index, read in due order and cut at the rep's free room.
      const rows: (CadenceCandidate & { ownerId: number })[] = [];
      for (const read of cadenceReads([...limits].filter(([, limit]) => limit > 0), dueBy.getTime())) rows.push(...(await kysely.executeQuery<(typeof rows)[number]>(read)).rows);
      const candidates = new Map<number, CadenceCandidate[]>();
      for (const { ownerId, ...candidate } of rows) {
        const list = candidates.get(ownerId);
        if (list) list.push(candidate);
        else candidates.set(ownerId, [candidate]);
      }
      return candidates;
    },

    openTimedCallbacks: (from, to, teamId) =>
      kysely
        .selectFrom('Callback as k')
        .innerJoin('Customer as c', 'c.id', 'k.customerId')
        .innerJoin('Rep as r', 'r.id', 'k.ownerId')
        .select(['k.id', 'k.customerId', 'c.externalId', 'k.ownerId', 'r.teamId', 'k.dueAt'])
        .where('k.status', '=', 'open')
        .where('k.timed', '=', true)
        .where('k.dueAt', '>=', from.getTime())
        .where('k.dueAt', '<=', to.getTime())
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('k.dueAt')
        .orderBy('k.id')
        .execute(),

    async winbackCandidates(teamId) {
      // Customers with an open plan, or whose score this (newest) week says at risk / lapsed:
      // both found through indexes, so a planning run does not visit every customer.
      const rows = await kysely
        .with('candidates', (k) =>
          k
            .selectFrom('ScoreSnapshot as s')
            .select('s.customerId as id')
            .where('s.week', '=', newestWeek)
            .where('s.lifecycle', 'in', ['at_risk', 'lapsed'])
            .union(k.selectFrom('WinbackEpisode').select('customerId as id').where('status', '=', 'open')),
        )
        .selectFrom('candidates as x')
        .innerJoin('Customer as c', 'c.id', 'x.id')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .leftJoin('ScoreSnapshot as l', (join) => join.onRef('l.customerId', '=', 'c.id').on('l.week', '=', newestWeek))
        .leftJoin('WinbackEpisode as o', (join) => join.onRef('o.customerId', '=', 'c.id').on('o.status', '=', 'open'))
        .leftJoin('WinbackEpisode as lc', (join) =>
          join
            .onRef('lc.customerId', '=', 'c.id')
            .on('lc.status', '!=', 'open')
            .on('lc.episode', '=', (eb) =>
              eb.selectFrom('WinbackEpisode as e').select((e) => e.fn.max('e.episode').as('episode')).whereRef('e.customerId', '=', 'c.id').where('e.status', '!=', 'open'),
            ),
        )
        .select((eb) => [
          'c.id as customerId',
          'c.externalId',
          'c.ownerId',
          'r.teamId',
          'l.lifecycle',
          'l.asOf',
          'l.tier',
          sql<number>`CAST(ROUND(COALESCE(${sql.ref('l.clv12Minor')}, ${sql.ref('l.lifetimeMinor')}, 0) * COALESCE(${sql.ref('l.churnRisk')}, 0)) AS BIGINT)`.as('atStakeMinor'),
          'o.episode as openEpisode',
          'o.startedAt',
          'o.deadline',
          eb
            .selectFrom('Order as ord')
            .select((e) => e.fn.min('ord.orderedAt').as('at'))
            .whereRef('ord.customerId', '=', 'c.id')
            .whereRef('ord.orderedAt', '>', 'o.startedAt')
            .as('firstOrderSinceStart'),
          'lc.episode as closedEpisode',
          'lc.closedAt',
        ])
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('c.id')
        .execute();
      return rows.map((r) => ({
        customerId: r.customerId,
        externalId: r.externalId,
        ownerId: r.ownerId!,
        teamId: r.teamId,
        tier: r.tier,
        atStakeMinor: r.atStakeMinor ?? 0,
        latestScore: r.lifecycle !== null && r.asOf !== null ? { lifecycle: r.lifecycle, asOf: r.asOf } : null,
        open: r.openEpisode !== null ? { episode: r.openEpisode, startedAt: r.startedAt!, deadline: r.deadline! } : null,
        lastClosed: r.closedEpisode !== null ? { episode: r.closedEpisode, closedAt: r.closedAt! } : null,
        firstOrderSinceStart: r.openEpisode !== null ? (r.firstOrderSinceStart ?? null) : null,
      }));
    },

    async reorderCandidates(dueBy, teamId) {
      // Customer.reorderDueAt is kept by the rescoring (reorder-store.ts) and cleared once planned: an index range.
      const rows = await kysely
        .selectFrom('Customer as c')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .innerJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek))
        .select(['c.id as customerId', 'c.externalId', 'c.ownerId', 'c.reorderDueAt as dueAt', 's.lastOrderAt as cycle'])
        .where('c.reorderDueAt', '<=', dueBy.getTime())
        .where('r.active', '=', true)
        .where('s.lastOrderAt', 'is not', null)
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('c.reorderDueAt')
        .orderBy('c.id')
        .execute();
      return rows as ReorderCandidate[];
    },
  };
}

/** The care reads (complaints, ratings, stage callbacks, holidays) of the planner. */
function createCarePlanningStore(db: StoreHandle): CarePlanningStore {
  const { kysely } = db;
  const newestWeek = newestWeekOf(kysely);
  const tickets = (column: 'openedAt' | 'deadline', from: Date, to: Date, teamId: number | undefined) =>
    kysely
      .selectFrom('Ticket as k')
      .innerJoin('Customer as c', 'c.id', 'k.customerId')
      .leftJoin('Rep as r', 'r.id', 'k.ownerId')
      .select(['k.id', 'k.customerId', 'c.externalId', 'k.ownerId', 'r.teamId', 'k.openedAt', 'k.deadline'])
      .where('k.status', '=', 'open')
      .where(`k.${column}`, '>=', from.getTime())
      .where(`k.${column}`, '<=', to.getTime())
      .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
      .orderBy('k.id')
      .execute();
  return {
    ticketsToNudge: async (from, to, teamId) => ({ opened: await tickets('openedAt', from, to, teamId), due: await tickets('deadline', from, to, teamId) }),

    async recentInteractions(since, until, teamId) {
      const rows = await kysely
        .selectFrom('Interaction as i')
        .innerJoin('Customer as c', 'c.id', 'i.customerId')
        .leftJoin('Rep as r', 'r.id', 'c.ownerId')
        .select((eb) => [
          'i.id',
          'i.customerId',
          'c.externalId',
          'i.repId',
          'i.kind',
          'i.at',
          'i.text',
          'i.satisfaction',
          'c.ownerId',
          'r.teamId',
          eb.exists(eb.selectFrom('Ticket as k').select(sql.lit(1).as('one')).whereRef('k.interactionId', '=', 'i.id')).as('hasTicket'),
          // ratingFollowUpKey (db/care-writes.ts) in SQL
          eb.exists(eb.selectFrom('Callback as b').select(sql.lit(1).as('one')).where('b.dedupeKey', '=', sql<string>`'rating:' || ${sql.ref('i.id')}`)).as('hasFollowUp'),
        ])
        .where('i.at', '>=', since.getTime())
        .where('i.at', '<=', until.getTime())
        .where((eb) => eb.or([eb('i.kind', '=', 'complaint'), eb('i.satisfaction', '<=', LOW_RATING)]))
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('i.id')
        .execute();
      // Computed booleans come back 0/1 on SQLite.
      return rows.map((r) => ({ ...r, hasTicket: Boolean(r.hasTicket), hasFollowUp: Boolean(r.hasFollowUp) }));
    },

    async escalationTargets() {
      const rows = await kysely.selectFrom('Rep').select(['id', 'teamId', 'role']).where('active', '=', true).where('role', 'in', ['manager', 'admin']).orderBy('id').execute();
      const managers = rows.filter((r) => r.role === 'manager');
      const admins = rows.filter((r) => r.role === 'admin').map((r) => r.id);
      return (teamId) => {
        const found = managers.filter((m) => teamId !== null && m.teamId === teamId).map((m) => m.id);
        return found.length > 0 ? found : admins;
      };
    },

    async firstPurchases(from, to, teamId) {
      const rows = await kysely
        .selectFrom('Order as o')
        .innerJoin('Customer as c', 'c.id', 'o.customerId')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .select((eb) => ['o.customerId', 'c.externalId', 'c.ownerId', eb.fn.min('o.orderedAt').as('at')])
        .where('o.orderedAt', '>=', from.getTime())
        .where('o.orderedAt', '<=', to.getTime())
        .where('o.amountMinor', '>', 0)
        .where('r.active', '=', true)
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('Order as p').select(sql.lit(1).as('one')).whereRef('p.customerId', '=', 'o.customerId').where('p.amountMinor', '>', 0).where('p.orderedAt', '<', from.getTime()))),
        )
        .where((eb) => eb.not(eb.exists(eb.selectFrom('Callback as k').select(sql.lit(1).as('one')).where('k.dedupeKey', '=', sql<string>`'welcome:' || ${sql.ref('o.customerId')}`))))
        .groupBy(['o.customerId', 'c.externalId', 'c.ownerId'])
        .orderBy('o.customerId')
        .execute();
      return rows as StageCandidate[];
    },

    async secondOrderDue(now, teamId) {
      const rows = await kysely
        .selectFrom('ScoreSnapshot as s')
        .innerJoin('Customer as c', 'c.id', 's.customerId')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .select(['c.id as customerId', 'c.externalId', 'c.ownerId', 's.lastOrderAt as at', jsonField(db.engine, 's.churnReason', 'typicalIntervalDays').as('interval')])
        .where('s.week', '=', newestWeek)
        .where('s.lifecycle', '=', 'new')
        .where('c.status', '<>', 'lost')
        .where('r.active', '=', true)
        .where(sql<SqlBool>`${jsonField(db.engine, 's.churnReason', 'code')} = 'single_purchase'`)
        .where('s.lastOrderAt', 'is not', null)
        .$if(teamId !== undefined, (q) => q.where('r.teamId', '=', teamId!))
        .orderBy('c.id')
        .execute();
      // ->> gives text on PostgreSQL, json_extract a number on SQLite.
      return rows
        .map((r) => ({ customerId: r.customerId, externalId: r.externalId, ownerId: r.ownerId!, at: r.at!, interval: r.interval === null ? null : Number(r.interval) }))
        .filter((c) => c.interval !== null && c.at + c.interval * 86_400_000 <= now.getTime())
        .map(({ interval: _interval, ...candidate }) => candidate);
    },

    async plansOpenedSince(since) {
      const rows = await kysely
        .selectFrom('WinbackEpisode as e')
        .innerJoin('Customer as c', 'c.id', 'e.customerId')
        .select((eb) => ['c.ownerId', eb.fn.countAll<number>().as('n')])
        .where('e.startedAt', '>=', since.getTime())
        .groupBy('c.ownerId')
        .execute();
      return new Map(rows.map((r) => [r.ownerId!, Number(r.n)]));
    },

    holidayCustomers: (ownerId) =>
      kysely.selectFrom('Customer').select(['id', 'externalId']).where('ownerId', '=', ownerId).where('greetingOptOut', '=', false).orderBy('id').execute(),

    async plannedHolidays(repId, dueAt) {
      const row = await kysely
        .selectFrom('Nudge')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', 'holiday')
        .where('targetId', '=', repId)
        .where('dueAt', '=', dueAt.getTime())
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

/** A callback the planner creates, untimed, on its owner's agenda; keyed, so planning twice creates one. */
export interface PlannedCallbackRow {
  customerId: number;
  ownerId: number;
  dueAt: number;
  source: 'cadence' | 'welcome' | 'second-order';
  dedupeKey: string;
}

const LAST_PLANNED_KEY = 'scheduler.lastPlannedAt';

/**
 * Callbacks per INSERT. SQLite: one. A statement that writes several rows into a table with
 * foreign keys runs under a statement journal (SQLite must be able to undo the rows before one
 * that fails), which copies each page before the statement first changes it; the planner's
 * callbacks land all over the Callback indexes, so that is most pages it touches: 50-row inserts
 * took 1.5 times the CPU of single-row ones. PostgreSQL: a round trip per row would cost more.
 */
const CALLBACKS_PER_INSERT = { sqlite: 1, postgres: ROWS_PER_STATEMENT } as const;

/** The plan's inserts, compiled once per row count (applying a plan writes thousands in batches of 50). */
const compiledWrites = perEngine((kysely, engine) => ({
  insertCallbacks: compiledPerRowCount<NewCallback>(
    ['customerId', 'ownerId', 'dueAt', 'source', 'dedupeKey', 'createdAt'],
    (rows) =>
      kysely
        .insertInto('Callback')
        // Constants in the text, not bound: bulkCallbackInserter binds through better-sqlite3, which takes no booleans.
        .values(rows.map((c) => ({ customerId: c.customerId, ownerId: c.ownerId, dueAt: c.dueAt, source: c.source, dedupeKey: c.dedupeKey, timed: sql.lit(false), note: sql.lit(''), status: sql.lit('open'), createdAt: c.createdAt })))
        .onConflict((oc) => oc.column('dedupeKey').doNothing()),
    CALLBACKS_PER_INSERT[engine],
  ),
  openEpisodes: compiledPerRowCount<OpenedEpisode>(['customerId', 'episode', 'startedAt', 'deadline'], (rows) =>
    kysely
      .insertInto('WinbackEpisode')
      .values(rows.map((e) => ({ customerId: e.customerId, episode: e.episode, startedAt: e.startedAt, deadline: e.deadline, status: 'open' })))
      .onConflict((oc) => oc.columns(['customerId', 'episode']).doNothing()),
  ),
}));

type NewCallback = PlannedCallbackRow & { createdAt: number };
type Statement = ReturnType<Sqlite['prepare']>;

const withCreatedAt = (callbacks: readonly PlannedCallbackRow[], now: Date): NewCallback[] => callbacks.map((c) => ({ ...c, createdAt: now.getTime() }));

/**
 * Inserts callbacks by dedupe key inside a write slice (`trx`); how many were new: the bulk path
 * of applying a plan (a backlog of check-ins is tens of thousands). The statements of
 * insertCallbacks below, run on SQLite on the raw handle under `trx`'s Kysely (the same
 * connection, inside the slice's transaction): Kysely's executor cost a single-row insert almost
 * as much again as SQLite's own work (60k inserts 0.9 s of CPU through it, 0.5 s without).
 */
export function bulkCallbackInserter(db: StoreDatabase): (trx: StoreHandle, callbacks: readonly PlannedCallbackRow[], now: Date) => Promise<number> {
  if (db.engine === 'postgres') return async (trx, callbacks, now) => createPlanWrites(trx).insertCallbacks(callbacks, now);
  const { sqlite } = db;
  const compiled = compiledWrites(db);
  const prepared = new Map<string, Statement>();
  return async (_trx, callbacks, now) => {
    let inserted = 0;
    for (const insert of compiled.insertCallbacks(withCreatedAt(callbacks, now))) {
      let statement = prepared.get(insert.sql);
      if (!statement) prepared.set(insert.sql, (statement = sqlite.prepare(insert.sql)));
      inserted += statement.run(insert.parameters).changes;
    }
    return inserted;
  };
}

/** A win-back episode the planner opens. */
interface OpenedEpisode {
  customerId: number;
  episode: number;
  startedAt: number;
  deadline: number;
}

/**
 * What applying a plan writes besides nudges, on either engine. Every write is keyed or guarded
 * by status, so applying a plan twice, or again after a crash between two slices, changes nothing more.
 */
export function createPlanWrites(db: StoreHandle) {
  const { kysely } = db;
  const compiled = compiledWrites(db);
  return {
    /** Inserts callbacks by dedupe key; how many were new. */
    async insertCallbacks(callbacks: readonly PlannedCallbackRow[], now: Date): Promise<number> {
      if (callbacks.length === 0) return 0;
      return affectedRows(kysely, compiled.insertCallbacks(withCreatedAt(callbacks, now)));
    },

    /** Opens win-back episodes by (customer, episode); how many were new. */
    async openEpisodes(episodes: readonly OpenedEpisode[]): Promise<number> {
      if (episodes.length === 0) return 0;
      return affectedRows(kysely, compiled.openEpisodes(episodes));
    },

    /** Closes an open episode as won or lost and marks the customer so; false when it was no longer open. */
    async closeEpisode(change: { kind: 'won' | 'lost'; customerId: number; episode: number; at: number }, now: Date): Promise<boolean> {
      const closed = await kysely
        .updateTable('WinbackEpisode')
        .set({ status: change.kind, closedAt: now.getTime() })
        .where('customerId', '=', change.customerId)
        .where('episode', '=', change.episode)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (closed.numUpdatedRows !== 1n) return false;
      await kysely
        .updateTable('Customer')
        .set({ status: change.kind === 'won' ? 'won_back' : 'lost', statusChangedAt: change.at, updatedAt: now.getTime() })
        .where('id', '=', change.customerId)
        .execute();
      return true;
    },

    async rememberPlannedAt(now: Date): Promise<void> {
      await kysely
        .insertInto('AppState')
        .values({ key: LAST_PLANNED_KEY, value: String(now.getTime()) })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    },
  };
}

/** When the last full planning run was (null before the first). */
export async function readLastPlannedAt(db: StoreHandle): Promise<Date | null> {
  const row = await db.kysely.selectFrom('AppState').select('value').where('key', '=', LAST_PLANNED_KEY).executeTakeFirst();
  return row ? new Date(Number(row.value)) : null;
}
