import type { Random } from '../random.js';

export interface RetryPolicy {
  /** After this many failed attempts a nudge is dead and shows in /rapport outbox. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 30_000, maxDelayMs: 6 * 3_600_000 };

/**
 * Exponential backoff with jitter: attempt n waits between half and all of base·2^(n−1)
 * (capped), so many failures at once do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: Random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * How long to pause after a rate limit: the platform's Retry-After, never less, plus up to
 * a second of jitter so several replicas do not all come back at the same instant.
 */
export function rateLimitPauseMs(retryAfterMs: number, random: Random): number {
  return Math.max(0, retryAfterMs) + Math.round(random() * Math.min(1000, Math.max(0, retryAfterMs) / 10));
}

export function isExhausted(attempts: number, policy: RetryPolicy): boolean {
  return attempts >= policy.maxAttempts;
}
