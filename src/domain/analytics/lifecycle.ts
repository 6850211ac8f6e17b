import type { ScoringSettings } from './settings.js';

export const LIFECYCLES = ['prospect', 'new', 'active', 'at_risk', 'lapsed', 'lost', 'won_back'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/** Customer.status as the win-back flow sets it. */
export const CUSTOMER_STATUSES = ['none', 'lost', 'won_back'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/** Where a customer's typical interval came from: their own purchases, or a fallback for one-order customers. */
export type IntervalBasis = 'own' | 'tier' | 'base' | 'default';

export interface RhythmInput {
  asOfDay: number;
  /** False when the customer never kept a purchase (then firstDay and lastDay mean nothing). */
  hasPurchase: boolean;
  firstDay: number;
  lastDay: number;
  /** Median days between the customer's purchase days; NaN with one purchase day. */
  ownIntervalDays: number;
  /** The one-order fallback, already chosen (see `fallbackInterval`). */
  fallback: { days: number; basis: Exclude<IntervalBasis, 'own'> };
  status: CustomerStatus;
  /** The day the status was set, null when never. */
  statusChangedDay: number | null;
}

export interface RhythmJudgement {
  lifecycle: Lifecycle;
  /** Null for prospects. */
  daysSinceLast: number | null;
  intervalDays: number;
  intervalBasis: IntervalBasis;
}

/**
 * The one-order fallback interval: the median typical interval of the repeat buyers of the
 * customer's tier in the same team, else of the whole team, else the team's default.
 */
export function fallbackInterval(tierMedian: number, baseMedian: number, defaultDays: number): RhythmInput['fallback'] {
  if (Number.isFinite(tierMedian)) return { days: tierMedian, basis: 'tier' };
  if (Number.isFinite(baseMedian)) return { days: baseMedian, basis: 'base' };
  return { days: defaultDays, basis: 'default' };
}

/** Days since the last purchase beyond which a customer with this interval is at risk / lapsed. */
export function overdueThresholds(intervalDays: number, s: Pick<ScoringSettings, 'atRiskFactor' | 'lapsedFactor' | 'minOverdueDays'>): {
  atRisk: number;
  lapsed: number;
} {
  const atRisk = Math.max(intervalDays * s.atRiskFactor, intervalDays + s.minOverdueDays);
  return { atRisk, lapsed: Math.max(intervalDays * s.lapsedFactor, atRisk) };
}

/**
 * Lifecycle by the customer's own rhythm (客户分类): lost stays lost until a purchase after
 * it was marked (then won back, counted from that purchase); otherwise overdue beats everything, so a new or just
 * won-back customer who goes quiet shows as at risk; then won back (for `wonBackDays`), new
 * (first purchase within `newCustomerDays`), else active.
 */
export function judgeRhythm(input: RhythmInput, s: ScoringSettings): RhythmJudgement {
  const own = Number.isFinite(input.ownIntervalDays);
  const intervalDays = own ? input.ownIntervalDays : input.fallback.days;
  const intervalBasis: IntervalBasis = own ? 'own' : input.fallback.basis;
  const judged = (lifecycle: Lifecycle, daysSinceLast: number | null): RhythmJudgement => ({ lifecycle, daysSinceLast, intervalDays, intervalBasis });

  if (!input.hasPurchase) return judged(input.status === 'lost' ? 'lost' : 'prospect', null);
  const daysSinceLast = input.asOfDay - input.lastDay;
  // A lost mark without a date cannot be outdated by a purchase: it stays lost.
  const boughtSinceLost = input.status === 'lost' && input.statusChangedDay !== null && input.lastDay > input.statusChangedDay;
  if (input.status === 'lost' && !boughtSinceLost) return judged('lost', daysSinceLast);

  const { atRisk, lapsed } = overdueThresholds(intervalDays, s);
  if (daysSinceLast > lapsed) return judged('lapsed', daysSinceLast);
  if (daysSinceLast > atRisk) return judged('at_risk', daysSinceLast);
  // A lost customer who bought again has been won back, whether or not the flow noticed yet;
  // their last purchase stands in for the win-back day.
  const wonBackDay = input.status === 'won_back' ? input.statusChangedDay : boughtSinceLost ? input.lastDay : null;
  if (wonBackDay !== null && input.asOfDay - wonBackDay <= s.wonBackDays) return judged('won_back', daysSinceLast);
  if (input.asOfDay - input.firstDay <= s.newCustomerDays) return judged('new', daysSinceLast);
  return judged('active', daysSinceLast);
}

/**
 * The rhythm rule's churn risk: 1 − 2^−(d / (f·I))², d days since the last purchase, I the
 * typical interval, f the at-risk factor. It is 0 right after a purchase, 27% at one interval,
 * 50% where the customer turns at risk (d = f·I) and 94% at twice that.
 */
export function rhythmChurnRisk(daysSinceLast: number, intervalDays: number, atRiskFactor: number): number {
  const ratio = daysSinceLast / (atRiskFactor * Math.max(intervalDays, 1));
  return 1 - 2 ** -(ratio * ratio);
}
