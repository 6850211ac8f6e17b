import { minimizeBfgs, standardErrors } from './optimize.js';
import { digammaDiff, lnGammaRatio } from './special.js';

/**
 * Parameters of BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel & Filiztekin
 * 2007): purchase rates ~ Gamma(r, α), dropout probability ~ Beta(a, b).
 */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * The two dropout models. BG/NBD lets a customer drop out only right after a repeat purchase, so
 * it calls every one-time buyer alive; MBG/NBD also lets them drop out right after the first
 * purchase. Their formulas differ only by that one extra chance to leave (`EXTRA_DROPOUTS`).
 */
export const DROPOUT_MODELS = ['mbgnbd', 'bgnbd'] as const;
export type DropoutModel = (typeof DROPOUT_MODELS)[number];
const EXTRA_DROPOUTS: Record<DropoutModel, number> = { bgnbd: 0, mbgnbd: 1 };

/**
 * Identical (x, t_x, T) tuples merged into weighted groups; distinct x, t_x and T values are
 * indexed so a likelihood evaluation computes each logarithm once per distinct value.
 * x: repeat purchase occasions (a whole number); t_x: time of the last one since the first; T: age.
 */
export interface RfmGroups {
  size: number;
  weight: Float64Array;
  xIndex: Int32Array;
  txIndex: Int32Array;
  tIndex: Int32Array;
  distinctX: Float64Array;
  distinctTx: Float64Array;
  distinctT: Float64Array;
  totalWeight: number;
}

export interface FitResult<P> {
  params: P;
  logLikelihood: number;
  converged: boolean;
  iterations: number;
}

/** Groups the customers `members` (indices into x, tx, T). */
export function groupRfm(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, members: Int32Array): RfmGroups {
  const order = Int32Array.from(members).sort((i, j) => x[i]! - x[j]! || tx[i]! - tx[j]! || T[i]! - T[j]!);
  const distinct = (values: ArrayLike<number>) => {
    const sorted = Float64Array.from(order, (i) => values[i]!).sort();
    const unique = sorted.filter((v, k) => k === 0 || v !== sorted[k - 1]);
    return { unique, index: new Map(Array.from(unique, (v, k) => [v, k])) };
  };
  const dx = distinct(x);
  const dtx = distinct(tx);
  const dT = distinct(T);
  const weight: number[] = [];
  const xIndex: number[] = [];
  const txIndex: number[] = [];
  const tIndex: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const prev = k > 0 ? order[k - 1]! : -1;
    if (prev >= 0 && x[prev] === x[i] && tx[prev] === tx[i] && T[prev] === T[i]) {
      weight[weight.length - 1]!++;
      continue;
    }
    weight.push(1);
    xIndex.push(dx.index.get(x[i]!)!);
    txIndex.push(dtx.index.get(tx[i]!)!);
    tIndex.push(dT.index.get(T[i]!)!);
  }
  return {
    size: weight.length,
    weight: Float64Array.from(weight),
    xIndex: Int32Array.from(xIndex),
    txIndex: Int32Array.from(txIndex),
    tIndex: Int32Array.from(tIndex),
    distinctX: dx.unique,
    distinctTx: dtx.unique,
    distinctT: dT.unique,
    totalWeight: order.length,
  };
}

/** Largest a + b a fit reports. Beyond it Beta(a, b) is a point mass for every figure the model gives. */
export const MAX_DROPOUT_CONCENTRATION = 1e8;
/**
 * Largest standard error (in the optimiser's coordinates: logarithms, logits, u) of an identified
 * fit, BG/NBD or Gamma-Gamma; 2 is a factor e² ≈ 7 either way at one standard error.
 */
export const MAX_STANDARD_ERROR = 2;

/**
 * The dropout distribution Beta(a, b) as its mean m = a/(a+b) and κ = 1/(a+b). The formulas
 * below are written in (m, κ): they stay exact and finite as a + b grows, where the (a, b)
 * forms cancel huge ln Γ values, and κ → 0 is the limit in which every customer has the same
 * dropout probability m.
 */
export function dropoutOf({ a, b }: Pick<BgNbdParams, 'a' | 'b'>): { m: number; kappa: number } {
  return { m: a / (a + b), kappa: 1 / (a + b) };
}

/** The log-likelihood (FHL 2005 eq. 6; for MBG/NBD, BDF 2007), summed over the groups with their weights. */
export function bgNbdLogLikelihood(params: BgNbdParams, g: RfmGroups, model: DropoutModel = 'bgnbd'): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0 && Number.isFinite(a + b))) return Number.NEGATIVE_INFINITY;
  const { m, kappa } = dropoutOf(params);
  return logLikelihoodInMk(model, r, alpha, m, kappa, g, null);
}

/**
 * The likelihood in (m, κ), with s = 0 for BG/NBD and 1 for MBG/NBD:
 *   L = Γ(r+x)/Γ(r) · Π_{j<x+s} (1−m+jκ)/(1+jκ) · [ (1+T/α)^−r (α+T)^−x + δ · m/(1−m+(x−1+s)κ) · (1+t_x/α)^−r (α+t_x)^−x ]
 * with δ = 1 when the customer can have dropped out after the last purchase (BG/NBD: x > 0;
 * MBG/NBD: always). The product is B(a, b+x+s)/B(a, b), the bracket's second term a/(b+x−1+s).
 * Nothing large cancels, so the likelihood stays accurate to ~10⁻¹⁵ however large r, α, a and b
 * are (the identification test needs that curvature). With `gradient`, also fills
 * ∂ ln L/∂(r, ln α, m, κ) into it: the per-x parts are summed once per distinct x, weighted by
 * the share ω of each group's likelihood that comes from the dropped-after-last-purchase term.
 */
function logLikelihoodInMk(model: DropoutModel, r: number, alpha: number, m: number, kappa: number, g: RfmGroups, gradient: Float64Array | null): number {
  if (!(r > 0 && alpha > 0 && m > 0 && m < 1 && kappa > 0 && Number.isFinite(r) && Number.isFinite(alpha))) return Number.NEGATIVE_INFINITY;
  const s = EXTRA_DROPOUTS[model];
  const lnM = Math.log(m);
  const nx = g.distinctX.length;
  const xTerm = new Float64Array(nx);
  const xDropTerm = new Float64Array(nx);
  const dXTermR = new Float64Array(nx);
  const dXTermM = new Float64Array(nx);
  const dXTermK = new Float64Array(nx);
  const dDropM = new Float64Array(nx);
  const dDropK = new Float64Array(nx);
  let lnBetaRatio = 0;
  let dBetaM = 0;
  let dBetaK = 0;
  let j = 0;
  for (let k = 0; k < nx; k++) {
    const x = g.distinctX[k]!;
    for (; j < x + s; j++) {
      const survive = 1 - m + j * kappa;
      lnBetaRatio += Math.log1p(j * kappa - m) - Math.log1p(j * kappa);
      dBetaM -= 1 / survive;
      dBetaK += j / survive - j / (1 + j * kappa);
    }
    xTerm[k] = lnGammaRatio(r, x) + lnBetaRatio;
    dXTermR[k] = x > 0 ? digammaDiff(r, x) : 0;
    dXTermM[k] = dBetaM;
    dXTermK[k] = dBetaK;
    const dropAfter = x - 1 + s;
    if (dropAfter >= 0) {
      const survive = 1 - m + dropAfter * kappa;
      xDropTerm[k] = lnM - Math.log(survive);
      dDropM[k] = 1 / m + 1 / survive;
      dDropK[k] = -dropAfter / survive;
    } else {
      xDropTerm[k] = Number.NEGATIVE_INFINITY;
    }
  }
  // Per distinct T (and t_x): ln(1 + T/α), ln(α + T) and T/(α + T).
  const growthT = Float64Array.from(g.distinctT, (T) => Math.log1p(T / alpha));
  const lnAlphaT = Float64Array.from(g.distinctT, (T) => Math.log(alpha + T));
  const growthTx = Float64Array.from(g.distinctTx, (tx) => Math.log1p(tx / alpha));
  const lnAlphaTx = Float64Array.from(g.distinctTx, (tx) => Math.log(alpha + tx));
  const shareT = gradient ? Float64Array.from(g.distinctT, (T) => T / (alpha + T)) : null;
  const shareTx = gradient ? Float64Array.from(g.distinctTx, (tx) => tx / (alpha + tx)) : null;
  const weightOfX = gradient ? new Float64Array(nx) : null;
  const droppedWeightOfX = gradient ? new Float64Array(nx) : null;
  let sum = 0;
  let dR = 0;
  let dLnAlpha = 0;
  for (let k = 0; k < g.size; k++) {
    const xi = g.xIndex[k]!;
    const x = g.distinctX[xi]!;
    const ti = g.tIndex[k]!;
    const txi = g.txIndex[k]!;
    const w = g.weight[k]!;
    const survived = -r * growthT[ti]! - x * lnAlphaT[ti]!;
    const drop = xDropTerm[xi]!;
    let dropped = 0;
    let logSum = survived;
    if (drop !== Number.NEGATIVE_INFINITY) {
      const droppedAfterLast = drop - r * growthTx[txi]! - x * lnAlphaTx[txi]!;
      const hi = Math.max(survived, droppedAfterLast);
      const e = Math.exp(Math.min(survived, droppedAfterLast) - hi);
      logSum = hi + Math.log1p(e);
      dropped = droppedAfterLast >= survived ? 1 / (1 + e) : e / (1 + e);
    }
    sum += w * (xTerm[xi]! + logSum);
    if (gradient) {
      const kept = 1 - dropped;
      weightOfX![xi]! += w;
      droppedWeightOfX![xi]! += w * dropped;
      dR -= w * (kept * growthT[ti]! + dropped * growthTx[txi]!);
      const fT = shareT![ti]!;
      const fTx = shareTx![txi]!;
      dLnAlpha += w * (kept * (r * fT - x * (1 - fT)) + dropped * (r * fTx - x * (1 - fTx)));
    }
  }
  if (gradient) {
    let dM = 0;
    let dK = 0;
    for (let k = 0; k < nx; k++) {
      const wx = weightOfX![k]!;
      const wd = droppedWeightOfX![k]!;
      dR += wx * dXTermR[k]!;
      dM += wx * dXTermM[k]! + (wd > 0 ? wd * dDropM[k]! : 0);
      dK += wx * dXTermK[k]! + (wd > 0 ? wd * dDropK[k]! : 0);
    }
    gradient[0] = dR;
    gradient[1] = dLnAlpha;
    gradient[2] = dM;
    gradient[3] = dK;
  }
  return sum;
}

export interface BgNbdFitOptions {
  model?: DropoutModel;
  /** Where to start (e.g. the fit of the same base a few months earlier); default r = 1, a = b = 1, α at mean age ÷ mean repeat count. */
  start?: BgNbdParams;
  maxIterations?: number;
}

/**
 * Maximum-likelihood fit by BFGS with the analytic gradient on θ = (ln r, ln α, logit m, u) with
 * κ = κ_min + u² (κ_min = 1/MAX_DROPOUT_CONCENTRATION): every θ is a valid model, and the boundary
 * where dropout is the same for everyone (κ → 0, a and b → ∞ with a/(a+b) fixed) is the smooth
 * minimum u = 0 rather than a run to infinity. The objective is the mean log-likelihood per
 * customer, so tolerances do not depend on the base size.
 *
 * Converged means the optimiser converged and the optimum is identified: the observed
 * information in θ is positive definite and no coordinate's standard error exceeds
 * MAX_STANDARD_ERROR. A likelihood that keeps rising towards a degenerate model (nobody
 * drops out, m → 0; a, b → 0; everyone buys at the same rate, r, α → ∞) is flat there and fails
 * that test, wherever the optimiser stopped.
 */
export function fitBgNbd(g: RfmGroups, options: BgNbdFitOptions = {}): FitResult<BgNbdParams> {
  const model = options.model ?? 'bgnbd';
  const kappaMin = 1 / MAX_DROPOUT_CONCENTRATION;
  const decode = ([lr, la, lm, u]: readonly number[]) => ({ r: Math.exp(lr!), alpha: Math.exp(la!), m: 1 / (1 + Math.exp(-lm!)), kappa: kappaMin + u! * u! });
  const n = Math.max(g.totalWeight, 1);
  const raw = new Float64Array(4);
  const objective = (theta: readonly number[]) => {
    const { r, alpha, m, kappa } = decode(theta);
    const value = -logLikelihoodInMk(model, r, alpha, m, kappa, g, raw) / n;
    // Chain rule from (r, ln α, m, κ) to θ.
    const gradient = [-(r * raw[0]!) / n, -raw[1]! / n, -(m * (1 - m) * raw[2]!) / n, -(2 * theta[3]! * raw[3]!) / n];
    return { value, gradient };
  };
  const result = minimizeBfgs(objective, startOf(g, options.start, kappaMin), { maxIterations: options.maxIterations ?? 300 });
  const { r, alpha, m, kappa } = decode(result.x);
  const params = { r, alpha, a: m / kappa, b: (1 - m) / kappa };
  const logLikelihood = bgNbdLogLikelihood(params, g, model);
  const errors = result.converged ? standardErrors((theta) => objective(theta).gradient, result.x, n) : null;
  const identified = errors !== null && errors.every((e) => e <= MAX_STANDARD_ERROR);
  return { params, logLikelihood, converged: result.converged && identified && Number.isFinite(logLikelihood), iterations: result.iterations };
}

function startOf(g: RfmGroups, start: BgNbdParams | undefined, kappaMin: number): number[] {
  if (start && [start.r, start.alpha, start.a, start.b].every((v) => Number.isFinite(v) && v > 0)) {
    const { m, kappa } = dropoutOf(start);
    return [Math.log(start.r), Math.log(start.alpha), Math.log(m / (1 - m)), Math.sqrt(Math.max(kappa - kappaMin, 0))];
  }
  let sumX = 0;
  let sumT = 0;
  for (let k = 0; k < g.size; k++) {
    sumX += g.weight[k]! * g.distinctX[g.xIndex[k]!]!;
    sumT += g.weight[k]! * g.distinctT[g.tIndex[k]!]!;
  }
  const alpha0 = Math.max(sumT / Math.max(sumX, 1), 1e-3);
  return [0, Math.log(alpha0), 0, Math.sqrt(0.5 - kappaMin)];
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ · a/(b+x−1+s) · ((α+T)/(α+t_x))^(r+x)), a/(b+x−1+s) =
 * m/(1−m+(x−1+s)κ). Plain BG/NBD (s = 0, δ = x > 0) gives every one-time buyer 1; MBG/NBD (s = 1,
 * δ = 1) does not: right after the first purchase it is b/(a+b).
 */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number, model: DropoutModel = 'bgnbd'): number {
  const s = EXTRA_DROPOUTS[model];
  if (x + s === 0) return 1;
  const { r, alpha } = params;
  const { m, kappa } = dropoutOf(params);
  const odds = (m / (1 - m + (x - 1 + s) * kappa)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/**
 * P(no purchase in the next h time units | x, t_x, T) = 1 − P(alive) + P(alive) · ((α+T)/(α+T+h))^(r+x):
 * a customer who dropped out buys nothing; one who is alive buys at a rate whose posterior is
 * Gamma(r+x, α+T) and, in both models, can only drop out at a purchase, so none in h has
 * probability E[e^(−λh)].
 */
export function pNoPurchase(params: BgNbdParams, h: number, x: number, tx: number, T: number, model: DropoutModel = 'bgnbd'): number {
  const alive = pAlive(params, x, tx, T, model);
  const { r, alpha } = params;
  return 1 - alive + alive * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + h)));
}

/**
 * Expected purchases in the next t time units (FHL 2005 eq. 10; BDF 2007 for MBG/NBD):
 * E[Y(t) | x, t_x, T] = (a+b+x−1+s)/(a−1) · [1 − (1−z)^(r+x) ₂F₁(r+x, b+x+s; a+b+x−1+s; z)] · P(alive),
 * z = t/(α+T+t).
 */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number, model: DropoutModel = 'bgnbd'): number {
  return conditionalPurchaseFactor(p, t, x, T, model) * pAlive(p, x, tx, T, model);
}

/**
 * E[Y(t)] for a customer known to be alive (the part of eq. 10 that depends on x and T only).
 * MBG/NBD's is BG/NBD's with b + 1 for b: in (m, κ), m/(1+κ) and κ/(1+κ).
 * The bracket's series grows before it shrinks, by about (r+x)·z/(1−z) terms in the paper's form;
 * Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns it into
 * 1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), which grows by about a·z/(1−z) instead: the
 * form with the smaller growth is summed, so neither frequent buyers (large x) nor a
 * concentrated dropout distribution (large a) needs many terms. Both are written in (m, κ) and
 * summed with a running scale, so (1−z)^(…) underflowing against a huge sum cannot give NaN.
 */
export function conditionalPurchaseFactor(params: BgNbdParams, t: number, x: number, T: number, model: DropoutModel = 'bgnbd'): number {
  if (t <= 0) return 0;
  const { r, alpha } = params;
  const dropout = dropoutOf(params);
  const shift = EXTRA_DROPOUTS[model];
  const m = dropout.m / (1 + shift * dropout.kappa);
  const kappa = dropout.kappa / (1 + shift * dropout.kappa);
  const z = t / (alpha + T + t);
  const a = m / kappa;
  const lead = (1 + (x - 1) * kappa) / (m - kappa); // (a+b+x−1)/(a−1)
  const k = r + x;
  const scaled =
    a - 1 < k
      ? // Euler form: term ratio (a−1+n)/(n+1) · (a+b−1−r+n)/(a+b+x−1+n) · z.
        scaledSeries((a - 1) * Math.log1p(-z), z, a - 1, (n) => (1 - (1 + r) * kappa + n * kappa) / (1 + (x - 1 + n) * kappa))
      : // The paper's form: term ratio (r+x+n)/(n+1) · (b+x+n)/(a+b+x−1+n) · z.
        scaledSeries(k * Math.log1p(-z), z, k, (n) => (1 - m + (x + n) * kappa) / (1 + (x - 1 + n) * kappa));
  return lead * (1 - scaled);
}

/**
 * exp(lnPrefactor) · Σ_n Π_{j<n} ((c+j)/(j+1) · z · f(j)), for 0 ≤ z < 1 and f(j) the ratio of two
 * linear functions of j that tends to 1 (so |f| and |(c+j)/(j+1)| approach 1 monotonically once
 * their signs settle, and z · max(1, |(c+n)/(n+1)|) · max(1, |f(n)|) bounds every later ratio).
 * The sum is kept scaled so that it cannot overflow. NaN if it has not settled within the cap.
 */
function scaledSeries(lnPrefactor: number, z: number, c: number, f: (n: number) => number): number {
  const RESCALE = 1e150;
  let lnScale = 0;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < SERIES_MAX_TERMS; n++) {
    const fn = f(n);
    const growth = (c + n) / (n + 1);
    term *= growth * z * fn;
    sum += term;
    if (Math.abs(sum) > RESCALE) {
      sum /= RESCALE;
      term /= RESCALE;
      lnScale += Math.log(RESCALE);
    }
    if (c + n >= 0 && fn >= 0) {
      const bound = z * Math.max(1, growth) * Math.max(1, fn);
      if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= 1e-16 * Math.abs(sum)) {
        return Math.sign(sum) * Math.exp(lnPrefactor + lnScale + Math.log(Math.abs(sum)));
      }
    }
  }
  return Number.NaN;
}

const SERIES_MAX_TERMS = 100_000;

/** ∂ ln L/∂(r, α, a, b) by the analytic formulas the fit uses (for checking them against differences). */
export function bgNbdGradient(params: BgNbdParams, g: RfmGroups, model: DropoutModel = 'bgnbd'): BgNbdParams {
  const { m, kappa } = dropoutOf(params);
  const raw = new Float64Array(4);
  logLikelihoodInMk(model, params.r, params.alpha, m, kappa, g, raw);
  const total = params.a + params.b;
  return {
    r: raw[0]!,
    alpha: raw[1]! / params.alpha,
    a: (params.b / total ** 2) * raw[2]! - raw[3]! / total ** 2,
    b: (-params.a / total ** 2) * raw[2]! - raw[3]! / total ** 2,
  };
}
