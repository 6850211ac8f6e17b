import { conditionalPurchaseFactor, fitBgNbd, groupRfm, pAlive, pNoPurchase, type BgNbdParams, type DropoutModel } from './bgnbd.js';
import { expectedAverageSpend, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import type { CustomerHistories } from './history.js';

/**
 * Up to this many customers with a purchase, the models are fitted on all of them; above it, on
 * a deterministic sample of about this size (docs/ANALYTICS.md gives its measured cost).
 */
export const FIT_SAMPLE_LIMIT = 100_000;
/** Fewer repeat buyers than this cannot pin four parameters down: the rhythm rule stands in. */
export const MIN_REPEAT_BUYERS = 20;
/** CLV months are average calendar months. */
export const DAYS_PER_MONTH = 365.25 / 12;
/** The horizons E[Y(t)] is needed at: 30 and 90 days, then the ends of months 1..12 for the CLV. */
const HORIZONS = [30, 90, ...Array.from({ length: 12 }, (_, m) => (m + 1) * DAYS_PER_MONTH)];

export type FitStatus = 'converged' | 'not_converged' | 'too_few_repeat_buyers';

export interface ModelFit<P> {
  status: FitStatus;
  /** Null when there was nothing to fit. */
  params: P | null;
  /** In days and minor units (see `repeatPurchases` for the conversion to weeks). */
  logLikelihood: number | null;
  iterations: number;
  /** Customers the fit saw (after sampling). */
  customers: number;
}

export interface PurchaseModelFit extends ModelFit<BgNbdParams> {
  model: DropoutModel;
  /** Weighted groups of identical (x, t_x, T) the customers made. */
  groups: number;
  /**
   * Σ x over the customers fitted. The likelihood has one density per repeat purchase, so in weeks
   * it is the one in days plus ln 7 · Σ x (the paper's CDNOW −9582.4 is in weeks).
   */
  repeatPurchases: number;
}

export interface BaseModels {
  /** Time unit of the purchase model's parameters (α is a scale in this unit). */
  timeUnit: 'days';
  sampled: boolean;
  purchases: PurchaseModelFit;
  /** Gamma-Gamma; spend in minor units. */
  spend: ModelFit<GammaGammaParams>;
}

/** The model inputs of customer i in days: x repeat purchase days, t_x, T (meaningless without a purchase). */
export function modelInputs(h: CustomerHistories, i: number): { x: number; tx: number; T: number } {
  return { x: h.purchaseDays[i]! - 1, tx: h.lastDay[i]! - h.firstDay[i]!, T: h.asOfDay - h.firstDay[i]! };
}

/** A stable pseudo-random number in [0, 1) for slot i, for the deterministic fit sample. */
function slotHash(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

/** The customers the models are fitted on: every purchaser, or above `limit` a deterministic sample of about that many. */
function fitMembers(h: CustomerHistories, limit = FIT_SAMPLE_LIMIT): { members: Int32Array; sampled: boolean } {
  let buyers = 0;
  for (let i = 0; i < h.count; i++) if (h.purchaseDays[i]! > 0) buyers++;
  const sampled = buyers > limit;
  const keep = limit / buyers;
  const members = new Int32Array(buyers);
  let n = 0;
  for (let i = 0; i < h.count; i++) if (h.purchaseDays[i]! > 0 && (!sampled || slotHash(i) < keep)) members[n++] = i;
  return { members: members.subarray(0, n), sampled };
}

const unfitted = { status: 'too_few_repeat_buyers' as const, params: null, logLikelihood: null, iterations: 0 };

/**
 * Fits the purchase model (BG/NBD or MBG/NBD) on every purchaser (x, t_x, T in days), or above
 * `sampleLimit` (default FIT_SAMPLE_LIMIT) on a deterministic sample of about that many.
 */
export function fitPurchaseModel(h: CustomerHistories, model: DropoutModel, sampleLimit = FIT_SAMPLE_LIMIT): PurchaseModelFit {
  return fitPurchaseModelOn(h, fitMembers(h, sampleLimit).members, model, undefined);
}

function fitPurchaseModelOn(h: CustomerHistories, members: Int32Array, model: DropoutModel, start: BgNbdParams | undefined): PurchaseModelFit {
  const x = new Float64Array(h.count);
  const tx = new Float64Array(h.count);
  const T = new Float64Array(h.count);
  let repeatBuyers = 0;
  let repeatPurchases = 0;
  for (const i of members) {
    const inputs = modelInputs(h, i);
    x[i] = inputs.x;
    tx[i] = inputs.tx;
    T[i] = inputs.T;
    if (inputs.x > 0) repeatBuyers++;
    repeatPurchases += inputs.x;
  }
  const groups = groupRfm(x, tx, T, members);
  const base = { model, customers: members.length, groups: groups.size, repeatPurchases };
  if (repeatBuyers < MIN_REPEAT_BUYERS) return { ...unfitted, ...base };
  const fit = fitBgNbd(groups, { model, ...(start ? { start } : {}) });
  return { ...fit, status: statusOf(fit.converged), ...base };
}

/**
 * Fits the purchase model and Gamma-Gamma (on the repeat buyers' net spend per repeat occasion,
 * always positive) on the same customers: every purchaser, or above FIT_SAMPLE_LIMIT a
 * deterministic sample (a hash of the customer's slot), so the cost of a fit is bounded.
 */
export function fitBaseModels(h: CustomerHistories, model: DropoutModel, start?: BgNbdParams): BaseModels {
  const { members, sampled } = fitMembers(h);
  const purchases = fitPurchaseModelOn(h, members, model, start);
  const spendX: number[] = [];
  const meanSpend: number[] = [];
  for (const i of members) {
    const x = h.purchaseDays[i]! - 1;
    if (x > 0) {
      spendX.push(x);
      meanSpend.push(h.repeatSpendMinor[i]! / x);
    }
  }
  const spend: ModelFit<GammaGammaParams> =
    spendX.length < MIN_REPEAT_BUYERS
      ? { ...unfitted, customers: spendX.length }
      : (() => {
          const fit = fitGammaGamma({ x: Float64Array.from(spendX), meanSpend: Float64Array.from(meanSpend) });
          // q ≤ 1 leaves the population mean spend undefined: not usable.
          return { ...fit, status: statusOf(fit.converged && fit.params.q > 1), customers: spendX.length };
        })();
  return { timeUnit: 'days', sampled, purchases, spend };
}

function statusOf(converged: boolean): FitStatus {
  return converged ? 'converged' : 'not_converged';
}

export interface ValuePrediction {
  expected30: number | null;
  expected90: number | null;
  expectedAovMinor: number | null;
  clv12Minor: number | null;
}

export interface Predictor {
  /** True when the purchase model converged and its figures may be used. */
  readonly usable: boolean;
  /** P(alive); null without a usable model, and for BG/NBD's one-time buyers (it calls them all alive). */
  pAlive(x: number, tx: number, T: number): number | null;
  /** P(no purchase in the next `days`); null without a usable model. */
  noPurchase(days: number, x: number, tx: number, T: number): number | null;
  /** Expected purchase days in the next `days`; null without a usable model. */
  expectedPurchases(days: number, x: number, tx: number, T: number): number | null;
  predict(input: { x: number; tx: number; T: number; repeatSpendMinor: number; alive: boolean; annualDiscountRate: number }): ValuePrediction;
}

/**
 * Per-customer predictions from fitted models. E[Y(t)] is the model's own conditional
 * expectation (P(alive) included); CLV sums each month's expected purchases × expected spend,
 * discounted monthly; a customer the win-back flow marked lost (`alive` false) is expected to buy
 * nothing. The E[Y(t)] factors depend on (x, T) only and are cached, since many customers share them.
 */
export function createPredictor(models: BaseModels): Predictor {
  const purchases = models.purchases;
  const bg = purchases.status === 'converged' ? purchases.params : null;
  const model = purchases.model;
  const gg = models.spend.status === 'converged' ? models.spend.params : null;
  const factors = new Map<number, Float64Array>();
  const factorsOf = (params: BgNbdParams, x: number, T: number) => {
    const key = x * 1_000_003 + T;
    let cached = factors.get(key);
    if (!cached) {
      cached = Float64Array.from(HORIZONS, (t) => conditionalPurchaseFactor(params, t, x, T, model));
      factors.set(key, cached);
    }
    return cached;
  };
  return {
    usable: bg !== null,
    pAlive: (x, tx, T) => (bg && (model !== 'bgnbd' || x > 0) ? pAlive(bg, x, tx, T, model) : null),
    noPurchase: (days, x, tx, T) => (bg ? pNoPurchase(bg, days, x, tx, T, model) : null),
    expectedPurchases: (days, x, tx, T) => (bg ? conditionalPurchaseFactor(bg, days, x, T, model) * pAlive(bg, x, tx, T, model) : null),
    predict({ x, tx, T, repeatSpendMinor, alive, annualDiscountRate }) {
      const expectedAovMinor = gg ? expectedAverageSpend(gg, x, x > 0 ? repeatSpendMinor / x : 0) : null;
      if (!bg) return { expected30: null, expected90: null, expectedAovMinor, clv12Minor: null };
      const survival = alive ? pAlive(bg, x, tx, T, model) : 0;
      const f = factorsOf(bg, x, T);
      let clv12Minor: number | null = null;
      if (expectedAovMinor !== null) {
        const monthlyDiscount = (1 + annualDiscountRate) ** (1 / 12);
        let discounted = 0;
        for (let m = 1; m <= 12; m++) discounted += (f[m + 1]! - (m === 1 ? 0 : f[m]!)) / monthlyDiscount ** m;
        clv12Minor = expectedAovMinor * discounted * survival;
      }
      return { expected30: f[0]! * survival, expected90: f[1]! * survival, expectedAovMinor, clv12Minor };
    },
  };
}
