import { addressesOf } from '../db/identity-directory.js';
import { isRowId } from '../db/lookup-keys.js';
import { createRenderStore, type AgendaAtRisk, type AgendaCallback, type AgendaWinback, type CustomerInfo, type RenderStore } from '../db/stores/render-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { previousAgendaSlot } from '../domain/schedule/agenda.js';
import { birthdayKeysFor, datesFrom, isBirthdayOn } from '../domain/schedule/birthday.js';
import { addDays, isoDate, startOfLocalDay, type LocalDate } from '../domain/schedule/local-time.js';
import { parseTeamSettings } from '../domain/team-settings.js';
import { isChatPlatform, type Addresses, type ChatPlatform } from '../domain/platform.js';
import type { Recipient } from './notifier.js';
import type { NudgeRow } from './outbox.js';
import { createReorderReads, type ReorderLine } from './reorder-agenda.js';

export type { AgendaCallback, CustomerInfo } from '../db/stores/render-store.js';

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

export interface AgendaData {
  overdue: AgendaCallback[];
  today: AgendaCallback[];
  birthdays: { id: number; externalId: string; name: string; on: LocalDate }[];
  winbacks: AgendaWinback[];
  atRisk: AgendaAtRisk[];
  reorders: ReorderLine[];
  /** Check-ins due by tonight that the daily limit held back, and that limit. */
  waitingCheckIns: number;
  checkInsPerDay: number;
}

/** An id in a nudge's JSON payload (`callbackId`, `ticketId`), null when there is none a row can have. */
function payloadId(payload: string, field: 'callbackId' | 'ticketId'): number | null {
  const value = (JSON.parse(payload) as Record<string, unknown> | null)?.[field];
  return typeof value === 'number' && isRowId(value) ? value : null;
}

/** The reads behind every nudge message: what it says is drawn from the database when it is sent. */
export function createNudgeData(store: RenderStore) {
  const reorders = createReorderReads(store);
  // A complaint's nudge goes to whoever owns the ticket when it is sent (tickets follow their customer).
  const ticketTarget = async (row: Pick<NudgeRow, 'targetKind' | 'targetId' | 'payload'>) => {
    const ticketId = payloadId(row.payload, 'ticketId');
    const owner = ticketId === null ? null : await store.ticketOwner(ticketId);
    return owner == null ? row : { targetKind: 'rep' as const, targetId: owner };
  };

  /** Who a row goes to now: a callback ping goes to whoever owns the callback when it is sent (its customer may have moved). */
  const target = async (row: Pick<NudgeRow, 'kind' | 'targetKind' | 'targetId' | 'payload'>): Promise<{ targetKind: 'rep' | 'team'; targetId: number }> => {
    if (row.kind === 'complaint') return ticketTarget(row);
    if (row.kind !== 'callback') return row;
    const callbackId = payloadId(row.payload, 'callbackId');
    const owner = callbackId === null ? undefined : await store.callbackOwner(callbackId);
    return owner === undefined ? row : { targetKind: 'rep', targetId: owner };
  };
  const reader = async (targetKind: 'rep' | 'team', targetId: number): Promise<ReaderRow | null> => {
    if (targetKind === 'rep') {
      const r = await store.rep(targetId);
      if (!r || !r.active) return null;
      const preferred = r.preferred && isChatPlatform(r.preferred) ? r.preferred : null;
      return { kind: 'rep', id: r.id, name: r.name, addresses: addressesOf(r), preferred, locale: r.locale, zone: r.zone, teamId: r.teamId, teamName: r.teamName, agendaHour: r.agendaHour };
    }
    const t = await store.team(targetId);
    if (!t) return null;
    const addresses = addressesOf({ slackUserId: t.slackChannelId, discordUserId: t.discordChannelId });
    return { kind: 'team', id: t.id, name: t.name, addresses, preferred: null, locale: t.locale, zone: t.zone, teamId: t.id, teamName: t.name, agendaHour: 9 };
  };

  return {
    target,
    /** Who reads the row now: its target as a reader, null when that rep or team is gone or inactive. */
    readerOf: async (row: Pick<NudgeRow, 'kind' | 'targetKind' | 'targetId' | 'payload'>): Promise<ReaderRow | null> => {
      const { targetKind, targetId } = await target(row);
      return reader(targetKind, targetId);
    },
    inBook: (customerId: number, repId: number) => store.inBook(customerId, repId),
    customer: async (id: number | null): Promise<CustomerInfo | undefined> => (id === null ? undefined : store.customer(id)),
    reorder: (nudgeId: number, now: number) => reorders.alone(nudgeId, now),
    callback: (id: number) => store.callback(id),
    hasNewerDigest: (targetId: number, dueAt: number, now: Date) => store.hasNewerDigest(targetId, dueAt, now.getTime()),

    /**
     * What a rep's agenda for `date` holds, as of `now`. `sentAt`: when this agenda (nudge
     * `agendaId`) went out, when it is drawn again after a button press (its win-back plans and
     * the reorder reminders it carried stay on it).
     */
    async agenda(repId: number, date: LocalDate, zone: string, agendaHour: number, teamId: number | null, now: Date, agendaId: number, sentAt: number | null): Promise<AgendaData> {
      const start = startOfLocalDay(date, zone).getTime();
      const end = startOfLocalDay(addDays(date, 1), zone).getTime();
      const coming = datesFrom(date, 7);
      // "New" at-risk means since the previous working day's agenda.
      const since = previousAgendaSlot(zone, agendaHour, date).dueAt.getTime();
      const before = sentAt ?? now.getTime();
      const [born, winbacks, risks, settingsText, overdue, today, reorderLines, waitingCheckIns] = await Promise.all([
        Promise.all(birthdayKeysFor(coming).map((key) => store.birthdays(repId, key.month, key.day))),
        store.winbacks(repId, before),
        store.atRisk(repId, since),
        teamId === null ? '{}' : store.teamSettings(teamId),
        store.agendaCallbacks(repId, 0, start),
        store.agendaCallbacks(repId, start, end),
        sentAt === null ? reorders.due(repId, now.getTime()) : reorders.carriedBy(agendaId, sentAt),
        store.waitingCheckIns(repId, end),
      ]);
      const birthdays = born
        .flat()
        .map((c) => ({ id: c.id, externalId: c.externalId, name: c.name, on: coming.find((d) => isBirthdayOn(c, d)) }))
        .filter((c): c is typeof c & { on: LocalDate } => c.on !== undefined)
        .sort((a, b) => isoDate(a.on).localeCompare(isoDate(b.on)) || a.id - b.id);
      const winbackIds = new Set(winbacks.map((w) => w.id));
      return {
        overdue,
        today,
        birthdays,
        winbacks,
        atRisk: risks.filter((c) => !winbackIds.has(c.id)),
        reorders: reorderLines,
        waitingCheckIns,
        checkInsPerDay: parseTeamSettings(settingsText).settings.schedule.checkInsPerDay,
      };
    },
  };
}

export type NudgeData = ReturnType<typeof createNudgeData>;

/**
 * Where a row goes, and the reader it was found from: delivery routes a row and then draws it at
 * once, and hands the drawing this reader (NudgeRenderer's `routed`), so one read of the rep (and
 * of a callback's or ticket's owner) serves both instead of the same reads twice per message.
 */
export interface RoutedRecipient {
  recipient: Recipient;
  reader: ReaderRow;
}

/** Who a row goes to, with their addresses: enough to route it before drawing the message. */
export function createRecipientLookup(db: StoreHandle): (row: NudgeRow) => Promise<RoutedRecipient | null> {
  const data = createNudgeData(createRenderStore(db));
  return async (row) => {
    const reader = await data.readerOf(row);
    return reader ? { recipient: recipientOf(reader), reader } : null;
  };
}

export function recipientOf(r: ReaderRow): Recipient {
  return r.kind === 'rep'
    ? { kind: 'rep', repId: r.id, name: r.name, addresses: r.addresses, preferred: r.preferred }
    : { kind: 'team', teamId: r.id, name: r.name, addresses: r.addresses, preferred: r.preferred };
}
