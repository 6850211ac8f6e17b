import { z } from 'zod';
import { readStoredSettings } from '../stored-settings.js';

/**
 * The scoring part of Team.settings (JSON, under the key `scoring`). Every field falls back to
 * its default on its own, so one bad value never switches a team's scores off.
 */
export interface ScoringSettings {
  /** RFM looks at the orders of the last this-many days (recency is measured over all time). */
  rfmWindowDays: number;
  /** Lowest R+F+M sum (3..15) for tiers A, B and C; below C is D. */
  tierMinSum: { A: number; B: number; C: number };
  /** Lowest monetary score (1..5) for the high and mid value bands; below mid is low. */
  bandMinScore: { high: number; mid: number };
  /** Below this margin / revenue over the window a customer is low-profit (低利润): one tier and band lower. */
  lowMarginRate: number;
  /** A customer whose first purchase is at most this many days old is `new`. */
  newCustomerDays: number;
  /** At risk once the days since the last purchase exceed this multiple of the customer's typical interval. */
  atRiskFactor: number;
  /** Lapsed once the days since the last purchase exceed this multiple of the typical interval. */
  lapsedFactor: number;
  /** Never at risk before this many days past the typical interval (a weekly buyer is not at risk after 11 days). */
  minOverdueDays: number;
  /** Typical interval for one-order customers when neither their tier nor the base has repeat buyers. */
  defaultIntervalDays: number;
  /** A won-back customer stays `won_back` this many days after the win-back (unless overdue again). */
  wonBackDays: number;
  /** Yearly discount rate for the 12-month CLV. */
  annualDiscountRate: number;
  /** A regular customer is due to reorder this multiple of their typical interval after their last purchase. */
  reorderFactor: number;
}

export const DEFAULT_SCORING_SETTINGS: Readonly<ScoringSettings> = Object.freeze({
  rfmWindowDays: 365,
  tierMinSum: { A: 13, B: 10, C: 7 },
  bandMinScore: { high: 4, mid: 2 },
  lowMarginRate: 0.1,
  newCustomerDays: 90,
  atRiskFactor: 1.5,
  lapsedFactor: 3,
  minOverdueDays: 7,
  defaultIntervalDays: 60,
  wonBackDays: 90,
  annualDiscountRate: 0.1,
  reorderFactor: 1,
});

const D = DEFAULT_SCORING_SETTINGS;
const days = (fallback: number) => z.number().int().min(1).max(3650).catch(fallback);
const sum = (fallback: number) => z.number().int().min(3).max(15).catch(fallback);
const score = (fallback: number) => z.number().int().min(1).max(5).catch(fallback);

const scoringSettingsSchema = z
  .object({
    rfmWindowDays: days(D.rfmWindowDays),
    tierMinSum: z.object({ A: sum(D.tierMinSum.A), B: sum(D.tierMinSum.B), C: sum(D.tierMinSum.C) }).partial().catch({}),
    bandMinScore: z.object({ high: score(D.bandMinScore.high), mid: score(D.bandMinScore.mid) }).partial().catch({}),
    lowMarginRate: z.number().min(0).max(1).catch(D.lowMarginRate),
    newCustomerDays: days(D.newCustomerDays),
    atRiskFactor: z.number().min(1).max(20).catch(D.atRiskFactor),
    lapsedFactor: z.number().min(1).max(50).catch(D.lapsedFactor),
    minOverdueDays: z.number().int().min(0).max(365).catch(D.minOverdueDays),
    defaultIntervalDays: days(D.defaultIntervalDays),
    wonBackDays: days(D.wonBackDays),
    annualDiscountRate: z.number().min(0).max(1).catch(D.annualDiscountRate),
    reorderFactor: z.number().min(0.25).max(5).catch(D.reorderFactor),
  })
  .partial();

/** Reads `Team.settings` JSON; anything missing, malformed or out of range takes its default. */
export function parseScoringSettings(teamSettingsJson: string): ScoringSettings {
  return scoringSettingsFrom(readStoredSettings(teamSettingsJson).raw);
}

/** The `scoring` part of a stored settings object, each field validated on its own. */
export function scoringSettingsFrom(stored: Record<string, unknown>): ScoringSettings {
  const parsed = scoringSettingsSchema.safeParse(stored.scoring ?? {});
  const s = parsed.success ? parsed.data : {};
  const settings: ScoringSettings = {
    ...D,
    ...s,
    tierMinSum: { ...D.tierMinSum, ...s.tierMinSum },
    bandMinScore: { ...D.bandMinScore, ...s.bandMinScore },
  };
  // Thresholds that contradict each other (A below B) would make tiers meaningless: keep the defaults.
  const t = settings.tierMinSum;
  if (!(t.A >= t.B && t.B >= t.C)) settings.tierMinSum = { ...D.tierMinSum };
  if (settings.bandMinScore.high < settings.bandMinScore.mid) settings.bandMinScore = { ...D.bandMinScore };
  if (settings.lapsedFactor < settings.atRiskFactor) {
    settings.atRiskFactor = D.atRiskFactor;
    settings.lapsedFactor = D.lapsedFactor;
  }
  return settings;
}
