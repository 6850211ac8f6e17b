import { DAY_MS } from '../calendar.js';

export const TIERS = ['A', 'B', 'C', 'D'] as const;
export type Tier = (typeof TIERS)[number];

/** 定期回访: the days without any touch after which a customer of each tier is due a check-in. */
export const DEFAULT_CADENCE_DAYS: Readonly<Record<Tier, number>> = { A: 14, B: 30, C: 60, D: 90 };

/** Customers not scored yet get the least frequent cadence, so nobody is forgotten entirely. */
export const UNSCORED_TIER: Tier = 'D';

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/**
 * 定期回访 is due the tier's interval after the last touch: the latest logged interaction,
 * completed callback or purchase, or the customer's creation when there is none (the
 * planning store computes the last touch in SQL, since it scans every customer).
 */
export function cadenceDueAt(lastTouch: number, tier: Tier, cadenceDays: Readonly<Record<Tier, number>>): number {
  return lastTouch + cadenceDays[tier] * DAY_MS;
}
