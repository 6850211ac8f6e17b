import type { ScoringSettings } from './settings.js';

import { TIERS, type Tier } from '../tier.js';

export const VALUE_BANDS = ['high', 'mid', 'low'] as const;
export type ValueBand = (typeof VALUE_BANDS)[number];

/**
 * 1..5 scores by quintiles: members sorted by value (worst first), the member at position i
 * of n scores 1 + floor(5·i/n). Ties take the score of their lowest-placed member, so equal
 * values always score alike whatever the order they came in, and a big tie (say, all the
 * one-order customers) never gets credit its weakest member would not.
 * Writes `out[m]` for every member m; `higherIsBetter` false ranks small values best (recency).
 */
export function quintileScores(values: ArrayLike<number>, members: Int32Array, higherIsBetter: boolean, out: Uint8Array): void {
  const n = members.length;
  if (n === 0) return;
  const sign = higherIsBetter ? 1 : -1;
  const sorted = Int32Array.from(members).sort((a, b) => sign * (values[a]! - values[b]!));
  let tieStart = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && values[sorted[i]!] !== values[sorted[i - 1]!]) tieStart = i;
    out[sorted[i]!] = 1 + Math.floor((5 * tieStart) / n);
  }
}

/** R+F+M against the team's thresholds: A ≥ 13, B ≥ 10, C ≥ 7, else D by default. */
export function tierOf(r: number, f: number, m: number, thresholds: ScoringSettings['tierMinSum']): Tier {
  const sum = r + f + m;
  if (sum >= thresholds.A) return 'A';
  if (sum >= thresholds.B) return 'B';
  if (sum >= thresholds.C) return 'C';
  return 'D';
}

/** Value band from the monetary score: high ≥ 4, mid ≥ 2, else low by default. */
export function valueBandOf(m: number, thresholds: ScoringSettings['bandMinScore']): ValueBand {
  if (m >= thresholds.high) return 'high';
  if (m >= thresholds.mid) return 'mid';
  return 'low';
}

/**
 * 低利润客户: margin below the team's rate over the window's orders that carry a margin.
 * Unknown margins (no order with one) never make a customer low-profit.
 */
export function isLowMargin(marginMinor: number, marginRevenueMinor: number, marginOrders: number, lowMarginRate: number): boolean {
  if (marginOrders === 0) return false;
  if (marginRevenueMinor <= 0) return marginMinor <= 0;
  return marginMinor / marginRevenueMinor < lowMarginRate;
}

/** One step down (A→B, high→mid), staying at the bottom. */
export function demoteTier(tier: Tier): Tier {
  return TIERS[Math.min(TIERS.indexOf(tier) + 1, TIERS.length - 1)]!;
}

export function demoteBand(band: ValueBand): ValueBand {
  return VALUE_BANDS[Math.min(VALUE_BANDS.indexOf(band) + 1, VALUE_BANDS.length - 1)]!;
}
