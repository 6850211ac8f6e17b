import type { Sqlite } from '../db/database.js';
import { LOW_RATING } from '../domain/schedule/care.js';

/** An open ticket the planner may nudge about: its owner at once, the team's managers at the deadline. */
export interface OpenTicket {
  id: number;
  customerId: number;
  externalId: string;
  ownerId: number | null;
  teamId: number | null;
  openedAt: number;
  deadline: number;
}

/** A recent interaction the planner follows up: a complaint without a ticket, or a low rating. */
export interface RecentInteraction {
  id: number;
  customerId: number;
  externalId: string;
  repId: number | null;
  kind: string;
  at: number;
  text: string;
  satisfaction: number | null;
  ownerId: number | null;
  teamId: number | null;
  hasTicket: number;
  hasFollowUp: number;
}

export interface StageCandidate {
  customerId: number;
  externalId: string;
  ownerId: number;
  /** welcome: the first purchase; second-order: the only purchase day. */
  at: number;
}

export interface HolidayCustomer {
  id: number;
  externalId: string;
}

/** The reads behind care planning, each bounded by an index (tickets by status and time, interactions by time, orders by time). */
export function createCarePlanningStore(sqlite: Sqlite) {
  const teamFilter = (teamId: number | undefined, column: string) => (teamId === undefined ? '' : ` AND ${column} = ${Number(teamId)}`);
  const ticketSelect = `SELECT k.id, k.customerId, c.externalId, k.ownerId, r.teamId, k.openedAt, k.deadline
    FROM Ticket k JOIN Customer c ON c.id = k.customerId LEFT JOIN Rep r ON r.id = k.ownerId`;
  const holidayCustomers = sqlite.prepare('SELECT id, externalId FROM Customer WHERE ownerId = ? AND greetingOptOut = 0 ORDER BY id');
  const plannedHolidays = sqlite.prepare("SELECT COUNT(*) FROM Nudge WHERE kind = 'holiday' AND targetId = ? AND dueAt = ?").pluck();
  return {
    /** Open tickets opened since `from` (their owner's nudge) or falling due by `to` (escalations). */
    ticketsToNudge(from: Date, to: Date, teamId?: number): { opened: OpenTicket[]; due: OpenTicket[] } {
      const where = (column: string) => `WHERE k.status = 'open' AND k.${column} BETWEEN ? AND ?${teamFilter(teamId, 'r.teamId')} ORDER BY k.id`;
      return {
        opened: sqlite.prepare(`${ticketSelect} ${where('openedAt')}`).all(from.getTime(), to.getTime()) as OpenTicket[],
        due: sqlite.prepare(`${ticketSelect} ${where('deadline')}`).all(from.getTime(), to.getTime()) as OpenTicket[],
      };
    },

    /** Complaints and low ratings logged since `since` (any path: chat, import), with whether they were followed up. */
    recentInteractions(since: Date, until: Date, teamId?: number): RecentInteraction[] {
      return sqlite
        .prepare(
          `SELECT i.id, i.customerId, c.externalId, i.repId, i.kind, i.at, i.text, i.satisfaction, c.ownerId, r.teamId,
             EXISTS (SELECT 1 FROM Ticket k WHERE k.interactionId = i.id) AS hasTicket,
             -- ratingFollowUpKey (db/care-writes.ts) in SQL
             EXISTS (SELECT 1 FROM Callback b WHERE b.dedupeKey = 'rating:' || i.id) AS hasFollowUp
           FROM Interaction i JOIN Customer c ON c.id = i.customerId LEFT JOIN Rep r ON r.id = c.ownerId
           WHERE i.at BETWEEN ? AND ? AND (i.kind = 'complaint' OR i.satisfaction <= ${LOW_RATING})${teamFilter(teamId, 'r.teamId')}
           ORDER BY i.id`,
        )
        .all(since.getTime(), until.getTime()) as RecentInteraction[];
    },

    /** Managers of a team (active), else every active admin: who hears of a breach. */
    escalationTargets(): (teamId: number | null) => number[] {
      const managers = sqlite.prepare("SELECT id, teamId FROM Rep WHERE active = 1 AND role = 'manager' ORDER BY id").all() as { id: number; teamId: number | null }[];
      const admins = sqlite.prepare("SELECT id FROM Rep WHERE active = 1 AND role = 'admin' ORDER BY id").pluck().all() as number[];
      return (teamId) => {
        const found = managers.filter((m) => teamId !== null && m.teamId === teamId).map((m) => m.id);
        return found.length > 0 ? found : admins;
      };
    },

    /** 欢迎计划: customers whose first purchase happened in [from, to], without a welcome callback yet. */
    firstPurchases(from: Date, to: Date, teamId?: number): StageCandidate[] {
      return sqlite
        .prepare(
          `SELECT o.customerId, c.externalId, c.ownerId, MIN(o.orderedAt) AS at
           FROM "Order" o JOIN Customer c ON c.id = o.customerId JOIN Rep r ON r.id = c.ownerId
           WHERE o.orderedAt BETWEEN ? AND ? AND o.amountMinor > 0 AND r.active = 1${teamFilter(teamId, 'r.teamId')}
             AND NOT EXISTS (SELECT 1 FROM "Order" p WHERE p.customerId = o.customerId AND p.amountMinor > 0 AND p.orderedAt < ?)
             AND NOT EXISTS (SELECT 1 FROM Callback k WHERE k.dedupeKey = 'welcome:' || o.customerId)
           GROUP BY o.customerId ORDER BY o.customerId`,
        )
        .all(from.getTime(), to.getTime(), from.getTime()) as StageCandidate[];
    },

    /**
     * One-time buyers still new whose fallback interval has passed since their purchase: the
     * second-order nudge. Read from the newest scores (lifecycle `new`, reason `single_purchase`).
     */
    secondOrderDue(now: Date, teamId?: number): StageCandidate[] {
      return (
        sqlite
          .prepare(
            `SELECT c.id AS customerId, c.externalId, c.ownerId, s.lastOrderAt AS at, json_extract(s.churnReason, '$.typicalIntervalDays') AS interval
             FROM ScoreSnapshot s JOIN Customer c ON c.id = s.customerId JOIN Rep r ON r.id = c.ownerId
             WHERE s.week = (SELECT MAX(week) FROM ScoreSnapshot) AND s.lifecycle = 'new' AND c.status <> 'lost' AND r.active = 1
               AND json_extract(s.churnReason, '$.code') = 'single_purchase' AND s.lastOrderAt IS NOT NULL${teamFilter(teamId, 'r.teamId')}
             ORDER BY c.id`,
          )
          .all() as (StageCandidate & { interval: number | null })[]
      ).filter((c) => c.interval !== null && c.at + c.interval * 86_400_000 <= now.getTime());
    },

    /** Win-back plans each rep opened since `since` (the top-N triage's weekly budget). */
    plansOpenedSince(since: Date): Map<number, number> {
      const rows = sqlite
        .prepare('SELECT c.ownerId, COUNT(*) AS n FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId WHERE e.startedAt >= ? GROUP BY c.ownerId')
        .all(since.getTime()) as { ownerId: number; n: number }[];
      return new Map(rows.map((r) => [r.ownerId, r.n]));
    },

    holidayCustomers: (ownerId: number) => holidayCustomers.all(ownerId) as HolidayCustomer[],
    /** Holiday greetings already planned for a rep's agenda slot: a rep whose book is planned is skipped. */
    plannedHolidays: (repId: number, dueAt: Date) => plannedHolidays.get(repId, dueAt.getTime()) as number,
  };
}

export type CarePlanningStore = ReturnType<typeof createCarePlanningStore>;
