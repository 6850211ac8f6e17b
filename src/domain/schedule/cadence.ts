import { DAY_MS } from '../calendar.js';
import type { Tier } from '../tier.js';

/** 定期回访: the days without any touch after which a customer of each tier is due a check-in. */
export const DEFAULT_CADENCE_DAYS: Readonly<Record<Tier, number>> = { A: 14, B: 30, C: 60, D: 90 };

/**
 * At most this many check-ins land on one rep's agenda (per team setting): after a first import
 * of old history, or a long holiday, the backlog is worked off over the next agendas, most
 * overdue first, instead of arriving as hundreds of items in one morning.
 */
export const DEFAULT_CHECK_INS_PER_DAY = 30;

/** Customers not scored yet get the least frequent cadence, so nobody is forgotten entirely. */
export const UNSCORED_TIER: Tier = 'D';

/**
 * 定期回访 is due the tier's interval after the last touch: the latest logged interaction,
 * completed callback or purchase, or the customer's creation when there is none (stored per
 * customer by db/check-ins.ts, since the planner cannot recompute it for every customer each run).
 */
export function cadenceIntervalMs(tier: Tier, cadenceDays: Readonly<Record<Tier, number>>): number {
  return Math.round(cadenceDays[tier] * DAY_MS);
}
