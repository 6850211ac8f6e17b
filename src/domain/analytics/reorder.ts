import { overdueThresholds, type Lifecycle } from './lifecycle.js';
import type { ScoringSettings } from './settings.js';

/** A regular customer has bought on at least this many days: two gaps (one gap is no rhythm). */
export const REORDER_MIN_PURCHASE_DAYS = 3;
/**
 * …and their gaps lie close to their median: median absolute deviation ÷ median at most this.
 * Purchases at random times (a Poisson process) come to about 0.7; someone who buys every 30 days,
 * give or take a week, to about 0.2.
 */
export const REORDER_MAX_SPREAD = 0.5;
/** Stages in which a reorder is timed; an at-risk, lapsed or lost customer gets a win-back (or nothing), not a reminder. */
const REORDER_STAGES: readonly Lifecycle[] = ['new', 'active', 'won_back'];

export interface ReorderInput {
  purchaseDays: number;
  lastDay: number;
  /** The customer's own median gap; NaN with fewer than two purchase days. */
  intervalDays: number;
  /** The gaps' median absolute deviation ÷ their median; NaN with fewer than three purchase days. */
  intervalSpread: number;
  lifecycle: Lifecycle;
}

/**
 * The day a regular customer is due to reorder (购买周期): their last purchase day plus the team's
 * `reorderFactor` × their own typical interval, when that comes before they turn at risk (after
 * that, the win-back takes over). Null for everyone without a rhythm to time: one-time buyers,
 * customers with two purchase days, irregular buyers, and customers already at risk.
 */
export function reorderDay(input: ReorderInput, s: Pick<ScoringSettings, 'reorderFactor' | 'atRiskFactor' | 'lapsedFactor' | 'minOverdueDays'>): number | null {
  if (input.purchaseDays < REORDER_MIN_PURCHASE_DAYS || !(input.intervalSpread <= REORDER_MAX_SPREAD)) return null;
  if (!REORDER_STAGES.includes(input.lifecycle)) return null;
  const wait = Math.max(1, Math.round(s.reorderFactor * input.intervalDays));
  if (wait > overdueThresholds(input.intervalDays, s).atRisk) return null;
  return input.lastDay + wait;
}
