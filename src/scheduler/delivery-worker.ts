import type { Logger } from '../logger.js';
import type { Random } from '../domain/random.js';
import { isExhausted, rateLimitPauseMs, retryDelayMs, type RetryPolicy } from '../domain/schedule/retry.js';
import { NotifierError, type Notifier } from './notifier.js';
import type { NudgeRenderer } from './nudge-renderer.js';
import type { Outbox } from './outbox.js';

/** Sent this long after its time, a nudge is marked late (the bot was down or throttled). */
export const LATE_AFTER_MS = 10 * 60_000;
/** A claim older than this belongs to a worker that died; another worker may take the row. */
export const CLAIM_LEASE_MS = 5 * 60_000;

export interface DeliveryDeps {
  outbox: Outbox;
  render: NudgeRenderer;
  notifier: Notifier;
  retry: RetryPolicy;
  random: Random;
  /** A fresh claim token per batch (e.g. crypto.randomUUID), naming this worker in the row. */
  newClaimToken: () => string;
  logger: Pick<Logger, 'warn' | 'error'>;
}

export interface DeliveryReport {
  claimed: number;
  sent: number;
  skipped: number;
  retried: number;
  dead: number;
  /** The platform asked us to wait: the rest of the batch went back to pending until then. */
  pausedUntil: Date | null;
}

/**
 * One delivery pass: claim due rows, then for each render, send, mark sent — in that order,
 * so a crash leaves at most the one in-flight row to be sent again after its lease (at least
 * once, never lost). Each row is handled on its own: one failure never stops the batch,
 * except a rate limit, which pauses the whole pass rather than hammering the platform.
 */
export async function deliverDue(now: Date, deps: DeliveryDeps, batchSize = 50): Promise<DeliveryReport> {
  const token = deps.newClaimToken();
  const rows = deps.outbox.claimDue(now, batchSize, token, CLAIM_LEASE_MS);
  const report: DeliveryReport = { claimed: rows.length, sent: 0, skipped: 0, retried: 0, dead: 0, pausedUntil: null };
  for (const row of rows) {
    const late = now.getTime() - row.dueAt > LATE_AFTER_MS;
    try {
      const prepared = await deps.render(row, now, late);
      if (prepared.action === 'skip') {
        deps.outbox.markSkipped(row.id, token, prepared.reason, now);
        report.skipped++;
        continue;
      }
      await deps.notifier.deliver(prepared.notification);
      deps.outbox.markSent(row.id, token, now, late);
      report.sent++;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof NotifierError && error.retryAfterMs !== undefined) {
        const until = new Date(now.getTime() + rateLimitPauseMs(error.retryAfterMs, deps.random));
        deps.outbox.deferUncounted(row.id, token, message, until);
        deps.outbox.release(token, until);
        report.pausedUntil = until;
        deps.logger.warn({ nudge: row.dedupeKey, retryAfterMs: error.retryAfterMs }, 'rate limited; pausing delivery');
        return report;
      }
      if ((error instanceof NotifierError && error.permanent) || isExhausted(row.attempts, deps.retry)) {
        deps.outbox.markDead(row.id, token, message);
        report.dead++;
        deps.logger.error({ nudge: row.dedupeKey, attempts: row.attempts, err: message }, 'nudge is dead');
      } else {
        deps.outbox.retryAt(row.id, token, message, new Date(now.getTime() + retryDelayMs(row.attempts, deps.retry, deps.random)));
        report.retried++;
        deps.logger.warn({ nudge: row.dedupeKey, attempts: row.attempts, err: message }, 'nudge failed; will retry');
      }
    }
  }
  return report;
}
