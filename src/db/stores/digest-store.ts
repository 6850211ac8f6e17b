import { sql, type RawBuilder } from 'kysely';
import { DAY_MS } from '../../domain/calendar.js';
import type { LoadedTeamSettings } from '../team-settings.js';
import type { StoreHandle } from './store.js';

/** Whose rows a digest reads: one team's reps and their customers, or everyone's (`null`). */
export type DigestTeam = number | null;

/** One customer of the digest week whose snapshot matters to the digest: at risk or lapsed, or moved tier since the previous week. */
export interface WeekChangeRow {
  id: number;
  name: string;
  ownerId: number | null;
  lifecycle: string;
  tier: string;
  prevLifecycle: string | null;
  prevTier: string | null;
  valueMinor: number;
}

export interface ClosedPlanRow {
  id: number;
  name: string;
  ownerId: number | null;
  status: 'won' | 'lost' | 'given_up';
}

/** Counts per rep id. */
export type PerRep = Map<number, number>;

/** The week's care activity per rep id (care-digest.ts). */
export interface CareCounts {
  /** Book size by tier (unscored under '-'). */
  books: Map<number, Record<string, number>>;
  callbacksDone: PerRep;
  callbacksOverdue: PerRep;
  checkInsDue: PerRep;
  checkInsKept: PerRep;
  complaintsOpened: PerRep;
  complaintsResolved: PerRep;
  complaintsBreached: PerRep;
  /** Average rating of the week on the rep's customers. */
  satisfaction: PerRep;
}

/** The first few names of a set of customers, and how many there are. */
export interface NamedCount {
  count: number;
  names: string[];
}

/** What the weekly digest (weekly-digest.ts) and its care part (care-digest.ts) read, on either engine. */
export interface DigestStore {
  /** The newest snapshot week up to `upTo`, and the one before it. */
  snapshotWeeks(upTo: string): Promise<{ week: string | null; previousWeek: string | null }>;
  repNames(team: DigestTeam): Promise<Map<number, string>>;
  /** The week's at-risk and lapsed customers and those that moved tier since `previousWeek`, the most valuable first. */
  weekChanges(team: DigestTeam, week: string, previousWeek: string | null): Promise<WeekChangeRow[]>;
  /** Win-back plans closed in (from, to], in closing order. */
  closedPlans(team: DigestTeam, from: number, to: number): Promise<ClosedPlanRow[]>;
  /** At-risk and lapsed counts of the last `weeks` snapshot weeks up to `week`, oldest first. */
  history(team: DigestTeam, week: string, weeks: number): Promise<{ week: string; atRisk: number; lapsed: number }[]>;
  /** The reps a care digest lists (admins never), by name. */
  careReps(team: DigestTeam): Promise<{ id: number; name: string; active: boolean }[]>;
  careCounts(team: DigestTeam, from: number, to: number): Promise<CareCounts>;
  /** Customers whose owner is inactive or (all teams only) missing. */
  orphaned(team: DigestTeam, shown: number): Promise<NamedCount>;
  /** A/B customers not lost whose check-in is overdue by more than one interval of their team's cadence at `now`. */
  neglected(team: DigestTeam, now: number, teams: LoadedTeamSettings, shown: number): Promise<NamedCount>;
  /** Lost and given-up plans closed in (from, to] by reason ('awaiting': none picked yet). */
  lostReasons(team: DigestTeam, from: number, to: number): Promise<{ reason: string; n: number }[]>;
}

export function createDigestStore(db: StoreHandle): DigestStore {
  const { kysely } = db;
  // Per-rep counts read the team's reps' rows only (through the ownerId indexes), never the whole table.
  const ownedBy = (team: number) => kysely.selectFrom('Rep').select('id').where('teamId', '=', team);
  const latestWeek = kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'));
  const perRep = (rows: { id: number | null; n: number | string | null }[]): PerRep => new Map(rows.map((row) => [row.id!, Number(row.n)]));

  /**
   * The scored customers of a week with their owner (`r`, none for the unowned outside a team):
   * read from the team's reps outward where that is the shorter way (SQLite only, see teamFirst).
   */
  async function scored(team: DigestTeam) {
    const fromSnapshots = kysely.selectFrom('ScoreSnapshot as s').innerJoin('Customer as c', 'c.id', 's.customerId').leftJoin('Rep as r', 'r.id', 'c.ownerId');
    if (team === null || !(await teamFirst(team))) return fromSnapshots;
    // CROSS JOIN fixes SQLite's join order; the owner is never missing here, so the type above (a nullable owner) holds.
    return kysely
      .selectFrom('Rep as r')
      .crossJoin('Customer as c')
      .crossJoin('ScoreSnapshot as s')
      .whereRef('c.ownerId', '=', 'r.id')
      .whereRef('s.customerId', '=', 'c.id') as unknown as typeof fromSnapshots;
  }

  /**
   * Whether a team's customers are best read from its reps outward, on SQLite, which has no
   * statistics to choose a join order by: yes unless the team holds most customers, when the
   * week's snapshots, read in index order, are the shorter way (measured on 100k in one team:
   * 2–3 times faster; a tenth of the customers in the team: the team's way is, and it grows with
   * the team alone). PostgreSQL's planner chooses by its statistics.
   */
  async function teamFirst(team: number): Promise<boolean> {
    if (db.engine === 'postgres') return false;
    const count = (where?: number) =>
      kysely
        .selectFrom('Customer')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .$if(where !== undefined, (q) => q.where('ownerId', 'in', ownedBy(where!)))
        .executeTakeFirstOrThrow();
    const [inTeam, everyone] = [await count(team), await count()];
    return inTeam.n * 2 < everyone.n;
  }

  /** Win-back plans (`e`) of the team's customers (`c`, owner `r`) closed in (from, to] with one of `statuses`. */
  const plansClosed = (team: DigestTeam, from: number, to: number, statuses: readonly string[]) =>
    kysely
      .selectFrom('WinbackEpisode as e')
      .innerJoin('Customer as c', 'c.id', 'e.customerId')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .where('e.status', 'in', statuses)
      .where('e.closedAt', '>', from)
      .where('e.closedAt', '<=', to)
      .$if(team !== null, (q) => q.where('r.teamId', '=', team!));

  /** The first names and the count of all (a window over the match): one pass, and a big book never reaches JavaScript row by row. */
  function namedCount(rows: { name: string; total: number }[]): NamedCount {
    return { count: Number(rows[0]?.total ?? 0), names: rows.map((row) => row.name) };
  }

  return {
    async snapshotWeeks(upTo) {
      const newest = (cmp: '<=' | '<', than: string) =>
        kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week')).where('week', cmp, than).executeTakeFirst();
      const week = (await newest('<=', upTo))?.week ?? null;
      const previousWeek = week === null ? null : ((await newest('<', week))?.week ?? null);
      return { week, previousWeek };
    },

    async repNames(team) {
      const rows = await kysely.selectFrom('Rep').select(['id', 'name']).$if(team !== null, (q) => q.where('teamId', '=', team!)).execute();
      return new Map(rows.map((r) => [r.id, r.name]));
    },

    async weekChanges(team, week, previousWeek) {
      const from = await scored(team);
      return from
        // Without a previous week nothing has moved: the join finds no row.
        .leftJoin('ScoreSnapshot as prev', (join) => join.onRef('prev.customerId', '=', 's.customerId').on('prev.week', '=', previousWeek ?? ''))
        .select((eb) => [
          'c.id', 'c.name', 'c.ownerId', 's.lifecycle', 's.tier', 'prev.lifecycle as prevLifecycle', 'prev.tier as prevTier',
          eb.fn.coalesce('s.clv12Minor', 's.monetaryMinor').as('valueMinor'),
        ])
        .where('s.week', '=', week)
        .$if(team !== null, (q) => q.where('r.teamId', '=', team!))
        // The other customers count for nothing in the digest: filtered here, they never reach JavaScript.
        .where((eb) => eb.or([eb('s.lifecycle', 'in', ['at_risk', 'lapsed']), eb('prev.tier', '<>', eb.ref('s.tier'))]))
        .orderBy('valueMinor', 'desc')
        .orderBy('c.id')
        .execute();
    },

    async closedPlans(team, from, to) {
      const rows = await plansClosed(team, from, to, ['won', 'lost', 'given_up'])
        .select(['c.id', 'c.name', 'c.ownerId', 'e.status'])
        .orderBy('e.closedAt')
        .orderBy('c.id')
        .execute();
      return rows as ClosedPlanRow[];
    },

    async history(team, week, weeks) {
      const rows = await kysely
        .selectFrom('ScoreSnapshot as s')
        .innerJoin('Customer as c', 'c.id', 's.customerId')
        .leftJoin('Rep as r', 'r.id', 'c.ownerId')
        .select((eb) => [
          's.week',
          eb.fn.countAll<number>().filterWhere('s.lifecycle', '=', 'at_risk').as('atRisk'),
          eb.fn.countAll<number>().filterWhere('s.lifecycle', '=', 'lapsed').as('lapsed'),
        ])
        .where('s.week', '<=', week)
        .$if(team !== null, (q) => q.where('r.teamId', '=', team!))
        .groupBy('s.week')
        .orderBy('s.week', 'desc')
        .limit(weeks)
        .execute();
      return rows.reverse();
    },

    async careReps(team) {
      return kysely
        .selectFrom('Rep as r')
        .select(['r.id', 'r.name', 'r.active'])
        .where('r.role', '<>', 'admin')
        .$if(team !== null, (q) => q.where('r.teamId', '=', team!))
        .orderBy('r.name')
        .orderBy('r.id')
        .execute();
    },

    async careCounts(team, from, to) {
      const callbacks = () =>
        kysely
          .selectFrom('Callback')
          .select((eb) => ['ownerId as id', eb.fn.countAll<number>().as('n')])
          .$if(team !== null, (q) => q.where('ownerId', 'in', ownedBy(team!)))
          .groupBy('ownerId');
      const tickets = () => kysely
        .selectFrom('Ticket')
        .select((eb) => ['ownerId as id', eb.fn.countAll<number>().as('n')])
        .$if(team !== null, (q) => q.where('ownerId', 'in', ownedBy(team!)))
        .groupBy('ownerId');
      const bookRows = await kysely
        .selectFrom('Customer as c')
        .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', latestWeek))
        .select((eb) => ['c.ownerId as id', eb.fn.coalesce('s.tier', eb.val('-')).as('tier'), eb.fn.countAll<number>().as('n')])
        .where('c.ownerId', 'is not', null)
        .$if(team !== null, (q) => q.where('c.ownerId', 'in', ownedBy(team!)))
        // By the column, not the expression: PostgreSQL matches a GROUP BY expression to the select's only when their parameters are the same.
        .groupBy(['c.ownerId', 's.tier'])
        .execute();
      const books = new Map<number, Record<string, number>>();
      for (const row of bookRows) books.set(row.id!, { ...books.get(row.id!), [row.tier]: Number(row.n) });
      const callbacksDone = perRep(await callbacks().where('status', '=', 'done').where('completedAt', '>', from).where('completedAt', '<=', to).execute());
      // An untimed callback is overdue once its day has passed (a day of slack), a timed one once its minute has.
      const callbacksOverdue = perRep(
        await callbacks()
          .where('status', '=', 'open')
          .where((eb) => eb.or([eb.and([eb('timed', '=', true), eb('dueAt', '<', to)]), eb.and([eb('timed', '=', false), eb('dueAt', '<', to - DAY_MS)])]))
          .execute(),
      );
      const cadence = () => callbacks().where('source', '=', 'cadence').where('dueAt', '>', from).where('dueAt', '<=', to);
      const checkInsDue = perRep(await cadence().execute());
      const checkInsKept = perRep(await cadence().where('status', '=', 'done').execute());
      const complaintsOpened = perRep(await tickets().where('openedAt', '>', from).where('openedAt', '<=', to).execute());
      const complaintsResolved = perRep(await tickets().where('resolvedAt', '>', from).where('resolvedAt', '<=', to).execute());
      const complaintsBreached = perRep(
        await tickets()
          .where('deadline', '>', from)
          .where('deadline', '<=', to)
          .where((eb) => eb.or([eb('status', '=', 'open'), eb('resolvedAt', '>', eb.ref('deadline'))]))
          .execute(),
      );
      const ratings = await kysely
        .selectFrom('Interaction as i')
        .innerJoin('Customer as c', 'c.id', 'i.customerId')
        // AVG of an integer column is numeric on PostgreSQL (our pool reads it as a number), a double on SQLite.
        .select((eb) => ['c.ownerId as id', eb.fn.avg<number>('i.satisfaction').as('n')])
        .where('i.satisfaction', 'is not', null)
        .where('i.at', '>', from)
        .where('i.at', '<=', to)
        .$if(team !== null, (q) => q.where('c.ownerId', 'in', ownedBy(team!)))
        .groupBy('c.ownerId')
        .execute();
      return {
        books, callbacksDone, callbacksOverdue, checkInsDue, checkInsKept, complaintsOpened, complaintsResolved, complaintsBreached,
        satisfaction: perRep(ratings),
      };
    },

    async orphaned(team, shown) {
      const rows = await kysely
        .selectFrom('Customer as c')
        .$if(team === null, (q) => q.leftJoin('Rep as r', 'r.id', 'c.ownerId').where((eb) => eb.or([eb('r.id', 'is', null), eb('r.active', '=', false)])))
        // A team's digest sees its inactive reps' customers; customers with no owner at all belong to no team: the all-teams digest shows them.
        .$if(team !== null, (q) => q.innerJoin('Rep as r', 'r.id', 'c.ownerId').where('r.active', '=', false).where('r.teamId', '=', team!))
        .select((eb) => ['c.name', eb.fn.countAll<number>().over().as('total')])
        .orderBy('c.name')
        .orderBy('c.id')
        .limit(shown)
        .execute();
      return namedCount(rows);
    },

    async neglected(team, now, teams, shown) {
      const from = await scored(team);
      const rows = await from
        .select((eb) => ['c.name', eb.fn.countAll<number>().over().as('total')])
        .where('s.week', '=', latestWeek)
        .where('s.tier', 'in', ['A', 'B'])
        .where('c.status', '<>', 'lost')
        // Owned customers only: the cadence is the owner's team's.
        .where('r.id', 'is not', null)
        .$if(team !== null, (q) => q.where('r.teamId', '=', team!))
        .where((eb) => eb(eb('c.lastTouchAt', '+', twoIntervalsMs(teams)), '<', now))
        .orderBy('c.lastTouchAt')
        .orderBy('c.id')
        .limit(shown)
        .execute();
      return namedCount(rows);
    },

    async lostReasons(team, from, to) {
      const rows = await plansClosed(team, from, to, ['lost', 'given_up'])
        .select((eb) => [eb.fn.coalesce('e.reason', eb.val('awaiting')).as('reason'), eb.fn.countAll<number>().as('n')])
        .groupBy('e.reason')
        .execute();
      return rows.map((row) => ({ reason: row.reason, n: Number(row.n) }));
    },
  };
}

/**
 * Twice each A/B customer's check-in interval in ms, by its owner's team (`r`) and tier (`s`):
 * parsed settings as literal integers (a bound parameter in a CASE has no type on PostgreSQL;
 * doubled here, so PostgreSQL never multiplies 32-bit literals past their range).
 */
function twoIntervalsMs(teams: LoadedTeamSettings): RawBuilder<number> {
  const byTier = (teamId: number | null) => {
    const days = teams.of(teamId).schedule.cadenceDays;
    return sql<number>`CASE ${sql.ref('s.tier')} WHEN 'A' THEN ${sql.lit(2 * days.A * DAY_MS)} ELSE ${sql.lit(2 * days.B * DAY_MS)} END`;
  };
  // SQL's CASE needs a WHEN: with no team yet (the first day) every customer has the defaults.
  if (teams.teamIds.length === 0) return sql<number>`(${byTier(null)})`;
  const whens = teams.teamIds.map((id) => sql`WHEN ${sql.lit(Number(id))} THEN ${byTier(id)}`);
  return sql<number>`(CASE ${sql.ref('r.teamId')} ${sql.join(whens, sql` `)} ELSE ${byTier(null)} END)`;
}
