import type { Sqlite } from '../db/database.js';
import type { Birthday } from '../domain/schedule/birthday.js';
import type { ScheduleSettings } from '../domain/schedule/schedule-settings.js';
import { loadTeamSettingsSync } from '../db/team-settings.js';
import { safeZone } from '../domain/schedule/local-time.js';
import type { WinbackState } from '../domain/schedule/winback.js';
import { createCarePlanningStore, type CarePlanningStore } from './care-planning-store.js';

export interface TeamInfo {
  id: number;
  name: string;
  zone: string;
  locale: string;
  settings: ScheduleSettings;
}

export interface RepInfo {
  id: number;
  name: string;
  teamId: number | null;
  role: string;
  /** The rep's own zone, else their team's, else UTC. */
  zone: string;
  agendaHour: number;
  ownsCustomers: boolean;
}

export interface BirthdayCustomer {
  id: number;
  externalId: string;
  birthday: Birthday;
  /** The customer's zone, else the owner's team's. */
  zone: string;
  ownerId: number;
  teamId: number | null;
}

/** A customer whose check-in falls due by the asked time. */
export interface CadenceCandidate {
  id: number;
  externalId: string;
  /** Latest interaction, completed callback or purchase; the customer's creation when none. */
  lastTouch: number;
  /** The last touch plus the tier's interval in the owner's team. */
  dueAt: number;
}

export interface TimedCallback {
  id: number;
  customerId: number;
  externalId: string;
  ownerId: number;
  teamId: number | null;
  dueAt: number;
}

export interface WinbackCandidate extends WinbackState {
  customerId: number;
  externalId: string;
  ownerId: number;
  teamId: number | null;
  tier: string | null;
  /** Value × churn risk of the newest score: the triage's order. */
  atStakeMinor: number;
}

/** A customer whose reorder nudge of this purchase cycle is due by the asked time (Customer.reorderDueAt, db/reorders.ts). */
export interface ReorderCandidate {
  customerId: number;
  externalId: string;
  ownerId: number;
  /** The reorder day (its UTC midnight). */
  dueAt: number;
  /** The last purchase day (its UTC midnight): the cycle the reminder belongs to. */
  cycle: number;
}

/** What the planner reads, straight from SQLite: the planner runs every 15 minutes. */
export interface PlanningStore {
  /** The teams with their settings, and a line for each team whose stored settings were broken (defaults used). */
  teams(teamId?: number): { teams: TeamInfo[]; settingsProblems: string[] };
  reps(teamId?: number): RepInfo[];
  birthdayCustomers(keys: readonly Birthday[], teamId?: number): BirthdayCustomer[];
  /** Cadence check-ins already planned (any status) per rep and agenda slot in [from, to], by `plannedKey`. */
  plannedCheckIns(from: Date, to: Date): Map<string, number>;
  /** A rep's customers, not lost, with no open callback, whose unplanned check-in is due by `dueBy`: most overdue first. */
  cadenceCandidates(ownerId: number, dueBy: Date, limit: number): CadenceCandidate[];
  openTimedCallbacks(from: Date, to: Date, teamId?: number): TimedCallback[];
  winbackCandidates(teamId?: number): WinbackCandidate[];
  /** Customers of active reps whose reorder nudge is due by `dueBy` and not yet planned: most overdue first. */
  reorderCandidates(dueBy: Date, teamId?: number): ReorderCandidate[];
  /** The care reads (complaints, ratings, stage callbacks, holidays): care-planning-store.ts. */
  care: CarePlanningStore;
}

const teamFilter = (teamId: number | undefined, column: string) => (teamId === undefined ? '' : ` AND ${column} = ${Number(teamId)}`);

/** The key of `plannedCheckIns`: a rep's agenda slot. */
export function plannedKey(ownerId: number, dueAt: number): string {
  return `${ownerId}:${dueAt}`;
}

export function createPlanningStore(sqlite: Sqlite): PlanningStore {
  const cadenceCandidates = sqlite.prepare(
    `SELECT c.id, c.externalId, c.lastTouchAt AS lastTouch, c.checkInDueAt AS dueAt
     FROM Customer c
     WHERE c.ownerId = ? AND c.checkInDueAt <= ? AND c.status != 'lost'
       AND NOT EXISTS (SELECT 1 FROM Callback k WHERE k.customerId = c.id AND k.status = 'open')
     ORDER BY c.checkInDueAt, c.id LIMIT ?`,
  );
  return {
    care: createCarePlanningStore(sqlite),
    teams(teamId) {
      const rows = sqlite
        .prepare(`SELECT id, name, timeZone, locale FROM Team WHERE 1 = 1${teamFilter(teamId, 'id')} ORDER BY id`)
        .all() as { id: number; name: string; timeZone: string; locale: string }[];
      const settings = loadTeamSettingsSync(sqlite);
      const problems = settings.problems.filter((p) => teamId === undefined || p.teamId === teamId).map((p) => p.message);
      return { teams: rows.map((t) => ({ id: t.id, name: t.name, zone: safeZone(t.timeZone), locale: t.locale, settings: settings.of(t.id).schedule })), settingsProblems: problems };
    },

    reps(teamId) {
      const rows = sqlite
        .prepare(
          `SELECT r.id, r.name, r.teamId, r.role, COALESCE(r.timeZone, t.timeZone) AS zone, r.agendaHour,
             EXISTS (SELECT 1 FROM Customer c WHERE c.ownerId = r.id) AS ownsCustomers
           FROM Rep r LEFT JOIN Team t ON t.id = r.teamId
           WHERE r.active = 1${teamFilter(teamId, 'r.teamId')} ORDER BY r.id`,
        )
        .all() as (Omit<RepInfo, 'ownsCustomers' | 'zone'> & { zone: string | null; ownsCustomers: number })[];
      return rows.map((r) => ({ ...r, zone: safeZone(r.zone), ownsCustomers: r.ownsCustomers === 1 }));
    },

    birthdayCustomers(keys, teamId) {
      const select = sqlite.prepare(
        `SELECT c.id, c.externalId, c.birthdayMonth AS month, c.birthdayDay AS day, COALESCE(c.timeZone, t.timeZone) AS zone,
           c.ownerId, r.teamId
         FROM Customer c JOIN Rep r ON r.id = c.ownerId LEFT JOIN Team t ON t.id = r.teamId
         WHERE c.birthdayMonth = ? AND c.birthdayDay = ? AND c.greetingOptOut = 0 AND r.active = 1${teamFilter(teamId, 'r.teamId')}`,
      );
      const result: BirthdayCustomer[] = [];
      for (const key of keys) {
        for (const row of select.all(key.month, key.day) as (Omit<BirthdayCustomer, 'birthday'> & Birthday)[]) {
          result.push({
            id: row.id,
            externalId: row.externalId,
            birthday: { month: row.month, day: row.day },
            zone: safeZone(row.zone),
            ownerId: row.ownerId,
            teamId: row.teamId,
          });
        }
      }
      return result;
    },

    plannedCheckIns(from, to) {
      // `status IN (…)` lets the (status, dueAt) index serve the range.
      const rows = sqlite
        .prepare(
          `SELECT ownerId, dueAt, COUNT(*) AS n FROM Callback
           WHERE status IN ('open', 'done', 'cancelled') AND dueAt BETWEEN ? AND ? AND source = 'cadence'
           GROUP BY ownerId, dueAt`,
        )
        .all(from.getTime(), to.getTime()) as { ownerId: number; dueAt: number; n: number }[];
      return new Map(rows.map((r) => [plannedKey(r.ownerId, r.dueAt), r.n]));
    },

    cadenceCandidates(ownerId, dueBy, limit) {
      // Customer.checkInDueAt is kept by every writer (db/check-ins.ts): a range of the
      // (ownerId, checkInDueAt) index, read in due order and cut at the rep's free room.
      return cadenceCandidates.all(ownerId, dueBy.getTime(), limit) as CadenceCandidate[];
    },

    openTimedCallbacks(from, to, teamId) {
      return sqlite
        .prepare(
          `SELECT k.id, k.customerId, c.externalId, k.ownerId, r.teamId, k.dueAt
           FROM Callback k JOIN Customer c ON c.id = k.customerId JOIN Rep r ON r.id = k.ownerId
           WHERE k.status = 'open' AND k.timed = 1 AND k.dueAt BETWEEN ? AND ?${teamFilter(teamId, 'r.teamId')}
           ORDER BY k.dueAt, k.id`,
        )
        .all(from.getTime(), to.getTime()) as TimedCallback[];
    },

    winbackCandidates(teamId) {
      // Customers with an open plan, or whose score this (newest) week says at risk / lapsed:
      // both found through indexes, so a planning run does not visit every customer.
      const rows = sqlite
        .prepare(
          `WITH week AS (SELECT MAX(week) AS w FROM ScoreSnapshot),
           candidates AS (
             SELECT s.customerId AS id FROM ScoreSnapshot s WHERE s.week = (SELECT w FROM week) AND s.lifecycle IN ('at_risk', 'lapsed')
             UNION SELECT customerId FROM WinbackEpisode WHERE status = 'open'
           )
           SELECT c.id AS customerId, c.externalId, c.ownerId, r.teamId, l.lifecycle, l.asOf, l.tier,
             CAST(ROUND(COALESCE(l.clv12Minor, l.lifetimeMinor, 0) * COALESCE(l.churnRisk, 0)) AS INTEGER) AS atStakeMinor,
             o.episode AS openEpisode, o.startedAt, o.deadline,
             (SELECT MIN(ord.orderedAt) FROM "Order" ord WHERE ord.customerId = c.id AND ord.orderedAt > o.startedAt) AS firstOrderSinceStart,
             lc.episode AS closedEpisode, lc.closedAt
           FROM candidates x
             JOIN Customer c ON c.id = x.id
             JOIN Rep r ON r.id = c.ownerId
             LEFT JOIN ScoreSnapshot l ON l.customerId = c.id AND l.week = (SELECT w FROM week)
             LEFT JOIN WinbackEpisode o ON o.customerId = c.id AND o.status = 'open'
             LEFT JOIN WinbackEpisode lc ON lc.customerId = c.id AND lc.status != 'open'
               AND lc.episode = (SELECT MAX(episode) FROM WinbackEpisode WHERE customerId = c.id AND status != 'open')
           WHERE 1 = 1${teamFilter(teamId, 'r.teamId')}
           ORDER BY c.id`,
        )
        .all() as {
        customerId: number;
        externalId: string;
        ownerId: number;
        teamId: number | null;
        lifecycle: string | null;
        asOf: number | null;
        tier: string | null;
        atStakeMinor: number | null;
        openEpisode: number | null;
        startedAt: number | null;
        deadline: number | null;
        firstOrderSinceStart: number | null;
        closedEpisode: number | null;
        closedAt: number | null;
      }[];
      return rows.map((r) => ({
        customerId: r.customerId,
        externalId: r.externalId,
        ownerId: r.ownerId,
        teamId: r.teamId,
        tier: r.tier,
        atStakeMinor: r.atStakeMinor ?? 0,
        latestScore: r.lifecycle !== null && r.asOf !== null ? { lifecycle: r.lifecycle, asOf: r.asOf } : null,
        open: r.openEpisode !== null ? { episode: r.openEpisode, startedAt: r.startedAt!, deadline: r.deadline! } : null,
        lastClosed: r.closedEpisode !== null ? { episode: r.closedEpisode, closedAt: r.closedAt! } : null,
        firstOrderSinceStart: r.openEpisode !== null ? r.firstOrderSinceStart : null,
      }));
    },

    reorderCandidates(dueBy, teamId) {
      // Customer.reorderDueAt is kept by the rescoring (db/reorders.ts) and cleared once planned: an index range.
      return sqlite
        .prepare(
          `SELECT c.id AS customerId, c.externalId, c.ownerId, c.reorderDueAt AS dueAt, s.lastOrderAt AS cycle
           FROM Customer c JOIN Rep r ON r.id = c.ownerId
             JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
           WHERE c.reorderDueAt <= ? AND r.active = 1 AND s.lastOrderAt IS NOT NULL${teamFilter(teamId, 'r.teamId')}
           ORDER BY c.reorderDueAt, c.id`,
        )
        .all(dueBy.getTime()) as ReorderCandidate[];
    },
  };
}
