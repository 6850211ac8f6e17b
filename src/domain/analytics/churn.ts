import type { IntervalBasis, RhythmJudgement } from './lifecycle.js';

/** Reason codes of a churn risk; the commands' i18n catalogue has a sentence for each. */
export const CHURN_REASON_CODES = ['no_orders', 'no_purchases', 'marked_lost', 'single_purchase', 'on_rhythm', 'overdue_vs_rhythm'] as const;
export type ChurnReasonCode = (typeof CHURN_REASON_CODES)[number];

/**
 * Where a churn risk came from: the held-out calibration of the purchase model and the rhythm
 * rule (`calibrated`), the purchase model's own probability (`model`: too little held-out data to
 * calibrate), or the rhythm rule (`rhythm`: no usable model; calibrated when there was data).
 */
export type RiskBasis = 'calibrated' | 'model' | 'rhythm';

/**
 * Why a customer's churn risk is what it is, as a code and the whole-number figures its
 * sentence needs ("usually buys every 18 days; 64 days since last order").
 */
export type ChurnReason =
  | { code: 'no_orders' }
  | { code: 'no_purchases'; orders: number }
  | { code: 'marked_lost'; daysSinceLast: number }
  | { code: 'single_purchase'; daysSinceLast: number; typicalIntervalDays: number; intervalBasis: Exclude<IntervalBasis, 'own'>; riskBasis: RiskBasis }
  | { code: 'on_rhythm' | 'overdue_vs_rhythm'; daysSinceLast: number; typicalIntervalDays: number; purchaseDays: number; riskBasis: RiskBasis };

/** `orders` counts every order, `purchaseDays` only the occasions that kept a purchase (no refunds, no free items). */
export function churnReasonOf(judgement: RhythmJudgement, orders: number, purchaseDays: number, riskBasis: RiskBasis): ChurnReason {
  const { lifecycle, daysSinceLast, intervalBasis } = judgement;
  if (daysSinceLast === null) return orders > 0 && lifecycle !== 'lost' ? { code: 'no_purchases', orders } : { code: 'no_orders' };
  if (lifecycle === 'lost') return { code: 'marked_lost', daysSinceLast };
  const typicalIntervalDays = Math.round(judgement.intervalDays);
  if (intervalBasis !== 'own') return { code: 'single_purchase', daysSinceLast, typicalIntervalDays, intervalBasis, riskBasis };
  const code = daysSinceLast > judgement.intervalDays ? 'overdue_vs_rhythm' : 'on_rhythm';
  return { code, daysSinceLast, typicalIntervalDays, purchaseDays, riskBasis };
}
