import type { Sqlite } from '../db/database.js';
import { addressesOf } from '../db/identity-directory.js';
import { previousAgendaSlot } from '../domain/schedule/agenda.js';
import { birthdayKeysFor, datesFrom, isBirthdayOn } from '../domain/schedule/birthday.js';
import { addDays, isoDate, startOfLocalDay, type LocalDate } from '../domain/schedule/local-time.js';
import { parseTeamSettings } from '../domain/team-settings.js';
import { isChatPlatform, type Addresses, type ChatPlatform } from '../domain/platform.js';
import type { Recipient } from './notifier.js';
import type { NudgeRow } from './outbox.js';
import { createReorderReads, type ReorderLine } from './reorder-agenda.js';
import { AT_STAKE_SQL } from '../db/care-book.js';

/** Who reads a nudge: a rep (DM) or a team (its channel), with their language, zone and addresses. */
export interface ReaderRow {
  kind: 'rep' | 'team';
  id: number;
  name: string;
  addresses: Addresses;
  preferred: ChatPlatform | null;
  locale: string | null;
  zone: string | null;
  teamId: number | null;
  teamName: string | null;
  agendaHour: number;
}

export interface CustomerInfo {
  id: number;
  externalId: string;
  name: string;
  birthdayYear: number | null;
  greetingOptOut: number;
  ownerName: string | null;
  tier: string | null;
}

export interface AgendaCallback {
  id: number;
  dueAt: number;
  timed: number;
  source: string;
  note: string;
  customerId: number;
  externalId: string;
  name: string;
  tier: string | null;
}

export interface AgendaData {
  overdue: AgendaCallback[];
  today: AgendaCallback[];
  birthdays: { id: number; externalId: string; name: string; on: LocalDate }[];
  winbacks: { id: number; externalId: string; name: string; deadline: number; tier: string | null; atStakeMinor: number | null; crossSell: string | null; crossSellFrom: string | null }[];
  atRisk: { id: number; externalId: string; name: string; churnRisk: number | null }[];
  reorders: ReorderLine[];
  /** Check-ins due by tonight that the daily limit held back, and that limit. */
  waitingCheckIns: number;
  checkInsPerDay: number;
}

const TIER_OF = '(SELECT s.tier FROM ScoreSnapshot s WHERE s.customerId = c.id ORDER BY s.week DESC LIMIT 1)';

/** The reads behind every nudge message: what it says is drawn from the database when it is sent. */
export function createNudgeData(sqlite: Sqlite) {
  const rep = sqlite.prepare(
    `SELECT r.id, r.name, r.slackUserId, r.discordUserId, COALESCE(r.locale, t.locale) AS locale, COALESCE(r.timeZone, t.timeZone) AS zone,
       r.teamId, t.name AS teamName, r.agendaHour, r.active, COALESCE(r.preferredPlatform, r.lastPlatform) AS preferred
     FROM Rep r LEFT JOIN Team t ON t.id = r.teamId WHERE r.id = ?`,
  );
  const team = sqlite.prepare('SELECT id, name, slackChannelId, discordChannelId, locale, timeZone AS zone FROM Team WHERE id = ?');
  const customer = sqlite.prepare(
    `SELECT c.id, c.externalId, c.name, c.birthdayYear, c.greetingOptOut, r.name AS ownerName, ${TIER_OF} AS tier
     FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId WHERE c.id = ?`,
  );
  const callback = sqlite.prepare('SELECT k.status, k.dueAt, k.note, c.name AS customerName FROM Callback k JOIN Customer c ON c.id = k.customerId WHERE k.id = ?');
  const callbackOwner = sqlite.prepare("SELECT ownerId FROM Callback WHERE id = json_extract(?, '$.callbackId')").pluck();
  // A complaint's nudge goes to whoever owns the ticket when it is sent (tickets follow their customer).
  const ticketOwner = sqlite.prepare("SELECT ownerId FROM Ticket WHERE id = json_extract(?, '$.ticketId')").pluck();
  const ticketTarget = (row: Pick<NudgeRow, 'targetKind' | 'targetId' | 'payload'>) => {
    const owner = ticketOwner.get(row.payload) as number | null | undefined;
    return owner == null ? row : { targetKind: 'rep' as const, targetId: owner };
  };
  // Who may see a customer: the view of migration callbacks_follow_customers (bookScope in SQL).
  const inBook = sqlite.prepare('SELECT 1 FROM CustomerViewer WHERE customerId = ? AND repId = ?').pluck();
  const newerDigest = sqlite.prepare("SELECT 1 FROM Nudge WHERE kind = 'digest' AND targetId = ? AND dueAt > ? AND dueAt <= ? LIMIT 1");
  const agenda = {
    callbacks: sqlite.prepare(
      `SELECT k.id, k.dueAt, k.timed, k.source, k.note, c.id AS customerId, c.externalId, c.name, ${TIER_OF} AS tier
       FROM Callback k JOIN Customer c ON c.id = k.customerId
       WHERE k.ownerId = ? AND k.status = 'open' AND k.dueAt >= ? AND k.dueAt < ?
         AND EXISTS (SELECT 1 FROM CustomerViewer v WHERE v.customerId = c.id AND v.repId = k.ownerId)
       ORDER BY k.dueAt, k.id`,
    ),
    birthdays: sqlite.prepare(
      `SELECT id, externalId, name, birthdayMonth AS month, birthdayDay AS day FROM Customer
       WHERE ownerId = ? AND birthdayMonth = ? AND birthdayDay = ? AND greetingOptOut = 0`,
    ),
    // Plans opened since the rep's agenda that went out before this one (a skipped or missed agenda passes them on), most at stake first.
    winbacks: sqlite.prepare(
      `SELECT c.id, c.externalId, c.name, e.deadline, s.tier, ${AT_STAKE_SQL} AS atStakeMinor, s.crossSell, s.crossSellFrom
       FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId
         LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
       WHERE c.ownerId = @rep AND e.status = 'open' AND e.startedAt <= @before AND e.startedAt > COALESCE(
         (SELECT MAX(n.sentAt) FROM Nudge n WHERE n.kind = 'agenda' AND n.targetId = @rep AND n.status = 'sent' AND n.sentAt < @before), -1)
       ORDER BY atStakeMinor DESC, e.startedAt, c.id`,
    ),
    atRisk: sqlite.prepare(
      `SELECT c.id, c.externalId, c.name, cur.churnRisk FROM ScoreSnapshot cur JOIN Customer c ON c.id = cur.customerId
         LEFT JOIN ScoreSnapshot prev ON prev.customerId = cur.customerId
           AND prev.week = (SELECT MAX(week) FROM ScoreSnapshot WHERE week < cur.week)
       WHERE c.ownerId = ? AND cur.week = (SELECT MAX(week) FROM ScoreSnapshot) AND cur.lifecycle = 'at_risk'
         AND (prev.lifecycle IS NULL OR prev.lifecycle != 'at_risk') AND cur.computedAt > ?
       ORDER BY cur.churnRisk DESC, c.id`,
    ),
    // Check-ins due by tonight that the daily limit held back (db/check-ins.ts keeps checkInDueAt).
    waitingCheckIns: sqlite
      .prepare(
        `SELECT COUNT(*) FROM Customer c WHERE c.ownerId = ? AND c.checkInDueAt < ? AND c.status != 'lost'
           AND NOT EXISTS (SELECT 1 FROM Callback k WHERE k.customerId = c.id AND k.status = 'open')`,
      )
      .pluck(),
    teamSettings: sqlite.prepare('SELECT settings FROM Team WHERE id = ?').pluck(),
    reorders: createReorderReads(sqlite),
  };

  return {
    /** Who a row goes to now: a callback ping goes to whoever owns the callback when it is sent (its customer may have moved). */
    target(row: Pick<NudgeRow, 'kind' | 'targetKind' | 'targetId' | 'payload'>): { targetKind: 'rep' | 'team'; targetId: number } {
      if (row.kind === 'complaint') return ticketTarget(row);
      if (row.kind !== 'callback') return row;
      const owner = callbackOwner.get(row.payload) as number | undefined;
      return owner === undefined ? row : { targetKind: 'rep', targetId: owner };
    },
    inBook: (customerId: number, repId: number) => inBook.get(customerId, repId) !== undefined,
    reader(targetKind: 'rep' | 'team', targetId: number): ReaderRow | null {
      if (targetKind === 'rep') {
        const r = rep.get(targetId) as
          | { id: number; name: string; slackUserId: string | null; discordUserId: string | null; locale: string | null; zone: string | null; teamId: number | null; teamName: string | null; agendaHour: number; active: number; preferred: string | null }
          | undefined;
        if (!r || r.active !== 1) return null;
        const preferred = r.preferred && isChatPlatform(r.preferred) ? r.preferred : null;
        return { kind: 'rep', id: r.id, name: r.name, addresses: addressesOf(r), preferred, locale: r.locale, zone: r.zone, teamId: r.teamId, teamName: r.teamName, agendaHour: r.agendaHour };
      }
      const t = team.get(targetId) as
        | { id: number; name: string; slackChannelId: string | null; discordChannelId: string | null; locale: string; zone: string }
        | undefined;
      if (!t) return null;
      const addresses = addressesOf({ slackUserId: t.slackChannelId, discordUserId: t.discordChannelId });
      return { kind: 'team', id: t.id, name: t.name, addresses, preferred: null, locale: t.locale, zone: t.zone, teamId: t.id, teamName: t.name, agendaHour: 9 };
    },
    customer: (id: number | null) => (id === null ? undefined : (customer.get(id) as CustomerInfo | undefined)),
    reorder: (nudgeId: number, now: number) => agenda.reorders.alone(nudgeId, now),
    callback: (id: number) => callback.get(id) as { status: string; dueAt: number; note: string; customerName: string } | undefined,
    hasNewerDigest: (targetId: number, dueAt: number, now: Date) => newerDigest.get(targetId, dueAt, now.getTime()) !== undefined,

    /**
     * What a rep's agenda for `date` holds, as of `now`. `sentAt`: when this agenda (nudge
     * `agendaId`) went out, when it is drawn again after a button press (its win-back plans and
     * the reorder reminders it carried stay on it).
     */
    agenda(repId: number, date: LocalDate, zone: string, agendaHour: number, teamId: number | null, now: Date, agendaId: number, sentAt: number | null): AgendaData {
      const start = startOfLocalDay(date, zone).getTime();
      const end = startOfLocalDay(addDays(date, 1), zone).getTime();
      const coming = datesFrom(date, 7);
      const birthdays = birthdayKeysFor(coming)
        .flatMap((key) => agenda.birthdays.all(repId, key.month, key.day) as { id: number; externalId: string; name: string; month: number; day: number }[])
        .map((c) => ({ id: c.id, externalId: c.externalId, name: c.name, on: coming.find((d) => isBirthdayOn(c, d)) }))
        .filter((c): c is typeof c & { on: LocalDate } => c.on !== undefined)
        .sort((a, b) => isoDate(a.on).localeCompare(isoDate(b.on)) || a.id - b.id);
      // "New" at-risk means since the previous working day's agenda.
      const since = previousAgendaSlot(zone, agendaHour, date).dueAt.getTime();
      const before = sentAt ?? now.getTime();
      const winbacks = agenda.winbacks.all({ rep: repId, before }) as AgendaData['winbacks'];
      const winbackIds = new Set(winbacks.map((w) => w.id));
      const atRisk = (agenda.atRisk.all(repId, since) as AgendaData['atRisk']).filter((c) => !winbackIds.has(c.id));
      const settings = parseTeamSettings(teamId === null ? '{}' : (agenda.teamSettings.get(teamId) as string | undefined)).settings.schedule;
      return {
        overdue: agenda.callbacks.all(repId, 0, start) as AgendaCallback[],
        today: agenda.callbacks.all(repId, start, end) as AgendaCallback[],
        birthdays,
        winbacks,
        atRisk,
        reorders: sentAt === null ? agenda.reorders.due(repId, now.getTime()) : agenda.reorders.carriedBy(agendaId, sentAt),
        waitingCheckIns: agenda.waitingCheckIns.get(repId, end) as number,
        checkInsPerDay: settings.checkInsPerDay,
      };
    },
  };
}

export type NudgeData = ReturnType<typeof createNudgeData>;

/** Who a row goes to, with their addresses: enough to route it before drawing the message. */
export function createRecipientLookup(sqlite: Sqlite): (row: NudgeRow) => Recipient | null {
  const data = createNudgeData(sqlite);
  return (row) => {
    const { targetKind, targetId } = data.target(row);
    const r = data.reader(targetKind, targetId);
    return r ? recipientOf(r) : null;
  };
}

export function recipientOf(r: ReaderRow): Recipient {
  return r.kind === 'rep'
    ? { kind: 'rep', repId: r.id, name: r.name, addresses: r.addresses, preferred: r.preferred }
    : { kind: 'team', teamId: r.id, name: r.name, addresses: r.addresses, preferred: r.preferred };
}
