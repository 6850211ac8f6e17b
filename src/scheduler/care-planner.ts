import { followUpRatings, openTickets } from '../db/care-writes.js';
import { createPlanWrites, readTeamSettings } from '../db/stores/planning-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { inGroups, type WriteBatch } from '../db/write-slices.js';
import { DAY_MS } from '../domain/calendar.js';
import { nextAgendaSlot, previousAgendaSlot } from '../domain/schedule/agenda.js';
import { CARE_FOLLOW_UP_DAYS, LOW_RATING, WELCOME_WINDOW_DAYS } from '../domain/schedule/care.js';
import { holidaysBetween } from '../domain/schedule/holidays.js';
import { addDays, atLocalTime, isoDate, localDateOf } from '../domain/schedule/local-time.js';
import type { CarePlanningStore } from './care-planning-store.js';
import type { PlannedNudge } from './outbox.js';
import type { RepInfo, TeamInfo } from './planning-store.js';

/** What care planning writes besides nudges: tickets of imported complaints, follow-ups, stage callbacks. */
export interface CarePlan {
  tickets: { interactionId: number; customerId: number; loggedBy: number | null; text: string; at: Date }[];
  ratingFollowUps: { interactionId: number; at: Date }[];
  /** 欢迎计划: a welcome call after the first purchase, a nudge for the second; untimed, on the owner's agenda. */
  stageCallbacks: { customerId: number; ownerId: number; dueAt: Date; source: 'welcome' | 'second-order'; dedupeKey: string }[];
}

export const emptyCarePlan = (): CarePlan => ({ tickets: [], ratingFollowUps: [], stageCallbacks: [] });

/** Runs `work` on each item; one that throws is a failure of the plan, and the rest go on. */
export type Each = <T>(items: Iterable<T>, name: (item: T) => string, work: (item: T) => void | Promise<void>) => Promise<void>;

interface CareContext {
  /** The planner's window (PlanningWindow): time-derived nudges from `from`, complaints from `callbacksFrom`. */
  window: { from: Date; to: Date; callbacksFrom: Date };
  now: Date;
  teamId: number | undefined;
  reps: ReadonlyMap<number, RepInfo>;
  teams: ReadonlyMap<number, TeamInfo>;
  nudges: PlannedNudge[];
  care: CarePlan;
  externalIds: Map<number, string>;
  each: Each;
}

/** Dedupe keys of the care nudges: each goes out once. */
export const careKey = {
  complaint: (ticketId: number) => `complaint:${ticketId}`,
  escalation: (ticketId: number, managerId: number) => `escalation:${ticketId}:${managerId}`,
  ratingEscalation: (interactionId: number, managerId: number) => `escalation:rating:${interactionId}:${managerId}`,
  holiday: (customerId: number, date: string, holiday: string) => `holiday:${customerId}:${date}:${holiday}`,
  holidayList: (teamId: number, date: string, holiday: string) => `holiday-list:${teamId}:${date}:${holiday}`,
  winbackReminder: (customerId: number, episode: number, deadline: number) => `winback:${customerId}:${episode}:reminder:${new Date(deadline).toISOString()}`,
  winbackLost: (customerId: number, episode: number) => `winback:${customerId}:${episode}:lost`,
};

/**
 * The care part of a planning run (issue 17), in its own file so the shared planner only calls
 * it: complaint nudges and escalations (also in the every-minute `callbacks` scope, so a new
 * complaint reaches its owner at once), tickets for imported complaints, low-rating follow-ups,
 * welcome and second-order callbacks, and holiday greetings.
 */
export async function planCare(store: CarePlanningStore, context: CareContext, scope: 'all' | 'callbacks'): Promise<void> {
  await planComplaints(store, context);
  if (scope === 'callbacks') return;
  await planStageCallbacks(store, context);
  await planHolidays(store, context);
}

async function planComplaints(store: CarePlanningStore, c: CareContext): Promise<void> {
  const { window, now, nudges } = c;
  const escalateTo = await store.escalationTargets();
  const tickets = await store.ticketsToNudge(window.callbacksFrom, window.to, c.teamId);
  await c.each(tickets.opened, (t) => `ticket ${t.id}`, (ticket) => {
    if (ticket.ownerId === null) return;
    c.externalIds.set(ticket.customerId, ticket.externalId);
    nudges.push({
      kind: 'complaint', dedupeKey: careKey.complaint(ticket.id), dueAt: new Date(ticket.openedAt),
      target: { kind: 'rep', id: ticket.ownerId }, customerId: ticket.customerId, payload: { ticketId: ticket.id },
    });
  });
  // The escalation is due at the deadline; if the ticket is resolved by then it is skipped, so it fires once at most.
  await c.each(tickets.due, (t) => `ticket ${t.id}`, (ticket) => {
    c.externalIds.set(ticket.customerId, ticket.externalId);
    for (const manager of escalateTo(ticket.teamId)) {
      nudges.push({
        kind: 'escalation', dedupeKey: careKey.escalation(ticket.id, manager), dueAt: new Date(ticket.deadline),
        target: { kind: 'rep', id: manager }, customerId: ticket.customerId, payload: { ticketId: ticket.id },
      });
    }
  });
  // Complaints and ratings logged by any path (an import included), if recent enough to act on.
  const since = new Date(Math.max(window.callbacksFrom.getTime(), now.getTime() - CARE_FOLLOW_UP_DAYS * DAY_MS));
  await c.each(await store.recentInteractions(since, now, c.teamId), (i) => `interaction ${i.id}`, (interaction) => {
    c.externalIds.set(interaction.customerId, interaction.externalId);
    if (interaction.kind === 'complaint' && !interaction.hasTicket) {
      c.care.tickets.push({ interactionId: interaction.id, customerId: interaction.customerId, loggedBy: interaction.repId, text: interaction.text, at: new Date(interaction.at) });
    }
    if (interaction.satisfaction === null || interaction.satisfaction > LOW_RATING) return;
    if (!interaction.hasFollowUp) c.care.ratingFollowUps.push({ interactionId: interaction.id, at: new Date(interaction.at) });
    // 满意度: the manager hears of a low rating.
    for (const manager of escalateTo(interaction.teamId)) {
      nudges.push({
        kind: 'escalation', dedupeKey: careKey.ratingEscalation(interaction.id, manager), dueAt: new Date(interaction.at),
        target: { kind: 'rep', id: manager }, customerId: interaction.customerId, payload: { interactionId: interaction.id, rating: interaction.satisfaction },
      });
    }
  });
}

async function planStageCallbacks(store: CarePlanningStore, c: CareContext): Promise<void> {
  const { now } = c;
  const place = (ownerId: number, at: number) => {
    const owner = c.reps.get(ownerId);
    return owner ? nextAgendaSlot(owner.zone, owner.agendaHour, new Date(Math.max(at, now.getTime()))).dueAt : null;
  };
  const welcomeFrom = new Date(now.getTime() - WELCOME_WINDOW_DAYS * DAY_MS);
  await c.each(await store.firstPurchases(welcomeFrom, now, c.teamId), (s) => `customer ${s.customerId}`, (first) => {
    const dueAt = place(first.ownerId, first.at);
    if (!dueAt) return;
    c.externalIds.set(first.customerId, first.externalId);
    c.care.stageCallbacks.push({ customerId: first.customerId, ownerId: first.ownerId, dueAt, source: 'welcome', dedupeKey: `welcome:${first.customerId}` });
  });
  await c.each(await store.secondOrderDue(now, c.teamId), (s) => `customer ${s.customerId}`, (single) => {
    const dueAt = place(single.ownerId, now.getTime());
    if (!dueAt) return;
    c.externalIds.set(single.customerId, single.externalId);
    const key = `second-order:${single.customerId}:${isoDate(localDateOf(new Date(single.at), 'UTC'))}`;
    c.care.stageCallbacks.push({ customerId: single.customerId, ownerId: single.ownerId, dueAt, source: 'second-order', dedupeKey: key });
  });
}

/**
 * 节假日关怀: the day before each team holiday, one `holiday` nudge per customer to greet, due
 * at the owner's last agenda before the holiday (the agenda carries them), and one
 * `holiday-list` with the count for the team channel at 09:00 the day before.
 */
async function planHolidays(store: CarePlanningStore, c: CareContext): Promise<void> {
  const { window } = c;
  const reps = [...c.reps.values()].filter((r) => r.ownsCustomers && r.teamId !== null);
  await c.each(c.teams.values(), (t) => `team ${t.id}`, async (team) => {
    // Holidays whose eve can fall in the window: up to 4 days on (a Monday holiday's agenda is the Friday before).
    const from = localDateOf(window.from, team.zone);
    const holidays = holidaysBetween(team.settings.holidays, team.locale, from, addDays(localDateOf(window.to, team.zone), 4));
    for (const holiday of holidays) {
      const date = isoDate(holiday.date);
      const listAt = atLocalTime(addDays(holiday.date, -1), 9, team.zone);
      if (listAt >= window.from && listAt <= window.to) {
        c.nudges.push({
          kind: 'holiday-list', dedupeKey: careKey.holidayList(team.id, date, holiday.id), dueAt: listAt,
          target: { kind: 'team', id: team.id }, customerId: null, payload: { date, holiday: holiday.id, name: holiday.name },
        });
      }
      for (const rep of reps.filter((r) => r.teamId === team.id)) {
        const slot = previousAgendaSlot(rep.zone, rep.agendaHour, holiday.date).dueAt;
        if (slot < window.from || slot > window.to) continue;
        const customers = await store.holidayCustomers(rep.id);
        // Planned once per rep and slot: a book already in the outbox is not offered again every 15 minutes.
        if ((await store.plannedHolidays(rep.id, slot)) >= customers.length) continue;
        for (const customer of customers) {
          c.externalIds.set(customer.id, customer.externalId);
          c.nudges.push({
            kind: 'holiday', dedupeKey: careKey.holiday(customer.id, date, holiday.id), dueAt: slot,
            target: { kind: 'rep', id: rep.id }, customerId: customer.id, payload: { date, holiday: holiday.id, name: holiday.name },
          });
        }
      }
    }
  });
}

/** Care writes per batch: each a few statements. */
const CARE_BATCH = 50;

/** The care plan as write batches for applyPlan: every write is keyed, so applying twice changes nothing. */
export function careBatches(care: CarePlan, now: Date, applied: { careChanges: number }): WriteBatch[] {
  return [
    ...inGroups(care.tickets, CARE_BATCH).map((tickets) => async (trx: StoreHandle) => {
      const opened = await openTickets(trx.kysely, tickets, await readTeamSettings(trx));
      applied.careChanges += opened.filter((id) => id !== null).length;
    }),
    ...inGroups(care.ratingFollowUps, CARE_BATCH).map((ratings) => async (trx: StoreHandle) => {
      applied.careChanges += (await followUpRatings(trx.kysely, ratings)).filter((followUp) => followUp !== null).length;
    }),
    ...inGroups(care.stageCallbacks, CARE_BATCH).map((callbacks) => async (trx: StoreHandle) => {
      const rows = callbacks.map((k) => ({ customerId: k.customerId, ownerId: k.ownerId, dueAt: k.dueAt.getTime(), source: k.source, dedupeKey: k.dedupeKey }));
      applied.careChanges += await createPlanWrites(trx).insertCallbacks(rows, now);
    }),
  ];
}
