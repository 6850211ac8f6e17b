import type { NudgeStatus } from '../domain/schedule/nudge-status.js';
import type { MessageRef } from './notifier.js';

export const NUDGE_KINDS = ['callback', 'birthday', 'birthday-list', 'winback', 'agenda', 'digest', 'complaint', 'escalation', 'holiday', 'holiday-list', 'reorder'] as const;

/**
 * Kinds that go out inside the morning agenda (a holiday's customers to greet, customers due to
 * reorder): they are claimed on their own only this long after their time, and only once no
 * agenda of theirs is still waiting to go out (after downtime the agenda carries them), when no
 * agenda carried them (it went out before they were planned, say).
 */
export const CARRIED_KINDS: readonly NudgeKind[] = ['holiday', 'reorder'];
export const CARRY_GRACE_MS = 3_600_000;
export type NudgeKind = (typeof NUDGE_KINDS)[number];

/** A nudge the planner wants in the outbox. */
export interface PlannedNudge {
  kind: NudgeKind;
  dedupeKey: string;
  dueAt: Date;
  target: { kind: 'rep' | 'team'; id: number };
  customerId: number | null;
  payload: Record<string, unknown>;
}

/** A Nudge row as stored (DateTime columns are epoch milliseconds). */
export interface NudgeRow {
  id: number;
  kind: NudgeKind;
  dedupeKey: string;
  dueAt: number;
  targetKind: 'rep' | 'team';
  targetId: number;
  customerId: number | null;
  payload: string;
  status: NudgeStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number | null;
  claimedAt: number | null;
  claimedBy: string | null;
  sentAt: number | null;
  late: number;
  messagePlatform: string | null;
  messageChannel: string | null;
  messageId: string | null;
  /** The agenda this nudge went out inside, when it was carried (CARRIED_KINDS). */
  carriedBy: number | null;
}

export interface Outbox {
  /** Inserts what is not there yet (by dedupe key); returns how many were new. */
  insert(nudges: readonly PlannedNudge[], now: Date): number;
  /**
   * Claims up to `limit` due rows for `token`: pending ones whose (retry) time has come, and
   * claimed ones whose claim is older than the lease (their worker died). Counts an attempt.
   */
  claimDue(now: Date, limit: number, token: string, leaseMs: number): NudgeRow[];
  /** Sent: `message` is where it was posted (kept so a later Done/Snooze can update it). */
  markSent(id: number, token: string, now: Date, late: boolean, message: MessageRef | null): boolean;
  markSkipped(id: number, token: string, reason: string, now: Date): boolean;
  retryAt(id: number, token: string, error: string, at: Date): boolean;
  /** Rate limited: back to pending at `at`, and the attempt is given back (the message was not at fault). */
  deferUncounted(id: number, token: string, error: string, at: Date): boolean;
  markDead(id: number, token: string, error: string): boolean;
  /** Gives back rows claimed by `token` that were not attempted (a batch stopped early), due again at `at`. */
  release(token: string, at: Date): number;
  countsByStatus(): Record<NudgeStatus, number>;
  list(statuses: readonly NudgeStatus[], limit: number): NudgeRow[];
  get(id: number): NudgeRow | null;
  /** Sent messages that show this callback and can still be updated: its ping, and agendas of its owner since `since`. */
  messagesShowingCallback(callbackId: number, since: Date): NudgeRow[];
  /** Nudges that went out inside the message `carrier` (an agenda): sent with it, where it was posted. */
  markCarried(ids: readonly number[], carrier: number, now: Date, message: MessageRef | null): number;
}
