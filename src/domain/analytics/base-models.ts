import { conditionalPurchaseFactor, fitBgNbd, groupRfm, pAlive, type BgNbdParams } from './bgnbd.js';
import { expectedAverageSpend, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import type { CustomerHistories } from './history.js';

/** Above this many customers the models are fitted on a deterministic sample of this size. */
export const FIT_SAMPLE_LIMIT = 10_000;
/** Fewer repeat buyers than this cannot pin four BG/NBD parameters down: the rhythm rule stands in. */
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
  logLikelihood: number | null;
  iterations: number;
  /** Customers the fit saw (after sampling), and the weighted groups they made. */
  customers: number;
}

export interface BaseModels {
  /** Time unit of the BG/NBD parameters (α is a scale in this unit). */
  timeUnit: 'days';
  sampled: boolean;
  bgnbd: ModelFit<BgNbdParams> & { groups: number };
  /** Spend in minor units. */
  gammaGamma: ModelFit<GammaGammaParams>;
}

/** The BG/NBD inputs of customer i in days: x repeat purchase days, t_x, T. */
export function modelInputs(h: CustomerHistories, asOfDay: number, i: number): { x: number; tx: number; T: number } {
  return { x: h.purchaseDays[i]! - 1, tx: h.lastDay[i]! - h.firstDay[i]!, T: asOfDay - h.firstDay[i]! };
}

/** A stable pseudo-random number in [0, 1) for slot i, for the deterministic fit sample. */
function slotHash(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

/**
 * Fits BG/NBD on every customer with a purchase (x, t_x, T in days) and Gamma-Gamma on the
 * repeat buyers with repeat spend; above FIT_SAMPLE_LIMIT customers both use the same
 * deterministic sample (a hash of the customer's slot), so the cost of a fit is bounded.
 */
export function fitBaseModels(h: CustomerHistories, asOfDay: number): BaseModels {
  let buyers = 0;
  for (let i = 0; i < h.count; i++) if (h.firstDay[i]! >= 0) buyers++;
  const sampled = buyers > FIT_SAMPLE_LIMIT;
  const keep = FIT_SAMPLE_LIMIT / buyers;
  const members: number[] = [];
  for (let i = 0; i < h.count; i++) if (h.firstDay[i]! >= 0 && (!sampled || slotHash(i) < keep)) members.push(i);

  const x = new Float64Array(h.count);
  const tx = new Float64Array(h.count);
  const T = new Float64Array(h.count);
  const spendX: number[] = [];
  const meanSpend: number[] = [];
  for (const i of members) {
    const inputs = modelInputs(h, asOfDay, i);
    x[i] = inputs.x;
    tx[i] = inputs.tx;
    T[i] = inputs.T;
    if (inputs.x > 0 && h.repeatSpendMinor[i]! > 0) {
      spendX.push(inputs.x);
      meanSpend.push(h.repeatSpendMinor[i]! / inputs.x);
    }
  }
  const repeatBuyers = members.filter((i) => x[i]! > 0).length;
  const groups = groupRfm(x, tx, T, Int32Array.from(members));
  const unfitted = { status: 'too_few_repeat_buyers' as const, params: null, logLikelihood: null, iterations: 0 };
  const bgnbd =
    repeatBuyers < MIN_REPEAT_BUYERS
      ? { ...unfitted, customers: members.length, groups: groups.size }
      : (() => {
          const fit = fitBgNbd(groups);
          return { ...fit, status: statusOf(fit.converged), customers: members.length, groups: groups.size };
        })();
  const gammaGamma =
    spendX.length < MIN_REPEAT_BUYERS
      ? { ...unfitted, customers: spendX.length }
      : (() => {
          const fit = fitGammaGamma({ x: Float64Array.from(spendX), meanSpend: Float64Array.from(meanSpend) });
          // q ≤ 1 leaves the population mean spend undefined: not usable.
          return { ...fit, status: statusOf(fit.converged && fit.params.q > 1), customers: spendX.length };
        })();
  return { timeUnit: 'days', sampled, bgnbd, gammaGamma };
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

/**
 * Per-customer predictions from fitted models. `aliveProbability` is 1 − the churn risk: P(alive)
 * for repeat buyers, the rhythm rule's survival for one-time buyers (see docs/ANALYTICS.md). CLV
 * sums each month's expected purchases × expected spend, discounted monthly. The
 * E[Y(t)] factors depend on (x, T) only and are cached, since many customers share them.
 */
export function createValuePredictor(models: BaseModels): {
  /** BG/NBD P(alive) for a repeat buyer; null for one-time buyers (plain BG/NBD says 1) or without a fit. */
  pAliveOf(x: number, tx: number, T: number): number | null;
  predict(input: { x: number; T: number; repeatSpendMinor: number; aliveProbability: number; annualDiscountRate: number }): ValuePrediction;
} {
  const bg = models.bgnbd.status === 'converged' ? models.bgnbd.params : null;
  const gg = models.gammaGamma.status === 'converged' ? models.gammaGamma.params : null;
  const factors = new Map<number, Float64Array>();
  const factorsOf = (params: BgNbdParams, x: number, T: number) => {
    const key = x * 1_000_003 + T;
    let cached = factors.get(key);
    if (!cached) {
      cached = Float64Array.from(HORIZONS, (t) => conditionalPurchaseFactor(params, t, x, T));
      factors.set(key, cached);
    }
    return cached;
  };
  return {
    pAliveOf: (x, tx, T) => (bg && x > 0 ? pAlive(bg, x, tx, T) : null),
    predict({ x, T, repeatSpendMinor, aliveProbability, annualDiscountRate }) {
      const expectedAovMinor = gg ? expectedAverageSpend(gg, x, x > 0 ? repeatSpendMinor / x : 0) : null;
      if (!bg) return { expected30: null, expected90: null, expectedAovMinor, clv12Minor: null };
      const f = factorsOf(bg, x, T);
      let clv12Minor: number | null = null;
      if (expectedAovMinor !== null) {
        const monthlyDiscount = (1 + annualDiscountRate) ** (1 / 12);
        let discounted = 0;
        for (let m = 1; m <= 12; m++) discounted += (f[m + 1]! - (m === 1 ? 0 : f[m]!)) / monthlyDiscount ** m;
        clv12Minor = expectedAovMinor * discounted * aliveProbability;
      }
      return {
        expected30: f[0]! * aliveProbability,
        expected90: f[1]! * aliveProbability,
        expectedAovMinor,
        clv12Minor,
      };
    },
  };
}
