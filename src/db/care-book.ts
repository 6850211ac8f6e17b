import type { CareBook, ClosedPlan, LightTouchRow, TicketEntry, WinbackPlan } from '../commands/ports.js';
import { DAY_MS } from '../domain/calendar.js';
import type { Tier } from '../domain/tier.js';
import { followUpRating, openTicket, scheduleSatisfactionCheck } from './care-writes.js';
import { refreshCheckIns } from './check-ins.js';
import { scopeSql } from './customer-segments.js';
import type { Sqlite } from './sqlite.js';

const TICKET = `SELECT k.id, k.customerId, c.name AS customerName, c.externalId AS customerExternalId, k.ownerId, r.name AS ownerName,
    k.text, k.tier, k.openedAt, k.deadline, k.status, k.resolvedAt, k.resolution
  FROM Ticket k JOIN Customer c ON c.id = k.customerId LEFT JOIN Rep r ON r.id = k.ownerId`;

type TicketRow = Omit<TicketEntry, 'openedAt' | 'deadline' | 'resolvedAt'> & { openedAt: number; deadline: number; resolvedAt: number | null };

const toTicket = (row: TicketRow): TicketEntry => ({
  ...row,
  openedAt: new Date(row.openedAt),
  deadline: new Date(row.deadline),
  resolvedAt: row.resolvedAt === null ? null : new Date(row.resolvedAt),
});

/** The newest score's value at stake: CLV (else lifetime spend) × churn risk, as the customer list ranks it. */
export const AT_STAKE_SQL = 'CAST(ROUND(COALESCE(s.clv12Minor, s.lifetimeMinor, 0) * COALESCE(s.churnRisk, 0)) AS INTEGER)';
const NEWEST_WEEK = '(SELECT MAX(week) FROM ScoreSnapshot)';

const PLAN = `SELECT c.id AS customerId, c.externalId, c.name, c.ownerId, r.name AS ownerName, e.episode, e.startedAt, e.deadline, e.extensions,
    s.tier, ${AT_STAKE_SQL} AS atStakeMinor
  FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId LEFT JOIN Rep r ON r.id = c.ownerId
    LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = ${NEWEST_WEEK}`;

type PlanRow = Omit<WinbackPlan, 'startedAt' | 'deadline' | 'atStakeMinor'> & { startedAt: number; deadline: number; atStakeMinor: number | null };

const toPlan = (row: PlanRow): WinbackPlan => ({ ...row, startedAt: new Date(row.startedAt), deadline: new Date(row.deadline), atStakeMinor: row.atStakeMinor ?? 0 });

export function createCareBook(sqlite: Sqlite): CareBook {
  return {
    async logComplaint({ customerId, repId, text, at, satisfaction }) {
      return sqlite.transaction(() => {
        const interaction = sqlite
          .prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, ?, 'complaint', ?, ?, ?, ?)")
          .run(customerId, repId, at.getTime(), text, satisfaction, at.getTime()).lastInsertRowid;
        const ticketId = openTicket(sqlite, { interactionId: Number(interaction), customerId, loggedBy: repId, text, at })!;
        refreshCheckIns(sqlite, { customerIds: [customerId] });
        return { ticket: toTicket(sqlite.prepare(`${TICKET} WHERE k.id = ?`).get(ticketId) as TicketRow), interactionId: Number(interaction) };
      })();
    },

    async ticket(ticketId, scope) {
      const { clause, values } = scopeSql(scope);
      const row = sqlite.prepare(`${TICKET} WHERE k.id = ? ${clause}`).get(ticketId, ...values) as TicketRow | undefined;
      return row ? toTicket(row) : null;
    },

    async tickets(filter, scope, now, page) {
      const { clause, values } = scopeSql(scope);
      const where = [
        filter.status === 'all' ? '' : "AND k.status = 'open'",
        filter.status === 'overdue' ? `AND k.deadline < ${now.getTime()}` : '',
        filter.ownerId === undefined ? '' : `AND k.ownerId = ${Number(filter.ownerId)}`,
        filter.teamId === undefined ? '' : `AND c.ownerId IN (SELECT id FROM Rep WHERE teamId = ${Number(filter.teamId)})`,
        clause,
      ].join(' ');
      const total = sqlite.prepare(`SELECT COUNT(*) FROM Ticket k JOIN Customer c ON c.id = k.customerId WHERE 1 = 1 ${where}`).pluck().get(...values) as number;
      const rows = sqlite
        .prepare(`${TICKET} WHERE 1 = 1 ${where} ORDER BY k.status = 'open' DESC, k.deadline, k.id LIMIT ? OFFSET ?`)
        .all(...values, page.limit, page.offset) as TicketRow[];
      return { rows: rows.map(toTicket), total };
    },

    async resolveTicket(ticketId, resolution) {
      return sqlite.transaction(() => {
        sqlite
          .prepare("UPDATE Ticket SET status = 'resolved', resolvedAt = ?, resolvedById = ?, resolution = ? WHERE id = ? AND status = 'open'")
          .run(resolution.at.getTime(), resolution.repId, resolution.text, ticketId);
        const check = scheduleSatisfactionCheck(sqlite, ticketId, resolution.at, resolution.repId);
        return { callbackId: check.callbackId, callbackDue: check.dueAt };
      })();
    },

    async followUpLowRating(interactionId, at) {
      return sqlite.transaction(() => followUpRating(sqlite, interactionId, at))();
    },

    async setReferral(customerId, referrerId) {
      sqlite.prepare('UPDATE Customer SET referredById = ?, updatedAt = ? WHERE id = ?').run(referrerId, Date.now(), customerId);
    },

    async openPlan(customerId) {
      const row = sqlite.prepare(`${PLAN} WHERE e.customerId = ? AND e.status = 'open'`).get(customerId) as PlanRow | undefined;
      return row ? toPlan(row) : null;
    },

    async lastClosedPlan(customerId) {
      const row = sqlite
        .prepare("SELECT episode, status, closedAt, reason FROM WinbackEpisode WHERE customerId = ? AND status <> 'open' ORDER BY episode DESC LIMIT 1")
        .get(customerId) as (Omit<ClosedPlan, 'closedAt'> & { closedAt: number }) | undefined;
      return row ? { ...row, closedAt: new Date(row.closedAt) } : null;
    },

    async plans(filter, scope, page) {
      const { clause, values } = scopeSql(scope);
      const where = `WHERE e.status = 'open' ${filter.ownerId === undefined ? '' : `AND c.ownerId = ${Number(filter.ownerId)}`} ${clause}`;
      const total = sqlite.prepare(`SELECT COUNT(*) FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId ${where}`).pluck().get(...values) as number;
      const rows = sqlite.prepare(`${PLAN} ${where} ORDER BY atStakeMinor DESC, e.deadline, c.id LIMIT ? OFFSET ?`).all(...values, page.limit, page.offset) as PlanRow[];
      return { rows: rows.map(toPlan), total };
    },

    async lightTouch(filter, scope, page) {
      const { clause, values } = scopeSql(scope);
      const from = `FROM ScoreSnapshot s JOIN Customer c ON c.id = s.customerId LEFT JOIN Rep r ON r.id = c.ownerId
        WHERE s.week = ${NEWEST_WEEK} AND s.lifecycle IN ('at_risk', 'lapsed') AND c.status <> 'lost'
          AND NOT EXISTS (SELECT 1 FROM WinbackEpisode e WHERE e.customerId = c.id AND e.status = 'open')
          ${filter.ownerId === undefined ? '' : `AND c.ownerId = ${Number(filter.ownerId)}`} ${clause}`;
      const total = sqlite.prepare(`SELECT COUNT(*) ${from}`).pluck().get(...values) as number;
      const rows = sqlite
        .prepare(`SELECT c.id AS customerId, c.externalId, c.name, r.name AS ownerName, s.tier, s.lifecycle, ${AT_STAKE_SQL} AS atStakeMinor ${from}
          ORDER BY atStakeMinor DESC, c.id LIMIT ? OFFSET ?`)
        .all(...values, page.limit, page.offset) as (LightTouchRow & { tier: Tier | null })[];
      return { rows, total };
    },

    async extendPlan(customerId, episode, days) {
      sqlite
        .prepare("UPDATE WinbackEpisode SET deadline = deadline + ?, extensions = extensions + 1 WHERE customerId = ? AND episode = ? AND status = 'open'")
        .run(days * DAY_MS, customerId, episode);
      return new Date(sqlite.prepare('SELECT deadline FROM WinbackEpisode WHERE customerId = ? AND episode = ?').pluck().get(customerId, episode) as number);
    },

    async giveUpPlan(customerId, episode, reason, at) {
      sqlite.transaction(() => {
        const closed = sqlite
          .prepare("UPDATE WinbackEpisode SET status = 'given_up', closedAt = ?, reason = ? WHERE customerId = ? AND episode = ? AND status = 'open'")
          .run(at.getTime(), reason, customerId, episode).changes;
        // 及时止损: as a plan lost at its deadline, the customer is marked lost and no check-in is planned any more.
        if (closed === 1) sqlite.prepare("UPDATE Customer SET status = 'lost', statusChangedAt = ?, updatedAt = ? WHERE id = ?").run(at.getTime(), at.getTime(), customerId);
      })();
    },

    async setPlanReason(customerId, episode, reason) {
      sqlite.prepare("UPDATE WinbackEpisode SET reason = ? WHERE customerId = ? AND episode = ? AND status <> 'open'").run(reason, customerId, episode);
    },
  };
}
