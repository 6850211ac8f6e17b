import type { Birthday } from '../domain/schedule/birthday.js';
import type { ScheduleSettings } from '../domain/schedule/schedule-settings.js';
import type { WinbackState } from '../domain/schedule/winback.js';
import type { CarePlanningStore } from './care-planning-store.js';

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

/**
 * What the planner reads, each read bounded by an index: the planner runs every 15 minutes.
 * On either engine: src/db/stores/planning-store.ts.
 */
export interface PlanningStore {
  /** The teams with their settings, and a line for each team whose stored settings were broken (defaults used). */
  teams(teamId?: number): Promise<{ teams: TeamInfo[]; settingsProblems: string[] }>;
  reps(teamId?: number): Promise<RepInfo[]>;
  birthdayCustomers(keys: readonly Birthday[], teamId?: number): Promise<BirthdayCustomer[]>;
  /** Cadence check-ins already planned (any status) per rep and agenda slot in [from, to], by `plannedKey`. */
  plannedCheckIns(from: Date, to: Date): Promise<Map<string, number>>;
  /**
   * Each rep's customers, not lost, with no open callback, whose unplanned check-in is due by
   * `dueBy`: most overdue first, at most the rep's limit (`limits`: rep id → limit), by rep id.
   */
  cadenceCandidates(limits: ReadonlyMap<number, number>, dueBy: Date): Promise<Map<number, CadenceCandidate[]>>;
  openTimedCallbacks(from: Date, to: Date, teamId?: number): Promise<TimedCallback[]>;
  winbackCandidates(teamId?: number): Promise<WinbackCandidate[]>;
  /** Customers of active reps whose reorder nudge is due by `dueBy` and not yet planned: most overdue first. */
  reorderCandidates(dueBy: Date, teamId?: number): Promise<ReorderCandidate[]>;
  /** The care reads (complaints, ratings, stage callbacks, holidays): care-planning-store.ts. */
  care: CarePlanningStore;
}

/** The key of `plannedCheckIns`: a rep's agenda slot. */
export function plannedKey(ownerId: number, dueAt: number): string {
  return `${ownerId}:${dueAt}`;
}
