import type { IntervalBasis, RhythmJudgement } from './lifecycle.js';

/** Reason codes of a churn risk; the commands' i18n catalogue has a sentence for each. */
export const CHURN_REASON_CODES = ['no_orders', 'marked_lost', 'single_purchase', 'on_rhythm', 'overdue_vs_rhythm'] as const;
export type ChurnReasonCode = (typeof CHURN_REASON_CODES)[number];

/** Which model the risk figure came from: BG/NBD (1 − P(alive)) or the rhythm rule. */
export type RiskModel = 'bgnbd' | 'rhythm';

/**
 * Why a customer's churn risk is what it is, as a code and the whole-number figures its
 * sentence needs ("usually buys every 18 days; 64 days since last order").
 */
export type ChurnReason =
  | { code: 'no_orders' }
  | { code: 'marked_lost'; daysSinceLast: number }
  | { code: 'single_purchase'; daysSinceLast: number; typicalIntervalDays: number; intervalBasis: Exclude<IntervalBasis, 'own'>; riskModel: RiskModel }
  | { code: 'on_rhythm' | 'overdue_vs_rhythm'; daysSinceLast: number; typicalIntervalDays: number; purchaseDays: number; riskModel: RiskModel };

export function churnReasonOf(judgement: RhythmJudgement, purchaseDays: number, riskModel: RiskModel): ChurnReason {
  const { lifecycle, daysSinceLast, intervalBasis } = judgement;
  if (daysSinceLast === null) return { code: 'no_orders' };
  if (lifecycle === 'lost') return { code: 'marked_lost', daysSinceLast };
  const typicalIntervalDays = Math.round(judgement.intervalDays);
  if (intervalBasis !== 'own') return { code: 'single_purchase', daysSinceLast, typicalIntervalDays, intervalBasis, riskModel };
  const code = daysSinceLast > judgement.intervalDays ? 'overdue_vs_rhythm' : 'on_rhythm';
  return { code, daysSinceLast, typicalIntervalDays, purchaseDays, riskModel };
}
