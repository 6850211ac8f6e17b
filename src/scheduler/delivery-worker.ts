import type { Logger } from '../logger.js';
import type { Platform } from '../domain/platform.js';
import type { Random } from '../domain/random.js';
import { isExhausted, rateLimitPauseMs, retryDelayMs, type RetryPolicy } from '../domain/schedule/retry.js';
import { NotifierError, type Notifier } from './notifier.js';
import { routeFor, type PlatformPauses } from './notifier-router.js';
import type { RoutedRecipient } from './nudge-data.js';
import type { NudgeRenderer } from './nudge-renderer.js';
import type { OutboxStore } from '../db/stores/outbox-store.js';
import type { NudgeRow } from './outbox.js';

/** Sent this long after its time, a nudge is marked late (the bot was down or throttled). */
export const LATE_AFTER_MS = 10 * 60_000;
/** A claim older than this belongs to a worker that died; another worker may take the row. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** Told each delivery's outcome (the bot's metrics): `failed` comes before the `retried` or `dead` that follows it. */
export type DeliveryObserver = (outcome: 'sent' | 'failed' | 'retried' | 'dead', row: NudgeRow, platform: Platform | null) => void;

export interface DeliveryDeps {
  outbox: OutboxStore;
  /** Who a row goes to (routing happens before the message is drawn: a paused platform costs no drawing), and the reader the drawing then takes. */
  recipientOf: (row: NudgeRow) => Promise<RoutedRecipient | null>;
  render: NudgeRenderer;
  /** The notifier of every platform the bot runs (an interactive console included). */
  notifiers: ReadonlyMap<Platform, Notifier>;
  pauses: PlatformPauses;
  retry: RetryPolicy;
  random: Random;
  /** A fresh claim token per batch (e.g. crypto.randomUUID), naming this worker in the row. */
  newClaimToken: () => string;
  logger: Pick<Logger, 'warn' | 'error'>;
  observe?: DeliveryObserver;
}

export interface DeliveryReport {
  claimed: number;
  sent: number;
  skipped: number;
  retried: number;
  dead: number;
  /** Rows held back because their platform asked us to wait (pauses are per platform). */
  deferred: number;
  /** Rows claimed but not attempted because the bot was stopping: given back, due again at once. */
  released: number;
}

/**
 * One delivery pass: claim due rows, then for each render, route, send, mark sent — in that
 * order, so a crash leaves at most the one in-flight row to be sent again after its lease (at
 * least once, never lost). Each row is handled on its own: one failure never stops the batch.
 * A rate limit pauses only its platform (stored, so a restart keeps it); rows for that
 * platform go back to pending until the pause ends, without counting an attempt. Once `stop`
 * is aborted (the bot is shutting down), the row being sent is finished and the rest are given
 * back at once, for another process or the next start, instead of waiting out their claim.
 */
export async function deliverDue(now: Date, deps: DeliveryDeps, batchSize = 50, stop?: AbortSignal): Promise<DeliveryReport> {
  const token = deps.newClaimToken();
  const rows = await deps.outbox.claimDue(now, batchSize, token, CLAIM_LEASE_MS);
  const report: DeliveryReport = { claimed: rows.length, sent: 0, skipped: 0, retried: 0, dead: 0, deferred: 0, released: 0 };
  for (const row of rows) {
    if (stop?.aborted) {
      report.released = await deps.outbox.release(token, now);
      break;
    }
    const late = now.getTime() - row.dueAt > LATE_AFTER_MS;
    let platform: Platform | null = null;
    try {
      const routed = await deps.recipientOf(row);
      if (!routed) {
        await deps.outbox.markSkipped(row.id, token, 'the recipient no longer exists or is inactive', now);
        report.skipped++;
        continue;
      }
      const route = routeFor(routed.recipient, deps.notifiers);
      if (!route) throw new NotifierError(`${routed.recipient.name} is not linked on any running platform`, { permanent: true });
      platform = route.notifier.platform;
      const paused = await deps.pauses.pausedUntil(route.notifier.platform, now);
      if (paused) {
        await deps.outbox.deferUncounted(row.id, token, `${route.notifier.platform} asked us to wait`, paused);
        report.deferred++;
        continue;
      }
      const prepared = await deps.render(row, now, late, 'send', routed.reader);
      if (prepared.action === 'skip') {
        await deps.outbox.markSkipped(row.id, token, prepared.reason, now);
        report.skipped++;
        continue;
      }
      try {
        const message = await route.notifier.deliver(route.address, prepared.notification);
        await deps.outbox.markSent(row.id, token, now, late, message);
        if (prepared.carries) await deps.outbox.markCarried(prepared.carries, row.id, now, message);
        report.sent++;
        deps.observe?.('sent', row, platform);
      } catch (error) {
        if (error instanceof NotifierError && error.retryAfterMs !== undefined) {
          const until = new Date(now.getTime() + rateLimitPauseMs(error.retryAfterMs, deps.random));
          await deps.pauses.pause(route.notifier.platform, until);
          await deps.outbox.deferUncounted(row.id, token, error.message, until);
          report.deferred++;
          deps.logger.warn({ nudge: row.dedupeKey, platform: route.notifier.platform, retryAfterMs: error.retryAfterMs }, 'rate limited; pausing this platform');
          continue;
        }
        throw error;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.observe?.('failed', row, platform);
      if ((error instanceof NotifierError && error.permanent) || isExhausted(row.attempts, deps.retry)) {
        await deps.outbox.markDead(row.id, token, message);
        report.dead++;
        deps.observe?.('dead', row, platform);
        deps.logger.error({ nudge: row.dedupeKey, attempts: row.attempts, err: message }, 'nudge is dead');
      } else {
        await deps.outbox.retryAt(row.id, token, message, new Date(now.getTime() + retryDelayMs(row.attempts, deps.retry, deps.random)));
        report.retried++;
        deps.observe?.('retried', row, platform);
        deps.logger.warn({ nudge: row.dedupeKey, attempts: row.attempts, err: message }, 'nudge failed; will retry');
      }
    }
  }
  return report;
}
