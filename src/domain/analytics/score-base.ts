import { createPredictor, fitBaseModels, fitPurchaseModel, modelInputs, type BaseModels, type PurchaseModelFit, type ValuePrediction } from './base-models.js';
import { DROPOUT_MODELS, type DropoutModel } from './bgnbd.js';
import { calibratedRisk, fitRiskCalibration, hasEnoughOutcomes, type CalibrationInputs, type RiskCalibration } from './calibration.js';
import { churnReasonOf, type ChurnReason, type RiskBasis } from './churn.js';
import { median, type CustomerHistories } from './history.js';
import { CUSTOMER_STATUSES, fallbackInterval, judgeRhythm, rhythmChurnRisk, type CustomerStatus, type Lifecycle, type RhythmJudgement } from './lifecycle.js';
import { longTailOf, type LongTailClass } from './long-tail.js';
import { recommendedAction, type RecommendedAction } from './playbook.js';
import { reorderDay } from './reorder.js';
import { TIERS, type Tier } from '../tier.js';
import { demoteBand, demoteTier, isLowMargin, quintileScores, tierOf, valueBandOf, VALUE_BANDS, type ValueBand } from './rfm.js';
import type { ScoringSettings } from './settings.js';

/** Churn risk is the probability of no purchase within this many days, unless a validation asks for another horizon. */
export const CHURN_HORIZON_DAYS = 90;
/**
 * One horizon back the models are fitted on at most this many purchasers (a deterministic sample):
 * enough to compare them and calibrate churn risk, at a tenth of the cost of a fit on 100,000.
 */
export const HOLDOUT_FIT_SAMPLE_LIMIT = 10_000;
/** The purchase model when there is too little held-out data to choose one (docs/ANALYTICS.md). */
export const DEFAULT_DROPOUT_MODEL: DropoutModel = 'mbgnbd';

/** Everything the engine needs about a customer base, one slot per customer. */
export interface BaseInput {
  /** The base as of the scoring day. */
  histories: CustomerHistories;
  /**
   * The same base one horizon earlier, with the purchases made since (its `laterPurchaseDays`):
   * churn risk is calibrated there, where the outcome is known. Null: no calibration.
   */
  calibration: CustomerHistories | null;
  /**
   * The base half a horizon back, with the purchases since: where the purchase models are compared
   * (over half the horizon) when a whole horizon back is too early to tell. Null: not used.
   */
  halfwayBack: CustomerHistories | null;
  /** Index into CUSTOMER_STATUSES. */
  status: Uint8Array;
  /** Day the status was set, NaN when never. */
  statusChangedDay: Float64Array;
  /** Scoring group (a team) of each customer: quintiles rank a customer against their own team. */
  group: Int32Array;
  groupSettings: readonly ScoringSettings[];
  /** The purchase model, or `auto`: the one that predicted the calibration's holdout best. */
  model: DropoutModel | 'auto';
  /** Churn risk is the probability of no purchase within this many days. */
  horizonDays: number;
}

/** One customer's scores, as a snapshot row and the lookup card show them. */
export interface CustomerScore extends ValuePrediction {
  /** Days since the last purchase; null without one. */
  recencyDays: number | null;
  /** Purchase occasions in the RFM window. */
  frequency: number;
  /** Net spend in the RFM window (minor units). */
  monetaryMinor: number;
  /** Margin in the RFM window, null when no window order carries one. */
  marginMinor: number | null;
  /** 1..5, null without a purchase. */
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  tier: Tier;
  valueBand: ValueBand;
  lowMargin: boolean;
  longTail: LongTailClass;
  lifecycle: Lifecycle;
  typicalIntervalDays: number | null;
  /** The day (since the epoch) a regular customer is due to reorder in this purchase cycle; null when none (reorder.ts). */
  reorderDueDay: number | null;
  /** The purchase model's P(alive); null without a usable model, and for BG/NBD's one-time buyers. */
  pAlive: number | null;
  /** 0..1, the probability of no purchase within the horizon (see `riskBasis`); 1 when marked lost; null without a purchase. */
  churnRisk: number | null;
  churnReason: ChurnReason;
  action: RecommendedAction;
}

/** The parts a churn risk is made of, for the validation that compares them. */
export interface RiskComponents {
  /** The purchase model's P(no purchase within the horizon); null without a usable model. */
  modelRisk: number | null;
  /** 1 − P(alive); null where `pAlive` is. */
  deadRisk: number | null;
  /** The rhythm rule's risk; null without a purchase. */
  rhythmRisk: number | null;
  /** x: repeat purchase days; -1 without a purchase. */
  repeatPurchases: number;
}

/** How one candidate purchase model did on the calibration's holdout. */
export interface CandidateModel {
  model: DropoutModel;
  fit: PurchaseModelFit;
  /** Log loss of its P(no purchase within the horizon) on the holdout; null when it did not converge or there was no holdout. */
  holdoutLogLoss: number | null;
}

export interface ModelSelection {
  chosen: DropoutModel;
  /** held_out: the best holdout log loss; asked: the caller named the model; default: too little held-out data to choose. */
  by: 'held_out' | 'asked' | 'default';
  /** How long the holdout the models were compared on was: the horizon, or half of it for a young base; null: none. */
  holdoutDays: number | null;
  /** The candidates fitted on the base back then. */
  candidates: CandidateModel[];
}

export interface ChurnCalibration {
  /** fitted: calibrated on held-out data; too_little_data: too few customers or outcomes one horizon back; none: not asked for. */
  status: 'fitted' | 'too_little_data' | 'none';
  inputs: CalibrationInputs | null;
  coefficients: number[] | null;
  /** Customers one horizon back who had bought (and were not marked lost), and how many of them made no purchase since. */
  customers: number;
  noPurchase: number;
}

export interface ScoredBase {
  count: number;
  horizonDays: number;
  models: BaseModels;
  selection: ModelSelection;
  calibration: ChurnCalibration;
  score(customer: number): CustomerScore;
  components(customer: number): RiskComponents;
  /** Expected purchase days within the horizon; null without a purchase or a usable model. */
  expectedPurchases(customer: number): number | null;
}

interface Ranking {
  rScore: Uint8Array;
  fScore: Uint8Array;
  mScore: Uint8Array;
  aovScore: Uint8Array;
  tier: Uint8Array;
  band: Uint8Array;
  lowMargin: Uint8Array;
  intervalMedians: { base: number; byTier: number[] }[];
}

/**
 * Scores a whole base: quintiles per group, tiers and bands, long tail, the rhythm rule, the
 * purchase model (MBG/NBD or BG/NBD) and Gamma-Gamma fitted on the whole base, and churn risk
 * calibrated one horizon back. Per-customer scores are built on demand by `score(i)`, so a
 * million customers never exist as a million objects at once.
 */
export function scoreBase(input: BaseInput): ScoredBase {
  const { histories: h, group, groupSettings } = input;
  const ranking = rank(h, group, groupSettings);
  // One horizon back the outcome is known: the purchase models are compared and churn risk is
  // calibrated there. When that is too early (a young base), the models are compared half a
  // horizon back, and churn risk is not calibrated.
  const whole = input.calibration?.laterPurchaseDays ? holdoutSample(input, input.calibration, input.horizonDays) : null;
  const wholeEnough = whole !== null && hasEnoughOutcomes(whole.n, whole.noPurchaseCount);
  const half = !wholeEnough && input.halfwayBack?.laterPurchaseDays ? holdoutSample(input, input.halfwayBack, Math.floor(input.horizonDays / 2)) : null;
  const comparedOn = wholeEnough ? whole : half && hasEnoughOutcomes(half.n, half.noPurchaseCount) ? half : null;
  const selection = selectModel(input, comparedOn);
  const earlierFit = selection.candidates.find((c) => c.model === selection.chosen)?.fit;
  const models = fitBaseModels(h, selection.chosen, earlierFit?.status === 'converged' ? earlierFit.params! : undefined);
  const predictor = createPredictor(models);
  const fit = wholeEnough && earlierFit ? calibrate(whole, earlierFit, predictor.usable) : null;

  const components = (i: number, judgement: RhythmJudgement): RiskComponents => {
    if (h.purchaseDays[i] === 0) return { modelRisk: null, deadRisk: null, rhythmRisk: null, repeatPurchases: -1 };
    const { x, tx, T } = modelInputs(h, i);
    const alive = predictor.pAlive(x, tx, T);
    return {
      modelRisk: predictor.noPurchase(input.horizonDays, x, tx, T),
      deadRisk: alive === null ? null : 1 - alive,
      rhythmRisk: rhythmRiskOf(judgement, groupSettings[group[i]!]!),
      repeatPurchases: x,
    };
  };

  const riskOf = (judgement: RhythmJudgement, parts: RiskComponents): { risk: number | null; basis: RiskBasis } => {
    if (parts.rhythmRisk === null) return { risk: null, basis: 'rhythm' };
    if (judgement.lifecycle === 'lost') return { risk: 1, basis: 'rhythm' };
    const oneTime = parts.repeatPurchases === 0;
    if (fit) return { risk: calibratedRisk(fit, parts.modelRisk ?? 0, parts.rhythmRisk, oneTime), basis: fit.inputs === 'rhythm' ? 'rhythm' : 'calibrated' };
    if (parts.modelRisk !== null) return { risk: parts.modelRisk, basis: 'model' };
    return { risk: parts.rhythmRisk, basis: 'rhythm' };
  };

  return {
    count: h.count,
    horizonDays: input.horizonDays,
    models,
    selection,
    calibration: {
      status: fit ? 'fitted' : input.calibration ? 'too_little_data' : 'none',
      inputs: fit?.inputs ?? null,
      coefficients: fit?.coefficients ?? null,
      customers: whole?.n ?? 0,
      noPurchase: whole?.noPurchaseCount ?? 0,
    },
    components: (i) => components(i, judge(h, ranking, input, i)),
    expectedPurchases(i) {
      if (h.purchaseDays[i] === 0) return null;
      const { x, tx, T } = modelInputs(h, i);
      return predictor.expectedPurchases(input.horizonDays, x, tx, T);
    },
    score(i) {
      const s = groupSettings[group[i]!]!;
      const judgement = judge(h, ranking, input, i);
      const t = TIERS[ranking.tier[i]!]!;
      const bought = h.purchaseDays[i]! > 0;
      const parts = components(i, judgement);
      const { risk, basis } = riskOf(judgement, parts);
      const { x, tx, T } = modelInputs(h, i);
      const value: ValuePrediction = bought
        ? predictor.predict({ x, tx, T, repeatSpendMinor: h.repeatSpendMinor[i]!, alive: judgement.lifecycle !== 'lost', annualDiscountRate: s.annualDiscountRate })
        : { expected30: null, expected90: null, expectedAovMinor: null, clv12Minor: null };
      // Fields listed one by one: a spread here builds each of a million objects property by property (ten times slower).
      return {
        expected30: value.expected30,
        expected90: value.expected90,
        expectedAovMinor: value.expectedAovMinor,
        clv12Minor: value.clv12Minor,
        pAlive: parts.deadRisk === null ? null : 1 - parts.deadRisk,
        recencyDays: judgement.daysSinceLast,
        frequency: h.windowPurchaseDays[i]!,
        monetaryMinor: h.windowMinor[i]!,
        marginMinor: h.windowMarginOrders[i]! > 0 ? h.windowMarginMinor[i]! : null,
        rScore: bought ? ranking.rScore[i]! : null,
        fScore: bought ? ranking.fScore[i]! : null,
        mScore: bought ? ranking.mScore[i]! : null,
        tier: t,
        valueBand: VALUE_BANDS[ranking.band[i]!]!,
        lowMargin: ranking.lowMargin[i] === 1,
        longTail: bought ? longTailOf(ranking.fScore[i]!, ranking.aovScore[i]!) : 'none',
        lifecycle: judgement.lifecycle,
        typicalIntervalDays: bought ? judgement.intervalDays : null,
        reorderDueDay: reorderDay(
          { purchaseDays: h.purchaseDays[i]!, lastDay: h.lastDay[i]!, intervalDays: h.typicalIntervalDays[i]!, intervalSpread: h.intervalSpread[i]!, lifecycle: judgement.lifecycle },
          s,
        ),
        churnRisk: risk,
        churnReason: churnReasonOf(judgement, h.orderCount[i]!, h.purchaseDays[i]!, basis),
        action: recommendedAction(t, judgement.lifecycle),
      };
    },
  };
}

function rhythmRiskOf(judgement: RhythmJudgement, s: ScoringSettings): number | null {
  return judgement.daysSinceLast === null ? null : rhythmChurnRisk(judgement.daysSinceLast, judgement.intervalDays, s.atRiskFactor);
}

/** The customer's status as it stood on the view's day: a status set later did not exist yet. */
function statusAt(input: BaseInput, i: number, day: number): { status: CustomerStatus; changedDay: number | null } {
  const changed = input.statusChangedDay[i]!;
  const status = CUSTOMER_STATUSES[input.status[i]!] ?? 'none';
  if (Number.isNaN(changed)) return { status, changedDay: null };
  return changed > day ? { status: 'none', changedDay: null } : { status, changedDay: changed };
}

function judge(h: CustomerHistories, ranking: Ranking, input: BaseInput, i: number): RhythmJudgement {
  const g = input.group[i]!;
  const s = input.groupSettings[g]!;
  const medians = ranking.intervalMedians[g]!;
  const { status, changedDay } = statusAt(input, i, h.asOfDay);
  return judgeRhythm(
    {
      asOfDay: h.asOfDay,
      hasPurchase: h.purchaseDays[i]! > 0,
      firstDay: h.firstDay[i]!,
      lastDay: h.lastDay[i]!,
      ownIntervalDays: h.typicalIntervalDays[i]!,
      fallback: fallbackInterval(medians.byTier[ranking.tier[i]!]!, medians.base, s.defaultIntervalDays),
      status,
      statusChangedDay: changedDay,
    },
    s,
  );
}

/** The base some days back as a holdout sees it: who had bought (and was not marked lost), their inputs then, and whether they bought in the `days` since. */
interface HoldoutSample {
  days: number;
  n: number;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  rhythmRisk: Float64Array;
  oneTime: Uint8Array;
  noPurchase: Uint8Array;
  noPurchaseCount: number;
  earlier: CustomerHistories;
}

function holdoutSample(input: BaseInput, c: CustomerHistories, days: number): HoldoutSample {
  const ranking = rank(c, input.group, input.groupSettings);
  const n = c.count;
  const sample = {
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    rhythmRisk: new Float64Array(n),
    oneTime: new Uint8Array(n),
    noPurchase: new Uint8Array(n),
  };
  let size = 0;
  let none = 0;
  for (let i = 0; i < n; i++) {
    if (c.purchaseDays[i] === 0) continue;
    const judgement = judge(c, ranking, input, i);
    if (judgement.lifecycle === 'lost') continue;
    const { x, tx, T } = modelInputs(c, i);
    sample.x[size] = x;
    sample.tx[size] = tx;
    sample.T[size] = T;
    sample.rhythmRisk[size] = rhythmRiskOf(judgement, input.groupSettings[input.group[i]!]!)!;
    sample.oneTime[size] = x === 0 ? 1 : 0;
    sample.noPurchase[size] = c.laterPurchaseDays![i] === 0 ? 1 : 0;
    none += sample.noPurchase[size]!;
    size++;
  }
  return { ...sample, days, n: size, noPurchaseCount: none, earlier: c };
}

/** A model's P(no purchase within the holdout's days) for each customer of the sample, as its fit on the base back then predicts it. */
function holdoutRisks(sample: HoldoutSample, fit: PurchaseModelFit): Float64Array | null {
  const predictor = createPredictor({ timeUnit: 'days', sampled: false, purchases: fit, spend: NO_SPEND_MODEL });
  if (!predictor.usable) return null;
  return Float64Array.from({ length: sample.n }, (_, k) => predictor.noPurchase(sample.days, sample.x[k]!, sample.tx[k]!, sample.T[k]!)!);
}

/**
 * The purchase model: the one asked for, or (auto) the candidate whose fit on the base back then
 * predicted the holdout's "no purchase" best by log loss, a proper scoring rule. Without a
 * holdout that has enough outcomes to tell them apart, the default.
 */
function selectModel(input: BaseInput, sample: HoldoutSample | null): ModelSelection {
  const asked = input.model === 'auto' ? null : input.model;
  if (!sample) return { chosen: asked ?? DEFAULT_DROPOUT_MODEL, by: asked ? 'asked' : 'default', holdoutDays: null, candidates: [] };
  const candidates = (asked ? [asked] : DROPOUT_MODELS).map((model): CandidateModel => {
    const fit = fitPurchaseModel(sample.earlier, model, HOLDOUT_FIT_SAMPLE_LIMIT);
    const risks = holdoutRisks(sample, fit);
    return { model, fit, holdoutLogLoss: risks ? logLoss(risks, sample.noPurchase, sample.n) : null };
  });
  if (asked) return { chosen: asked, by: 'asked', holdoutDays: sample.days, candidates };
  const scored = candidates.filter((c) => c.holdoutLogLoss !== null).sort((p, q) => p.holdoutLogLoss! - q.holdoutLogLoss!);
  return scored.length > 0
    ? { chosen: scored[0]!.model, by: 'held_out', holdoutDays: sample.days, candidates }
    : { chosen: DEFAULT_DROPOUT_MODEL, by: 'default', holdoutDays: sample.days, candidates };
}

function logLoss(p: Float64Array, noPurchase: Uint8Array, n: number): number {
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const q = Math.min(Math.max(p[k]!, 1e-6), 1 - 1e-6);
    sum -= noPurchase[k] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return sum / n;
}

/**
 * Churn risk's calibration on the holdout sample: the chosen model's risks one horizon back and
 * the rhythm rule's, against whether each customer bought since. The model's risk is an input
 * only when today's model is usable too, so the calibration can be applied today.
 */
function calibrate(sample: HoldoutSample, fit: PurchaseModelFit, usableToday: boolean): RiskCalibration | null {
  const modelRisk = usableToday ? holdoutRisks(sample, fit) : null;
  return fitRiskCalibration(modelRisk ? 'model_and_rhythm' : 'rhythm', {
    n: sample.n,
    modelRisk: modelRisk ?? new Float64Array(sample.n),
    rhythmRisk: sample.rhythmRisk,
    oneTime: sample.oneTime,
    noPurchase: sample.noPurchase,
  });
}

const NO_SPEND_MODEL = { status: 'too_few_repeat_buyers', params: null, logLikelihood: null, iterations: 0, customers: 0 } as const;

/** Quintile scores, tiers, bands and the per-group interval medians of one view of the base. */
function rank(h: CustomerHistories, group: Int32Array, groupSettings: readonly ScoringSettings[]): Ranking {
  const n = h.count;
  const rScore = new Uint8Array(n);
  const fScore = new Uint8Array(n);
  const mScore = new Uint8Array(n);
  const aovScore = new Uint8Array(n);
  const recency = new Float64Array(n);
  const aov = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    recency[i] = h.asOfDay - h.lastDay[i]!;
    aov[i] = h.windowPurchaseDays[i]! > 0 ? h.windowMinor[i]! / h.windowPurchaseDays[i]! : 0;
  }
  for (const members of groupMembers(group, groupSettings.length, (i) => h.purchaseDays[i]! > 0)) {
    quintileScores(recency, members, false, rScore);
    quintileScores(h.windowPurchaseDays, members, true, fScore);
    quintileScores(h.windowMinor, members, true, mScore);
  }
  for (const members of groupMembers(group, groupSettings.length, (i) => h.windowPurchaseDays[i]! > 0)) {
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
  return { rScore, fScore, mScore, aovScore, tier, band, lowMargin, intervalMedians };
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
