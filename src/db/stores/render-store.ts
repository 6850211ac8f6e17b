import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { REFERRAL_RATING } from '../../domain/schedule/care.js';
import { atStakeMinor } from '../care-book.js';
import { tableAs } from '../customer-segments.js';
import type { Schema } from '../schema.js';
import { compiledQuery } from './compiled-queries.js';
import type { StoreHandle } from './store.js';

/** A rep as a nudge's reader: the team's language and zone where the rep has none. */
export interface RepReaderRow {
  id: number;
  name: string;
  slackUserId: string | null;
  discordUserId: string | null;
  locale: string | null;
  zone: string | null;
  teamId: number | null;
  teamName: string | null;
  agendaHour: number;
  active: boolean;
  preferred: string | null;
}

export interface TeamReaderRow {
  id: number;
  name: string;
  slackChannelId: string | null;
  discordChannelId: string | null;
  locale: string;
  zone: string;
}

export interface CustomerInfo {
  id: number;
  externalId: string;
  name: string;
  birthdayYear: number | null;
  greetingOptOut: boolean;
  ownerName: string | null;
  /** The tier of the customer's newest score. */
  tier: string | null;
}

export interface AgendaCallback {
  id: number;
  dueAt: number;
  timed: boolean;
  source: string;
  note: string;
  customerId: number;
  externalId: string;
  name: string;
  tier: string | null;
}

export interface AgendaWinback {
  id: number;
  externalId: string;
  name: string;
  deadline: number;
  tier: string | null;
  atStakeMinor: number;
  crossSell: string | null;
  crossSellFrom: string | null;
}

export interface AgendaAtRisk {
  id: number;
  externalId: string;
  name: string;
  churnRisk: number | null;
}

/** A `reorder` nudge with its customer and newest score, as the reminder's line is drawn from it. */
export interface ReorderRow {
  nudgeId: number;
  id: number;
  externalId: string;
  name: string;
  ownerId: number | null;
  targetId: number;
  /** The nudge's JSON payload (its `cycle`: the day of the purchase that started the cycle). */
  payload: string;
  /** The newest score's JSON reason (its `typicalIntervalDays`), null without a score. */
  churnReason: string | null;
  crossSell: string | null;
  crossSellFrom: string | null;
  /** The customer's latest purchase (a positive amount), null when none. */
  lastBoughtAt: number | null;
}

/** A holiday greeting nudge with its customer, for the agenda's greeting lists. */
export interface GreetingRow {
  id: number;
  payload: string;
  customerId: number;
  externalId: string;
  name: string;
  tier: string | null;
}

export interface TicketRow {
  id: number;
  status: string;
  text: string;
  deadline: number;
  openedAt: number;
  customerId: number;
  externalId: string;
  name: string;
  ownerName: string | null;
}

type Row<T> = Promise<T | undefined>;
const first = async <T>(rows: Promise<T[]>): Row<T> => (await rows)[0];

/** The newest scoring week, as a subquery. */
const newestWeekOf = (kysely: Kysely<Schema>) => kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'));

/** The tier of the newest score of the customer aliased `c`, as a correlated subquery. */
const tierOf = (eb: ExpressionBuilder<Schema & { c: Schema['Customer'] }, 'c'>) =>
  eb.selectFrom('ScoreSnapshot as ts').select('ts.tier').whereRef('ts.customerId', '=', 'c.id').orderBy('ts.week', 'desc').limit(1);

/**
 * The reads behind every nudge message (nudge-data.ts, care-renderer.ts, reorder-agenda.ts), on
 * Kysely, the same on SQLite and PostgreSQL (test/db/stores/render-store.engines.test.ts). A
 * message is drawn from the database when it is sent, several reads each: the queries run per
 * message are compiled once (compiledQuery). Lists order by a unique key last, so ties come out
 * the same on both engines.
 */
export function createRenderStore(db: StoreHandle) {
  const { kysely, engine } = db;
  const newestWeek = newestWeekOf(kysely);
  // The bot never runs ANALYZE, so SQLite's planner guesses: a rep's lists start from the rep's
  // own customers or nudges, not from every open plan or at-risk score of the week (tens of ms a
  // list at 100k customers). The CROSS JOINs keep SQLite's join order; PostgreSQL plans from its statistics.
  const ownCustomers = () => tableAs(engine, 'Customer', 'c', 'Customer_ownerId_checkInDueAt_idx');
  const nudges = (index?: 'Nudge_kind_targetId_dueAt_idx') => tableAs(engine, 'Nudge', 'n', index);

  const rep = compiledQuery(kysely, (id: number) =>
    kysely
      .selectFrom('Rep as r')
      .leftJoin('Team as t', 't.id', 'r.teamId')
      .select((eb) => [
        'r.id', 'r.name', 'r.slackUserId', 'r.discordUserId', eb.fn.coalesce('r.locale', 't.locale').as('locale'), eb.fn.coalesce('r.timeZone', 't.timeZone').as('zone'),
        'r.teamId', 't.name as teamName', 'r.agendaHour', 'r.active', eb.fn.coalesce('r.preferredPlatform', 'r.lastPlatform').as('preferred'),
      ])
      .where('r.id', '=', id),
  );
  const team = compiledQuery(kysely, (id: number) =>
    kysely.selectFrom('Team').select(['id', 'name', 'slackChannelId', 'discordChannelId', 'locale', 'timeZone as zone']).where('id', '=', id),
  );
  const customer = compiledQuery(kysely, (id: number) =>
    kysely
      .selectFrom('Customer as c')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .select((eb) => ['c.id', 'c.externalId', 'c.name', 'c.birthdayYear', 'c.greetingOptOut', 'r.name as ownerName', tierOf(eb).as('tier')])
      .where('c.id', '=', id),
  );
  const callback = compiledQuery(kysely, (id: number) =>
    kysely.selectFrom('Callback as k').innerJoin('Customer as c', 'c.id', 'k.customerId').select(['k.status', 'k.dueAt', 'k.note', 'c.name as customerName']).where('k.id', '=', id),
  );
  const callbackOwner = compiledQuery(kysely, (id: number) => kysely.selectFrom('Callback').select('ownerId').where('id', '=', id));
  const ticketOwner = compiledQuery(kysely, (id: number) => kysely.selectFrom('Ticket').select('ownerId').where('id', '=', id));
  // Who may see a customer: the view of migration callbacks_follow_customers (bookScope in SQL).
  const inBook = compiledQuery(kysely, (customerId: number, repId: number) =>
    kysely.selectFrom('CustomerViewer').select(sql.lit(1).as('one')).where('customerId', '=', customerId).where('repId', '=', repId).limit(1),
  );
  const newerDigest = compiledQuery(kysely, (targetId: number, after: number, until: number) =>
    kysely.selectFrom('Nudge').select(sql.lit(1).as('one')).where('kind', '=', 'digest').where('targetId', '=', targetId).where('dueAt', '>', after).where('dueAt', '<=', until).limit(1),
  );

  const agendaCallbacks = compiledQuery(kysely, (repId: number, from: number, to: number) =>
    kysely
      .selectFrom('Callback as k')
      .innerJoin('Customer as c', 'c.id', 'k.customerId')
      .select((eb) => ['k.id', 'k.dueAt', 'k.timed', 'k.source', 'k.note', 'c.id as customerId', 'c.externalId', 'c.name', tierOf(eb).as('tier')])
      .where('k.ownerId', '=', repId)
      .where('k.status', '=', 'open')
      .where('k.dueAt', '>=', from)
      .where('k.dueAt', '<', to)
      .where((eb) => eb.exists(eb.selectFrom('CustomerViewer as v').select(sql.lit(1).as('one')).whereRef('v.customerId', '=', 'c.id').whereRef('v.repId', '=', 'k.ownerId')))
      .orderBy('k.dueAt')
      .orderBy('k.id'),
  );
  const birthdays = compiledQuery(kysely, (repId: number, month: number, day: number) =>
    kysely
      .selectFrom('Customer')
      .select(['id', 'externalId', 'name', 'birthdayMonth as month', 'birthdayDay as day'])
      .where('ownerId', '=', repId)
      .where('birthdayMonth', '=', month)
      .where('birthdayDay', '=', day)
      .where('greetingOptOut', '=', false)
      .orderBy('id')
      .$narrowType<{ month: number; day: number }>(),
  );
  // Plans opened since the rep's agenda that went out before this one (a skipped or missed agenda passes them on), most at stake first.
  const winbacks = compiledQuery(kysely, (repId: number, before: number) =>
    kysely
      .selectFrom(ownCustomers())
      .crossJoin('WinbackEpisode as e')
      .whereRef('e.customerId', '=', 'c.id')
      .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek))
      .select(['c.id', 'c.externalId', 'c.name', 'e.deadline', 's.tier', atStakeMinor.as('atStakeMinor'), 's.crossSell', 's.crossSellFrom'])
      .where('c.ownerId', '=', repId)
      .where('e.status', '=', 'open')
      .where('e.startedAt', '<=', before)
      .where((eb) =>
        eb(
          'e.startedAt',
          '>',
          eb.fn.coalesce(
            eb
              .selectFrom('Nudge as n')
              .select((n) => n.fn.max('n.sentAt').as('sentAt'))
              .where('n.kind', '=', 'agenda')
              .where('n.targetId', '=', repId)
              .where('n.status', '=', 'sent')
              .where('n.sentAt', '<', before),
            eb.lit(-1),
          ),
        ),
      )
      .orderBy('atStakeMinor', 'desc')
      .orderBy('e.startedAt')
      .orderBy('c.id'),
  );
  // Newly at risk: at risk in the newest week and not in the week before, scored since `since`.
  const atRisk = compiledQuery(kysely, (repId: number, since: number) =>
    kysely
      .selectFrom(ownCustomers())
      .crossJoin('ScoreSnapshot as cur')
      .whereRef('cur.customerId', '=', 'c.id')
      .leftJoin('ScoreSnapshot as prev', (join) =>
        join
          .onRef('prev.customerId', '=', 'cur.customerId')
          .on((eb) => eb('prev.week', '=', eb.selectFrom('ScoreSnapshot as w').select((w) => w.fn.max('w.week').as('week')).whereRef('w.week', '<', 'cur.week'))),
      )
      .select(['c.id', 'c.externalId', 'c.name', 'cur.churnRisk'])
      .where('c.ownerId', '=', repId)
      .where('cur.week', '=', newestWeek)
      .where('cur.lifecycle', '=', 'at_risk')
      .where((eb) => eb.or([eb('prev.lifecycle', 'is', null), eb('prev.lifecycle', '!=', 'at_risk')]))
      .where('cur.computedAt', '>', since)
      // SQLite sorts NULLs last when descending, PostgreSQL first: said, so both put unscored risks last.
      .orderBy('cur.churnRisk', (ob) => ob.desc().nullsLast())
      .orderBy('c.id'),
  );
  // Check-ins due by tonight that the daily limit held back (check-in-store.ts keeps checkInDueAt).
  const waitingCheckIns = compiledQuery(kysely, (repId: number, by: number) =>
    kysely
      .selectFrom('Customer as c')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('c.ownerId', '=', repId)
      .where('c.checkInDueAt', '<', by)
      .where('c.status', '!=', 'lost')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('Callback as k').select(sql.lit(1).as('one')).whereRef('k.customerId', '=', 'c.id').where('k.status', '=', 'open')))),
  );
  const teamSettings = compiledQuery(kysely, (teamId: number) => kysely.selectFrom('Team').select('settings').where('id', '=', teamId));

  const reorders = (from: ReturnType<typeof nudges>) =>
    kysely
      .selectFrom(from)
      .innerJoin('Customer as c', 'c.id', 'n.customerId')
      .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek))
      .select((eb) => [
        'n.id as nudgeId', 'c.id', 'c.externalId', 'c.name', 'c.ownerId', 'n.targetId', 'n.payload', 's.churnReason', 's.crossSell', 's.crossSellFrom',
        eb.selectFrom('Order as o').select((o) => o.fn.max('o.orderedAt').as('at')).whereRef('o.customerId', '=', 'c.id').where('o.amountMinor', '>', 0).as('lastBoughtAt'),
      ]);
  const reordersPending = compiledQuery(kysely, (repId: number, now: number) =>
    reorders(nudges('Nudge_kind_targetId_dueAt_idx'))
      .where('n.kind', '=', 'reorder')
      .where('n.targetId', '=', repId)
      .where('n.status', '=', 'pending')
      .where('n.dueAt', '<=', now)
      .orderBy('n.dueAt')
      .orderBy('c.name')
      .orderBy('c.id'),
  );
  const reordersCarried = compiledQuery(kysely, (agendaId: number) =>
    reorders(nudges()).where('n.kind', '=', 'reorder').where('n.carriedBy', '=', agendaId).orderBy('n.dueAt').orderBy('c.name').orderBy('c.id'),
  );
  const reorder = compiledQuery(kysely, (nudgeId: number) => reorders(nudges()).where('n.id', '=', nudgeId));
  // What they buy most often (product, else category): an expression, since PostgreSQL's HAVING cannot name an output column.
  const usualItem = compiledQuery(kysely, (customerId: number, since: number) => {
    const item = sql<string | null>`COALESCE(NULLIF(TRIM(${sql.ref('product')}), ''), NULLIF(TRIM(${sql.ref('category')}), ''))`;
    return kysely
      .selectFrom('Order')
      .select(item.as('item'))
      .where('customerId', '=', customerId)
      .where('orderedAt', '>=', since)
      .where('amountMinor', '>', 0)
      .groupBy(item)
      .having(item, 'is not', null)
      .orderBy((eb) => eb.fn.countAll(), 'desc')
      .orderBy((eb) => eb.fn.sum('amountMinor'), 'desc')
      .orderBy(item)
      .limit(1);
  });

  const ticket = compiledQuery(kysely, (id: number) =>
    kysely
      .selectFrom('Ticket as k')
      .innerJoin('Customer as c', 'c.id', 'k.customerId')
      .leftJoin('Rep as r', 'r.id', 'k.ownerId')
      .select(['k.id', 'k.status', 'k.text', 'k.deadline', 'k.openedAt', 'c.id as customerId', 'c.externalId', 'c.name', 'r.name as ownerName'])
      .where('k.id', '=', id),
  );
  const rating = compiledQuery(kysely, (interactionId: number) =>
    kysely
      .selectFrom('Interaction as i')
      .innerJoin('Customer as c', 'c.id', 'i.customerId')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .select(['i.text', 'c.id', 'c.externalId', 'c.name', 'r.name as ownerName'])
      .where('i.id', '=', interactionId),
  );
  const plan = compiledQuery(kysely, (customerId: number, episode: number) =>
    kysely.selectFrom('WinbackEpisode').select(['status', 'deadline']).where('customerId', '=', customerId).where('episode', '=', episode),
  );
  const teamGreetings = compiledQuery(kysely, (teamId: number) =>
    kysely
      .selectFrom('Customer as c')
      .innerJoin('Rep as r', 'r.id', 'c.ownerId')
      .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek))
      .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.countAll<number>().filterWhere('s.tier', 'in', ['A', 'B']).as('top')])
      .where('r.teamId', '=', teamId)
      .where('r.active', '=', true)
      .where('c.greetingOptOut', '=', false),
  );
  const greetings = () =>
    kysely
      .selectFrom(nudges('Nudge_kind_targetId_dueAt_idx'))
      .innerJoin('Customer as c', 'c.id', 'n.customerId')
      .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestWeek))
      .select(['n.id', 'n.payload', 'c.id as customerId', 'c.externalId', 'c.name', 's.tier'])
      .where('n.kind', '=', 'holiday');
  // A and B customers first.
  const byTier = (eb: ExpressionBuilder<Schema & { s: Schema['ScoreSnapshot'] }, 's'>) => eb.case('s.tier').when('A').then(0).when('B').then(1).else(2).end();
  // Not yet carried (the agenda being sent), or carried by this agenda (drawn again after a button press).
  const greetingsPending = compiledQuery(kysely, (repId: number, now: number) =>
    greetings()
      .where('n.targetId', '=', repId)
      .where('n.dueAt', '<=', now)
      .where('n.status', '=', 'pending')
      .where('c.greetingOptOut', '=', false)
      .orderBy(byTier)
      .orderBy('c.name')
      .orderBy('c.id'),
  );
  const greetingsCarried = compiledQuery(kysely, (repId: number, agendaId: number) =>
    greetings().where('n.targetId', '=', repId).where('n.carriedBy', '=', agendaId).orderBy(byTier).orderBy('c.name').orderBy('c.id'),
  );
  // 推荐: customers of the rep who rated 5 since the previous agenda.
  const topRatings = compiledQuery(kysely, (repId: number, after: number, until: number) =>
    kysely
      .selectFrom('Interaction as i')
      .innerJoin('Customer as c', 'c.id', 'i.customerId')
      .select(['c.id', 'c.externalId', 'c.name'])
      .distinct()
      .where('c.ownerId', '=', repId)
      .where('i.satisfaction', '>=', REFERRAL_RATING)
      .where('i.at', '>', after)
      .where('i.at', '<=', until)
      .orderBy('c.name')
      .orderBy('c.id'),
  );
  const lightTouch = compiledQuery(kysely, (repId: number) =>
    kysely
      .selectFrom(ownCustomers())
      .crossJoin('ScoreSnapshot as s')
      .whereRef('s.customerId', '=', 'c.id')
      .where('s.week', '=', newestWeek)
      .select(['c.id', 'c.externalId', 'c.name', atStakeMinor.as('atStakeMinor')])
      .where('c.ownerId', '=', repId)
      .where('s.lifecycle', 'in', ['at_risk', 'lapsed'])
      .where('c.status', '<>', 'lost')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('WinbackEpisode as e').select(sql.lit(1).as('one')).whereRef('e.customerId', '=', 'c.id').where('e.status', '=', 'open'))))
      .orderBy('atStakeMinor', 'desc')
      .orderBy('c.id'),
  );

  return {
    rep: (id: number): Row<RepReaderRow> => first(rep(id)),
    team: (id: number): Row<TeamReaderRow> => first(team(id)),
    customer: (id: number): Row<CustomerInfo> => first(customer(id)),
    callback: (id: number): Row<{ status: string; dueAt: number; note: string; customerName: string }> => first(callback(id)),
    /** The owner of a callback now, undefined when it no longer exists. */
    callbackOwner: async (id: number): Row<number> => (await first(callbackOwner(id)))?.ownerId,
    /** The owner of a ticket now: null when it has none, undefined when it no longer exists. */
    ticketOwner: async (id: number): Row<number | null> => (await first(ticketOwner(id)))?.ownerId,
    inBook: async (customerId: number, repId: number): Promise<boolean> => (await inBook(customerId, repId)).length > 0,
    /** Whether a digest to `targetId` due after `after`, and by `until`, replaces this one. */
    hasNewerDigest: async (targetId: number, after: number, until: number): Promise<boolean> => (await newerDigest(targetId, after, until)).length > 0,
    /** The rep's open callbacks due in [from, to) of customers still in the rep's book, in order of time. */
    agendaCallbacks: (repId: number, from: number, to: number): Promise<AgendaCallback[]> => agendaCallbacks(repId, from, to),
    /** The rep's customers born on this day of the year who take greetings. */
    birthdays: (repId: number, month: number, day: number) => birthdays(repId, month, day),
    winbacks: (repId: number, before: number): Promise<AgendaWinback[]> => winbacks(repId, before),
    atRisk: (repId: number, since: number): Promise<AgendaAtRisk[]> => atRisk(repId, since),
    waitingCheckIns: async (repId: number, by: number): Promise<number> => Number((await first(waitingCheckIns(repId, by)))?.n ?? 0),
    /** The team's settings JSON, undefined when the team no longer exists. */
    teamSettings: async (teamId: number): Row<string> => (await first(teamSettings(teamId)))?.settings,

    /** The rep's pending reorder reminders due by `now`, in order of time. */
    reordersDue: (repId: number, now: number): Promise<ReorderRow[]> => reordersPending(repId, now),
    /** The reorder reminders an agenda carried. */
    reordersCarriedBy: (agendaId: number): Promise<ReorderRow[]> => reordersCarried(agendaId),
    reorder: (nudgeId: number): Row<ReorderRow> => first(reorder(nudgeId)),
    /** What the customer bought most often since `since` (product, else category; most orders, then most spent), null when orders name neither. */
    usualItem: async (customerId: number, since: number): Promise<string | null> => (await first(usualItem(customerId, since)))?.item ?? null,

    ticket: (id: number): Row<TicketRow> => first(ticket(id)),
    rating: (interactionId: number): Row<{ text: string; id: number; externalId: string; name: string; ownerName: string | null }> => first(rating(interactionId)),
    winbackPlan: (customerId: number, episode: number): Row<{ status: string; deadline: number }> => first(plan(customerId, episode)),
    /** How many customers of the team's active reps take greetings, and how many of them are tier A or B. */
    teamGreetings: async (teamId: number): Promise<{ total: number; top: number }> => {
      const row = await first(teamGreetings(teamId));
      return { total: Number(row?.total ?? 0), top: Number(row?.top ?? 0) };
    },
    greetingsPending: (repId: number, now: number): Promise<GreetingRow[]> => greetingsPending(repId, now),
    greetingsCarriedBy: (repId: number, agendaId: number): Promise<GreetingRow[]> => greetingsCarried(repId, agendaId),
    /** The rep's customers who rated REFERRAL_RATING or more in (after, until]. */
    topRatings: (repId: number, after: number, until: number) => topRatings(repId, after, until),
    /** The rep's at-risk and lapsed customers with no open win-back plan, most at stake first. */
    lightTouch: (repId: number): Promise<{ id: number; externalId: string; name: string; atStakeMinor: number }[]> => lightTouch(repId),
  };
}

export type RenderStore = ReturnType<typeof createRenderStore>;
