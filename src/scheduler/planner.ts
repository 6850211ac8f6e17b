import { markCheckInsPlanned } from '../db/stores/check-in-store.js';
import { createOutboxStore } from '../db/stores/outbox-store.js';
import { bulkCallbackInserter, createPlanWrites } from '../db/stores/planning-store.js';
import { markReordersPlanned } from '../db/stores/reorder-store.js';
import type { StoreDatabase } from '../db/store-database.js';
import type { StoreHandle } from '../db/stores/store.js';
import { inGroups, writeInSlices, type WriteBatch, type WriteSlicing } from '../db/write-slices.js';
import { DAY_MS } from '../domain/calendar.js';
import { agendaSlotsBetween, type AgendaSlot, nextAgendaSlot } from '../domain/schedule/agenda.js';
import { birthdayKeysFor, birthdayMornings } from '../domain/schedule/birthday.js';
import { DEFAULT_CHECK_INS_PER_DAY } from '../domain/schedule/cadence.js';
import { dedupeKey } from '../domain/schedule/dedupe-keys.js';
import { digestSlotsBetween } from '../domain/schedule/digest-slot.js';
import { addDays, atLocalTime, isoDate, localDateOf, localDatesBetween, weekdayOf } from '../domain/schedule/local-time.js';
import { DEFAULT_WINBACK_DAYS, DEFAULT_WINBACK_TRIAGE, decideWinback, triageWinbacks, WINBACK_REMINDER_DAYS } from '../domain/schedule/winback.js';
import { careBatches, careKey, emptyCarePlan, planCare, type CarePlan, type Each } from './care-planner.js';
import type { PlannedNudge } from './outbox.js';
import { plannedKey, type CadenceCandidate, type PlanningStore, type RepInfo, type TeamInfo } from './planning-store.js';
import { reorderNudge } from './reorder-planning.js';

/**
 * The span a planning run covers. `from` is where time-derived nudges (birthdays, agendas)
 * start: the previous run, so a restart plans what fell due while the bot was down.
 */
export interface PlanningWindow {
  from: Date;
  to: Date;
  /** Digests look further back than the rest so that one missed digest still goes out. */
  digestFrom: Date;
  /** Timed callbacks due since then are pinged even when created with a time already past. */
  callbacksFrom: Date;
}

/** A cadence check-in: an untimed callback for the agenda, not a ping. */
export interface PlannedCallback {
  customerId: number;
  externalId: string;
  ownerId: number;
  dueAt: Date;
  dedupeKey: string;
}

export type WinbackChange =
  | { kind: 'open'; customerId: number; episode: number; startedAt: number; deadline: number }
  | { kind: 'won' | 'lost'; customerId: number; episode: number; at: number };

export interface Plan {
  nudges: PlannedNudge[];
  cadenceCallbacks: PlannedCallback[];
  winbackChanges: WinbackChange[];
  /** The win-back plans this run opens, and the agenda that will list each (for previews). */
  winbackPlans: { customerId: number; ownerId: number; agendaAt: Date }[];
  /** Customers whose reorder nudge this plan holds (cleared from the planner's due list once written). */
  reorders: number[];
  /** Targets that could not be planned; the rest of the batch went on. */
  failures: { target: string; error: string }[];
  /** Teams whose stored settings are broken: planned with the defaults, one log line each. */
  settingsProblems: string[];
  /** External ids of the customers the nudges are about, for previews. */
  externalIds: Map<number, string>;
  /** Tickets, follow-ups and stage callbacks (care-planner.ts). */
  care: CarePlan;
}

/** `callbacks` plans only timed-callback pings: cheap enough to run every minute. */
export type PlanningScope = 'all' | 'callbacks';

export interface PlanOptions {
  teamId?: number;
  scope?: PlanningScope;
}

/**
 * Works out every nudge, cadence callback and win-back change the database calls for in the
 * window, without writing anything: the live scheduler applies the plan, the preview prints it.
 */
export async function collectPlan(store: PlanningStore, window: PlanningWindow, now: Date, options: PlanOptions = {}): Promise<Plan> {
  const loaded = await store.teams(options.teamId);
  const plan: Plan = {
    nudges: [], cadenceCallbacks: [], winbackChanges: [], winbackPlans: [], reorders: [], failures: [], settingsProblems: loaded.settingsProblems, externalIds: new Map(), care: emptyCarePlan(),
  };
  const teams = new Map(loaded.teams.map((t) => [t.id, t]));
  const reps = await store.reps(options.teamId);
  const repsById = new Map(reps.map((r) => [r.id, r]));
  const each: Each = async <T>(items: Iterable<T>, name: (item: T) => string, work: (item: T) => void | Promise<void>) => {
    for (const item of items) {
      try {
        await work(item);
      } catch (error) {
        plan.failures.push({ target: name(item), error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  const teamOf = (rep: RepInfo | undefined): TeamInfo | undefined => (rep?.teamId == null ? undefined : teams.get(rep.teamId));

  await each(await store.openTimedCallbacks(window.callbacksFrom, window.to, options.teamId), (c) => `callback ${c.id}`, (callback) => {
    const dueAt = new Date(callback.dueAt);
    plan.externalIds.set(callback.customerId, callback.externalId);
    plan.nudges.push({
      kind: 'callback',
      dedupeKey: dedupeKey.callback(callback.id, dueAt),
      dueAt,
      target: { kind: 'rep', id: callback.ownerId },
      customerId: callback.customerId,
      payload: { callbackId: callback.id, dueAt: dueAt.toISOString() },
    });
  });
  const careContext = { window, now, teamId: options.teamId, reps: repsById, teams, nudges: plan.nudges, care: plan.care, externalIds: plan.externalIds, each };
  await planCare(store.care, careContext, options.scope ?? 'all');
  if (options.scope === 'callbacks') return plan;

  const agendaSlots = agendaSlotFinder(window.from, window.to);
  await each(reps.filter((r) => r.ownsCustomers), (r) => `rep ${r.id}`, (rep) => {
    for (const slot of agendaSlots(rep)) {
      plan.nudges.push({
        kind: 'agenda',
        dedupeKey: dedupeKey.agenda(rep.id, slot.date),
        dueAt: slot.dueAt,
        target: { kind: 'rep', id: rep.id },
        customerId: null,
        payload: { date: isoDate(slot.date) },
      });
    }
  });

  await each(reps.filter((r) => r.role === 'manager'), (r) => `manager ${r.id}`, (manager) => {
    const time = teamOf(manager)?.settings.digest ?? { weekday: 1, hour: 8 };
    for (const slot of digestSlotsBetween(manager.zone, time, window.digestFrom, window.to)) {
      plan.nudges.push({
        kind: 'digest',
        dedupeKey: dedupeKey.digest(manager.id, slot.date),
        dueAt: slot.dueAt,
        target: { kind: 'rep', id: manager.id },
        customerId: null,
        payload: { date: isoDate(slot.date) },
      });
    }
  });

  await planBirthdays(store, window, options, teams, plan, each);

  await planCadences(store, window, now, reps, teams, plan, each);
  await planWinbacks(store, now, options, repsById, teams, plan, each, window);
  await planReorders(store, window, now, options, repsById, plan, each);
  return plan;
}

/** Agenda slots in [from, to] per zone and hour, worked out once: reps share a few of each. */
function agendaSlotFinder(from: Date, to: Date): (rep: RepInfo) => AgendaSlot[] {
  const slots = new Map<string, AgendaSlot[]>();
  return (rep) => {
    const key = `${rep.zone}|${rep.agendaHour}`;
    let found = slots.get(key);
    if (!found) {
      found = agendaSlotsBetween(rep.zone, rep.agendaHour, from, to);
      slots.set(key, found);
    }
    return found;
  };
}


async function planBirthdays(store: PlanningStore, window: PlanningWindow, options: PlanOptions, teams: Map<number, TeamInfo>, plan: Plan, each: Each): Promise<void> {
  // Customers' zones differ, so look up every calendar day the window touches anywhere (±1 day).
  const dates = localDatesBetween(new Date(window.from.getTime() - DAY_MS), new Date(window.to.getTime() + DAY_MS), 'UTC');
  const teamLists = new Map<string, { teamId: number; date: string; dueAt: Date; customerIds: number[] }>();
  const morningsOf = birthdayMornings(window.from, window.to);
  await each(await store.birthdayCustomers(birthdayKeysFor(dates), options.teamId), (c) => `customer ${c.id}`, (customer) => {
    for (const morning of morningsOf(customer.birthday, customer.zone)) {
      plan.externalIds.set(customer.id, customer.externalId);
      plan.nudges.push({
        kind: 'birthday',
        dedupeKey: dedupeKey.birthday(customer.id, morning.date.year),
        dueAt: morning.dueAt,
        target: { kind: 'rep', id: customer.ownerId },
        customerId: customer.id,
        payload: { date: isoDate(morning.date) },
      });
    }
    // The team channel's list is by the team's calendar day.
    const team = customer.teamId === null ? undefined : teams.get(customer.teamId);
    if (!team) return;
    for (const morning of morningsOf(customer.birthday, team.zone)) {
      const key = dedupeKey.birthdayList(team.id, morning.date);
      const list = teamLists.get(key) ?? { teamId: team.id, date: isoDate(morning.date), dueAt: morning.dueAt, customerIds: [] };
      list.customerIds.push(customer.id);
      teamLists.set(key, list);
    }
  });
  for (const [key, list] of teamLists) {
    plan.nudges.push({
      kind: 'birthday-list',
      dedupeKey: key,
      dueAt: list.dueAt,
      target: { kind: 'team', id: list.teamId },
      customerId: null,
      payload: { date: list.date, customerIds: list.customerIds.sort((a, b) => a - b) },
    });
  }
}

async function planCadences(
  store: PlanningStore, window: PlanningWindow, now: Date, reps: readonly RepInfo[], teams: Map<number, TeamInfo>, plan: Plan, each: Each,
): Promise<void> {
  // A check-in lands on the owner's agenda: the first slot at or after it is due that has room.
  const slotsOf = agendaSlotFinder(now, window.to);
  const settingsOf = (rep: RepInfo) => (rep.teamId === null ? undefined : teams.get(rep.teamId))?.settings;
  const planned = await store.plannedCheckIns(now, window.to);
  const rooms = new Map<RepInfo, { slot: AgendaSlot; free: number }[]>();
  await each(reps.filter((r) => r.ownsCustomers), (r) => `rep ${r.id}`, (rep) => {
    const limit = settingsOf(rep)?.checkInsPerDay ?? DEFAULT_CHECK_INS_PER_DAY;
    rooms.set(rep, slotsOf(rep).map((slot) => ({ slot, free: Math.max(0, limit - (planned.get(plannedKey(rep.id, slot.dueAt.getTime())) ?? 0)) })));
  });
  // Every rep's candidates in one read: a read per rep cost more than the reads themselves.
  const free = new Map([...rooms].map(([rep, room]) => [rep.id, room.reduce((n, r) => n + r.free, 0)]));
  let candidates = new Map<number, CadenceCandidate[]>();
  await each([free], () => 'cadence check-ins', async () => void (candidates = await store.cadenceCandidates(free, window.to)));
  await each(rooms, ([rep]) => `rep ${rep.id}`, ([rep, room]) => {
    for (const customer of candidates.get(rep.id) ?? []) {
      const due = Math.max(customer.dueAt, now.getTime());
      const place = room.find((r) => r.free > 0 && r.slot.dueAt.getTime() >= due);
      if (!place) continue;
      place.free--;
      plan.externalIds.set(customer.id, customer.externalId);
      plan.cadenceCallbacks.push({
        customerId: customer.id,
        externalId: customer.externalId,
        ownerId: rep.id,
        dueAt: place.slot.dueAt,
        dedupeKey: dedupeKey.cadence(customer.id, new Date(customer.lastTouch)),
      });
    }
  });
}

async function planWinbacks(
  store: PlanningStore, now: Date, options: PlanOptions, reps: Map<number, RepInfo>,
  teams: Map<number, TeamInfo>, plan: Plan, each: Each, window: PlanningWindow,
): Promise<void> {
  const candidates = await store.winbackCandidates(options.teamId);
  const settingsOf = (ownerId: number) => {
    const owner = reps.get(ownerId);
    return owner?.teamId == null ? undefined : teams.get(owner.teamId)?.settings;
  };
  const opens: { candidate: (typeof candidates)[number]; decision: Extract<ReturnType<typeof decideWinback>, { kind: 'open' }> }[] = [];
  await each(candidates, (c) => `customer ${c.customerId}`, (candidate) => {
    const owner = reps.get(candidate.ownerId);
    if (!owner) return;
    const decision = decideWinback(candidate, now.getTime(), settingsOf(owner.id)?.winbackDays ?? DEFAULT_WINBACK_DAYS);
    plan.externalIds.set(candidate.customerId, candidate.externalId);
    if (decision.kind === 'open') return void opens.push({ candidate, decision });
    if (decision.kind !== 'none') plan.winbackChanges.push({ ...decision, customerId: candidate.customerId });
    const nudge = (outcome: string, dedupe: string, dueAt: Date, payload: Record<string, unknown>) =>
      plan.nudges.push({ kind: 'winback', dedupeKey: dedupe, dueAt, target: { kind: 'rep', id: owner.id }, customerId: candidate.customerId, payload: { outcome, tier: candidate.tier, ...payload } });
    if (decision.kind === 'won') nudge('won', dedupeKey.winbackWon(candidate.customerId, decision.episode), now, { episode: decision.episode, orderedAt: new Date(decision.at).toISOString() });
    // A plan that ran out: the owner says why (the reasons are counted in the digest).
    if (decision.kind === 'lost') nudge('lost', careKey.winbackLost(candidate.customerId, decision.episode), now, { episode: decision.episode });
    const open = candidate.open;
    if (decision.kind === 'none' && open && open.deadline - open.startedAt > WINBACK_REMINDER_DAYS * DAY_MS) {
      // Reminded once, on the agenda day a week before the deadline (a moved deadline has its own reminder).
      const remindAt = nextAgendaSlot(owner.zone, owner.agendaHour, new Date(open.deadline - WINBACK_REMINDER_DAYS * DAY_MS)).dueAt;
      if (remindAt >= window.from && remindAt <= window.to && remindAt.getTime() < open.deadline) {
        nudge('reminder', careKey.winbackReminder(candidate.customerId, open.episode, open.deadline), remindAt, { episode: open.episode, deadline: new Date(open.deadline).toISOString() });
      }
    }
  });
  // 侧重于对价值高的客户进行补救: only the customers triage finds worth saving get a plan; the rest are on the light-touch list.
  const weekStart = startOfIsoWeek(now);
  const opened = await store.care.plansOpenedSince(weekStart);
  const chosen = triageWinbacks(
    opens.map((entry) => ({ customerId: entry.candidate.customerId, ownerId: entry.candidate.ownerId, tier: entry.candidate.tier, atStakeMinor: entry.candidate.atStakeMinor, entry })),
    (ownerId) => settingsOf(ownerId)?.winbackTriage ?? DEFAULT_WINBACK_TRIAGE,
    (ownerId) => opened.get(ownerId) ?? 0,
  );
  for (const { entry: { candidate, decision } } of chosen) {
    const owner = reps.get(candidate.ownerId)!;
    plan.winbackChanges.push({ ...decision, customerId: candidate.customerId });
    // Listed in the owner's next morning agenda, with the others of the day: not a ping of its own.
    const agendaAt = nextAgendaSlot(owner.zone, owner.agendaHour, new Date(decision.startedAt)).dueAt;
    plan.winbackPlans.push({ customerId: candidate.customerId, ownerId: owner.id, agendaAt });
  }
}

/** Monday 00:00 UTC of `now`'s ISO week: the top-N triage's weekly budget starts there. */
function startOfIsoWeek(now: Date): Date {
  const date = localDateOf(now, 'UTC');
  return atLocalTime(addDays(date, 1 - weekdayOf(date)), 0, 'UTC');
}

async function planReorders(store: PlanningStore, window: PlanningWindow, now: Date, options: PlanOptions, reps: Map<number, RepInfo>, plan: Plan, each: Each): Promise<void> {
  await each(await store.reorderCandidates(window.to, options.teamId), (c) => `customer ${c.customerId}`, (candidate) => {
    const owner = reps.get(candidate.ownerId);
    const nudge = owner ? reorderNudge(candidate, owner, now, window.to) : null;
    if (!nudge) return;
    plan.externalIds.set(candidate.customerId, candidate.externalId);
    plan.nudges.push(nudge);
    plan.reorders.push(candidate.customerId);
  });
}

export interface AppliedPlan {
  nudges: number;
  cadenceCallbacks: number;
  winbackChanges: number;
  /** Tickets, follow-ups and stage callbacks written. */
  careChanges: number;
}

/** Plan items written per batch: a millisecond or two, since a waiting writer gets the lock only between batches. */
const APPLY_BATCH = 50;

/**
 * Writes a plan: in one transaction, or in short ones that share the write lock (`slicing`).
 * Nudges and callbacks are inserted by dedupe key, so applying the same plan twice changes
 * nothing, and a crash between two slices leaves nothing a rerun would not finish; episode
 * changes are guarded by status. Each batch is a few set-based statements.
 */
export async function applyPlan(db: StoreDatabase, plan: Plan, now: Date, slicing?: WriteSlicing): Promise<AppliedPlan> {
  const applied: AppliedPlan = { nudges: 0, cadenceCallbacks: 0, winbackChanges: 0, careChanges: 0 };
  const insertCallbacks = bulkCallbackInserter(db);
  const batches: WriteBatch[] = [
    ...inGroups(plan.winbackChanges, APPLY_BATCH).map((changes) => async (trx: StoreHandle) => {
      const writes = createPlanWrites(trx);
      applied.winbackChanges += await writes.openEpisodes(changes.filter((c) => c.kind === 'open'));
      for (const change of changes) {
        if (change.kind !== 'open' && (await writes.closeEpisode(change, now))) applied.winbackChanges++;
      }
    }),
    ...inGroups(plan.cadenceCallbacks, APPLY_BATCH).map((callbacks) => async (trx: StoreHandle) => {
      const rows = callbacks.map((c) => ({ customerId: c.customerId, ownerId: c.ownerId, dueAt: c.dueAt.getTime(), source: 'cadence' as const, dedupeKey: c.dedupeKey }));
      applied.cadenceCallbacks += await insertCallbacks(trx, rows, now);
      await markCheckInsPlanned(trx, callbacks.map((c) => c.customerId));
    }),
    ...careBatches(plan.care, now, applied),
    ...inGroups(plan.nudges, APPLY_BATCH).map((nudges) => async (trx: StoreHandle) => {
      applied.nudges += await createOutboxStore(trx).insert(nudges, now);
    }),
    // After the nudges: a crash between the two plans them again, and the dedupe key keeps one.
    ...inGroups(plan.reorders, APPLY_BATCH).map((customerIds) => (trx: StoreHandle) => markReordersPlanned(trx, customerIds)),
  ];
  await writeInSlices(db, batches, slicing);
  return applied;
}
