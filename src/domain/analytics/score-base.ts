import { createValuePredictor, fitBaseModels, modelInputs, type BaseModels, type ValuePrediction } from './base-models.js';
import { churnReasonOf, type ChurnReason, type RiskModel } from './churn.js';
import { median, type CustomerHistories } from './history.js';
import { CUSTOMER_STATUSES, fallbackInterval, judgeRhythm, rhythmChurnRisk, type Lifecycle, type RhythmJudgement } from './lifecycle.js';
import { LONG_TAIL_CLASSES, longTailOf, type LongTailClass } from './long-tail.js';
import { recommendedAction, type RecommendedAction } from './playbook.js';
import { demoteBand, demoteTier, isLowMargin, quintileScores, TIERS, tierOf, valueBandOf, VALUE_BANDS, type Tier, type ValueBand } from './rfm.js';
import type { ScoringSettings } from './settings.js';

/** Everything the engine needs about a customer base, one slot per customer. */
export interface BaseInput {
  asOfDay: number;
  histories: CustomerHistories;
  /** Index into CUSTOMER_STATUSES. */
  status: Uint8Array;
  /** Day the status was set, -1 when never. */
  statusChangedDay: Int32Array;
  /** Scoring group (a team) of each customer: quintiles rank a customer against their own team. */
  group: Int32Array;
  groupSettings: readonly ScoringSettings[];
}

/** One customer's scores, as a snapshot row and the lookup card show them. */
export interface CustomerScore extends ValuePrediction {
  /** Days since the last purchase; null for prospects. */
  recencyDays: number | null;
  /** Orders in the RFM window. */
  frequency: number;
  /** Spend in the RFM window (minor units). */
  monetaryMinor: number;
  /** Margin in the RFM window, null when no window order carries one. */
  marginMinor: number | null;
  /** 1..5, null for prospects. */
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  tier: Tier;
  valueBand: ValueBand;
  lowMargin: boolean;
  longTail: LongTailClass;
  lifecycle: Lifecycle;
  typicalIntervalDays: number | null;
  /** BG/NBD P(alive) for repeat buyers; null for one-time buyers and when the model did not fit. */
  pAlive: number | null;
  /** 0..1: the larger of 1 − P(alive) and the rhythm rule's risk; 1 when marked lost; null for prospects. */
  churnRisk: number | null;
  churnReason: ChurnReason;
  action: RecommendedAction;
}

export interface ScoredBase {
  count: number;
  models: BaseModels;
  score(customer: number): CustomerScore;
}

/**
 * Scores a whole base: quintiles per group, tiers and bands, long tail, the rhythm rule, and
 * the BG/NBD and Gamma-Gamma models fitted on the whole base. Per-customer scores are built on
 * demand by `score(i)`, so a million customers never exist as a million objects at once.
 */
export function scoreBase(input: BaseInput): ScoredBase {
  const { histories: h, asOfDay, group, groupSettings } = input;
  const n = h.count;
  const rScore = new Uint8Array(n);
  const fScore = new Uint8Array(n);
  const mScore = new Uint8Array(n);
  const aovScore = new Uint8Array(n);
  const recency = new Float64Array(n);
  const aov = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    recency[i] = asOfDay - h.lastDay[i]!;
    aov[i] = h.windowOrders[i]! > 0 ? h.windowMinor[i]! / h.windowOrders[i]! : 0;
  }
  for (const members of groupMembers(group, groupSettings.length, (i) => h.firstDay[i]! >= 0)) {
    quintileScores(recency, members, false, rScore);
    quintileScores(h.windowOrders, members, true, fScore);
    quintileScores(h.windowMinor, members, true, mScore);
  }
  for (const members of groupMembers(group, groupSettings.length, (i) => h.windowOrders[i]! > 0)) {
    quintileScores(aov, members, true, aovScore);
  }

  const tier = new Uint8Array(n);
  const band = new Uint8Array(n);
  const lowMargin = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = groupSettings[group[i]!]!;
    if (rScore[i] === 0) {
      tier[i] = TIERS.indexOf('D');
      band[i] = VALUE_BANDS.indexOf('low');
      continue;
    }
    let t = tierOf(rScore[i]!, fScore[i]!, mScore[i]!, s.tierMinSum);
    let b = valueBandOf(mScore[i]!, s.bandMinScore);
    if (isLowMargin(h.windowMarginMinor[i]!, h.windowMarginRevenueMinor[i]!, h.windowMarginOrders[i]!, s.lowMarginRate)) {
      lowMargin[i] = 1;
      t = demoteTier(t);
      b = demoteBand(b);
    }
    tier[i] = TIERS.indexOf(t);
    band[i] = VALUE_BANDS.indexOf(b);
  }
  const intervalMedians = typicalIntervalMedians(h.typicalIntervalDays, group, groupSettings.length, tier);

  const judge = (i: number): RhythmJudgement => {
    const g = group[i]!;
    const s = groupSettings[g]!;
    const medians = intervalMedians[g]!;
    return judgeRhythm(
      {
        asOfDay,
        firstDay: h.firstDay[i]!,
        lastDay: h.lastDay[i]!,
        ownIntervalDays: h.typicalIntervalDays[i]!,
        fallback: fallbackInterval(medians.byTier[tier[i]!]!, medians.base, s.defaultIntervalDays),
        status: CUSTOMER_STATUSES[input.status[i]!]!,
        statusChangedDay: input.statusChangedDay[i]!,
      },
      s,
    );
  };

  const models = fitBaseModels(h, asOfDay);
  const predictor = createValuePredictor(models);

  return {
    count: n,
    models,
    score(i) {
      const s = groupSettings[group[i]!]!;
      const judgement = judge(i);
      const t = TIERS[tier[i]!]!;
      const scored = rScore[i] !== 0;
      const { x, tx, T } = modelInputs(h, asOfDay, i);
      const alive = scored ? predictor.pAliveOf(x, tx, T) : null;
      // The rhythm rule is the floor: the model may raise a customer's risk, never talk it below
      // what their own rhythm says (an overdue regular stays visibly at risk).
      const rhythmRisk =
        judgement.daysSinceLast === null ? null : rhythmChurnRisk(judgement.daysSinceLast, judgement.intervalDays, s.atRiskFactor);
      const modelRisk = alive === null ? null : 1 - alive;
      const riskModel: RiskModel = modelRisk !== null && rhythmRisk !== null && modelRisk > rhythmRisk ? 'bgnbd' : 'rhythm';
      const churnRisk = judgement.lifecycle === 'lost' ? 1 : riskModel === 'bgnbd' ? modelRisk : rhythmRisk;
      // Expected purchases and CLV keep the model's own P(alive) for repeat buyers, so they match
      // other BG/NBD implementations; one-time buyers get the rhythm rule's survival instead.
      const aliveProbability = judgement.lifecycle === 'lost' || rhythmRisk === null ? 0 : (alive ?? 1 - rhythmRisk);
      const value: ValuePrediction =
        rhythmRisk === null
          ? { expected30: null, expected90: null, expectedAovMinor: null, clv12Minor: null }
          : predictor.predict({ x, T, repeatSpendMinor: h.repeatSpendMinor[i]!, aliveProbability, annualDiscountRate: s.annualDiscountRate });
      return {
        expected30: value.expected30,
        expected90: value.expected90,
        expectedAovMinor: value.expectedAovMinor,
        clv12Minor: value.clv12Minor,
        pAlive: alive,
        recencyDays: judgement.daysSinceLast,
        frequency: h.windowOrders[i]!,
        monetaryMinor: h.windowMinor[i]!,
        marginMinor: h.windowMarginOrders[i]! > 0 ? h.windowMarginMinor[i]! : null,
        rScore: scored ? rScore[i]! : null,
        fScore: scored ? fScore[i]! : null,
        mScore: scored ? mScore[i]! : null,
        tier: t,
        valueBand: VALUE_BANDS[band[i]!]!,
        lowMargin: lowMargin[i] === 1,
        longTail: scored ? longTailOf(fScore[i]!, aovScore[i]!) : LONG_TAIL_CLASSES[3],
        lifecycle: judgement.lifecycle,
        typicalIntervalDays: scored ? judgement.intervalDays : null,
        churnRisk,
        churnReason: churnReasonOf(judgement, h.purchaseDays[i]!, riskModel),
        action: recommendedAction(t, judgement.lifecycle),
      };
    },
  };
}

/** Customer indices per group that pass `include`, each as an Int32Array. */
function groupMembers(group: Int32Array, groupCount: number, include: (i: number) => boolean): Int32Array[] {
  const sizes = new Int32Array(groupCount);
  for (let i = 0; i < group.length; i++) if (include(i)) sizes[group[i]!]!++;
  const members = Array.from(sizes, (size) => new Int32Array(size));
  const fill = new Int32Array(groupCount);
  for (let i = 0; i < group.length; i++) if (include(i)) members[group[i]!]![fill[group[i]!]!++] = i;
  return members;
}

/** Per group: the median typical interval of repeat buyers, overall and per tier (NaN when none). */
function typicalIntervalMedians(
  interval: Float64Array,
  group: Int32Array,
  groupCount: number,
  tier: Uint8Array,
): { base: number; byTier: number[] }[] {
  const medianOf = (members: Int32Array) => {
    const values = Float64Array.from(members, (i) => interval[i]!);
    return values.length === 0 ? Number.NaN : median(values, values.length);
  };
  const repeat = (i: number) => Number.isFinite(interval[i]!);
  const base = groupMembers(group, groupCount, repeat).map(medianOf);
  const byTier = TIERS.map((_, t) => groupMembers(group, groupCount, (i) => repeat(i) && tier[i] === t).map(medianOf));
  return base.map((b, g) => ({ base: b, byTier: byTier.map((perGroup) => perGroup[g]!) }));
}
