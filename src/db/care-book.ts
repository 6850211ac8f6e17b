import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { CareBook, ClosedPlan, TicketEntry, TicketStatus, WinbackPlan } from '../commands/ports.js';
import type { BookScope } from '../domain/actor.js';
import { DAY_MS } from '../domain/calendar.js';
import type { Tier } from '../domain/tier.js';
import { followUpRating, openTicket, scheduleSatisfactionCheck } from './care-writes.js';
import type { Schema } from './schema.js';
import { refreshCheckIns } from './stores/check-in-store.js';
import { readTeamSettings } from './stores/planning-store.js';
import { writeTransaction, type StoreHandle } from './stores/store.js';
import type { Customer, ScoreSnapshot } from './tables.js';

/** The newest score's value at stake: CLV (else lifetime spend) × churn risk, as the customer list ranks it. */
export const AT_STAKE_SQL = 'CAST(ROUND(COALESCE(s.clv12Minor, s.lifetimeMinor, 0) * COALESCE(s.churnRisk, 0)) AS INTEGER)';

/**
 * AT_STAKE_SQL on either engine, over the score aliased `s` (a fragment shared by queries of
 * different shapes). ROUND of numeric rounds halves away from zero on PostgreSQL as SQLite's ROUND
 * does (ROUND of double precision would round them to even); BIGINT is INTEGER on SQLite.
 */
export const atStakeMinor = sql<number>`CAST(ROUND(CAST(COALESCE(${sql.ref('s.clv12Minor')}, ${sql.ref('s.lifetimeMinor')}, 0) * COALESCE(${sql.ref('s.churnRisk')}, 0) AS NUMERIC)) AS BIGINT)`;

/** Queries here read the customer as `c` and the newest score as `s`. */
type WithCustomer = Schema & { c: Customer; s: ScoreSnapshot };

/** The customers within a book, and of one owner or team when the filter says so: a condition on `c`. */
function inBook(eb: ExpressionBuilder<WithCustomer, 'c'>, scope: BookScope, filter: { ownerId?: number; teamId?: number }): Expression<SqlBool> {
  const ofTeam = (teamId: number) => eb('c.ownerId', 'in', eb.selectFrom('Rep').select('Rep.id').where('Rep.teamId', '=', teamId));
  const conditions = [
    ...(filter.ownerId === undefined ? [] : [eb('c.ownerId', '=', filter.ownerId)]),
    ...(filter.teamId === undefined ? [] : [ofTeam(filter.teamId)]),
    ...(scope.kind === 'team' ? [ofTeam(scope.teamId)] : scope.kind === 'owner' ? [eb('c.ownerId', '=', scope.repId)] : []),
  ];
  return eb.and(conditions);
}

/** The newest week's score of `c`, if any. */
const newestScore = (kysely: Kysely<Schema>) => kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'));

const tickets = (kysely: Kysely<Schema>) =>
  kysely
    .selectFrom('Ticket as k')
    .innerJoin('Customer as c', 'c.id', 'k.customerId')
    .leftJoin('Rep as r', 'r.id', 'k.ownerId')
    .select([
      'k.id', 'k.customerId', 'c.name as customerName', 'c.externalId as customerExternalId', 'k.ownerId', 'r.name as ownerName',
      'k.text', 'k.tier', 'k.openedAt', 'k.deadline', 'k.status', 'k.resolvedAt', 'k.resolution',
    ]);

type TicketRow = Awaited<ReturnType<ReturnType<typeof tickets>['executeTakeFirstOrThrow']>>;

const toTicket = (row: TicketRow): TicketEntry => ({
  ...row,
  tier: row.tier as Tier,
  status: row.status as TicketStatus,
  openedAt: new Date(row.openedAt),
  deadline: new Date(row.deadline),
  resolvedAt: row.resolvedAt === null ? null : new Date(row.resolvedAt),
});

const plans = (kysely: Kysely<Schema>) =>
  kysely
    .selectFrom('WinbackEpisode as e')
    .innerJoin('Customer as c', 'c.id', 'e.customerId')
    .leftJoin('Rep as r', 'r.id', 'c.ownerId')
    .leftJoin('ScoreSnapshot as s', (join) => join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', newestScore(kysely)))
    .select([
      'c.id as customerId', 'c.externalId', 'c.name', 'c.ownerId', 'r.name as ownerName', 'e.episode', 'e.startedAt', 'e.deadline', 'e.extensions',
      's.tier', atStakeMinor.as('atStakeMinor'),
    ]);

type PlanRow = Awaited<ReturnType<ReturnType<typeof plans>['executeTakeFirstOrThrow']>>;

const toPlan = (row: PlanRow): WinbackPlan => ({ ...row, tier: row.tier as Tier | null, startedAt: new Date(row.startedAt), deadline: new Date(row.deadline) });

export function createCareBook(db: StoreHandle): CareBook {
  const { kysely } = db;
  return {
    async logComplaint({ customerId, repId, text, at, satisfaction }) {
      return writeTransaction(db, async (tx) => {
        const handle = { engine: db.engine, kysely: tx };
        const { id: interactionId } = await tx
          .insertInto('Interaction')
          .values({ customerId, repId, kind: 'complaint', at: at.getTime(), text, satisfaction, createdAt: at.getTime() })
          .returning('id')
          .executeTakeFirstOrThrow();
        const ticketId = (await openTicket(tx, { interactionId, customerId, loggedBy: repId, text, at }))!;
        await refreshCheckIns(handle, { customerIds: [customerId] }, await readTeamSettings(handle));
        return { ticket: toTicket(await tickets(tx).where('k.id', '=', ticketId).executeTakeFirstOrThrow()), interactionId };
      });
    },

    async ticket(ticketId, scope) {
      const row = await tickets(kysely).where('k.id', '=', ticketId).where((eb) => inBook(eb, scope, {})).executeTakeFirst();
      return row ? toTicket(row) : null;
    },

    async tickets(filter, scope, now, page) {
      const where = (eb: ExpressionBuilder<WithCustomer & { k: Schema['Ticket'] }, 'c' | 'k'>) =>
        eb.and([
          ...(filter.status === 'all' ? [] : [eb('k.status', '=', 'open')]),
          ...(filter.status === 'overdue' ? [eb('k.deadline', '<', now.getTime())] : []),
          inBook(eb, scope, filter),
        ]);
      const { total } = await kysely
        .selectFrom('Ticket as k')
        .innerJoin('Customer as c', 'c.id', 'k.customerId')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where(where)
        .executeTakeFirstOrThrow();
      const rows = await tickets(kysely)
        .where(where)
        .orderBy((eb) => eb('k.status', '=', 'open'), 'desc')
        .orderBy('k.deadline')
        .orderBy('k.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { rows: rows.map(toTicket), total };
    },

    async resolveTicket(ticketId, resolution) {
      return writeTransaction(db, async (tx) => {
        await tx
          .updateTable('Ticket')
          .set({ status: 'resolved', resolvedAt: resolution.at.getTime(), resolvedById: resolution.repId, resolution: resolution.text })
          .where('id', '=', ticketId)
          .where('status', '=', 'open')
          .execute();
        const check = await scheduleSatisfactionCheck(tx, ticketId, resolution.at, resolution.repId);
        return { callbackId: check.callbackId, callbackDue: check.dueAt };
      });
    },

    async followUpLowRating(interactionId, at) {
      return writeTransaction(db, (tx) => followUpRating(tx, interactionId, at));
    },

    async setReferral(customerId, referrerId) {
      await kysely.updateTable('Customer').set({ referredById: referrerId, updatedAt: Date.now() }).where('id', '=', customerId).execute();
    },

    async openPlan(customerId) {
      const row = await plans(kysely).where('e.customerId', '=', customerId).where('e.status', '=', 'open').executeTakeFirst();
      return row ? toPlan(row) : null;
    },

    async lastClosedPlan(customerId) {
      const row = await kysely
        .selectFrom('WinbackEpisode')
        .select(['episode', 'status', 'closedAt', 'reason'])
        .where('customerId', '=', customerId)
        .where('status', '<>', 'open')
        .orderBy('episode', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? { episode: row.episode, status: row.status as ClosedPlan['status'], closedAt: new Date(row.closedAt!), reason: row.reason } : null;
    },

    async plans(filter, scope, page) {
      const { total } = await kysely
        .selectFrom('WinbackEpisode as e')
        .innerJoin('Customer as c', 'c.id', 'e.customerId')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('e.status', '=', 'open')
        .where((eb) => inBook(eb, scope, filter))
        .executeTakeFirstOrThrow();
      const rows = await plans(kysely)
        .where('e.status', '=', 'open')
        .where((eb) => inBook(eb, scope, filter))
        .orderBy('atStakeMinor', 'desc')
        .orderBy('e.deadline')
        .orderBy('c.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { rows: rows.map(toPlan), total };
    },

    async lightTouch(filter, scope, page) {
      const atRisk = kysely
        .selectFrom('ScoreSnapshot as s')
        .innerJoin('Customer as c', 'c.id', 's.customerId')
        .leftJoin('Rep as r', 'r.id', 'c.ownerId')
        .where('s.week', '=', newestScore(kysely))
        .where('s.lifecycle', 'in', ['at_risk', 'lapsed'])
        .where('c.status', '<>', 'lost')
        .where((eb) =>
          eb.and([
            eb.not(eb.exists(eb.selectFrom('WinbackEpisode as e').select('e.id').whereRef('e.customerId', '=', 'c.id').where('e.status', '=', 'open'))),
            inBook(eb, scope, filter),
          ]),
        );
      const { total } = await atRisk.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const rows = await atRisk
        .select(['c.id as customerId', 'c.externalId', 'c.name', 'r.name as ownerName', 's.tier', 's.lifecycle', atStakeMinor.as('atStakeMinor')])
        .orderBy('atStakeMinor', 'desc')
        .orderBy('c.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { rows: rows.map((row) => ({ ...row, tier: row.tier as Tier })), total };
    },

    async extendPlan(customerId, episode, days) {
      return writeTransaction(db, async (tx) => {
        await tx
          .updateTable('WinbackEpisode')
          .set((eb) => ({ deadline: eb('deadline', '+', days * DAY_MS), extensions: eb('extensions', '+', 1) }))
          .where('customerId', '=', customerId)
          .where('episode', '=', episode)
          .where('status', '=', 'open')
          .execute();
        const { deadline } = await tx
          .selectFrom('WinbackEpisode')
          .select('deadline')
          .where('customerId', '=', customerId)
          .where('episode', '=', episode)
          .executeTakeFirstOrThrow();
        return new Date(deadline);
      });
    },

    async giveUpPlan(customerId, episode, reason, at) {
      await writeTransaction(db, async (tx) => {
        const closed = await tx
          .updateTable('WinbackEpisode')
          .set({ status: 'given_up', closedAt: at.getTime(), reason })
          .where('customerId', '=', customerId)
          .where('episode', '=', episode)
          .where('status', '=', 'open')
          .executeTakeFirst();
        // 及时止损: as a plan lost at its deadline, the customer is marked lost and no check-in is planned any more.
        if (closed.numUpdatedRows === 1n) {
          await tx.updateTable('Customer').set({ status: 'lost', statusChangedAt: at.getTime(), updatedAt: at.getTime() }).where('id', '=', customerId).execute();
        }
      });
    },

    async setPlanReason(customerId, episode, reason) {
      await kysely
        .updateTable('WinbackEpisode')
        .set({ reason })
        .where('customerId', '=', customerId)
        .where('episode', '=', episode)
        .where('status', '<>', 'open')
        .execute();
    },
  };
}
