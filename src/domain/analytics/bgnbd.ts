import { lnGammaRatio } from './special.js';
import { nelderMead, standardErrors } from './optimize.js';

/** BG/NBD parameters (Fader, Hardie & Lee 2005): purchase rates ~ Gamma(r, α), dropout ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Identical (x, t_x, T) tuples merged into weighted groups; distinct x, t_x and T values are
 * indexed so a likelihood evaluation computes each logarithm once per distinct value.
 * x: repeat purchase occasions; t_x: time of the last one since the first; T: age.
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

/** The BG/NBD log-likelihood (FHL 2005, eq. 6), summed over the groups with their weights. */
export function bgNbdLogLikelihood(params: BgNbdParams, g: RfmGroups): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0 && Number.isFinite(a + b))) return Number.NEGATIVE_INFINITY;
  const { m, kappa } = dropoutOf(params);
  return logLikelihoodInMk(r, alpha, m, kappa, g);
}

/**
 * Eq. 6 in (m, κ). B(a, b+x)/B(a, b) = Π_{j<x} (b+j)/(a+b+j) = Π_{j<x} (1−m+jκ)/(1+jκ) (x is a count)
 * is summed in logarithms up to the largest x, and ln a/(b+x−1) = ln m − ln(1−m+(x−1)κ). Likewise
 * r ln α − (r+x) ln(α+T) is taken as −r ln(1+T/α) − x ln(α+T) and ln Γ(r+x)/Γ(r) as one
 * difference, so no two large terms cancel when r and α are large. (A likelihood that is only
 * accurate to 10⁻⁸ has no usable curvature for the identification test.)
 */
function logLikelihoodInMk(r: number, alpha: number, m: number, kappa: number, g: RfmGroups): number {
  if (!(r > 0 && alpha > 0 && m > 0 && m < 1 && kappa > 0)) return Number.NEGATIVE_INFINITY;
  const lnM = Math.log(m);
  // Terms that depend on x only: ln Γ(r+x)/Γ(r) + ln B(a, b+x)/B(a, b), and ln a/(b+x−1).
  const xTerm = new Float64Array(g.distinctX.length);
  const xDropTerm = new Float64Array(g.distinctX.length);
  let lnBetaRatio = 0;
  let j = 0;
  for (let k = 0; k < g.distinctX.length; k++) {
    const x = g.distinctX[k]!;
    for (; j < x; j++) lnBetaRatio += Math.log1p(j * kappa - m) - Math.log1p(j * kappa);
    xTerm[k] = lnGammaRatio(r, x) + lnBetaRatio;
    xDropTerm[k] = x > 0 ? lnM - Math.log1p((x - 1) * kappa - m) : Number.NEGATIVE_INFINITY;
  }
  // Per distinct T (and t_x): ln(1 + T/α) and ln(α + T).
  const growthT = Float64Array.from(g.distinctT, (T) => Math.log1p(T / alpha));
  const lnAlphaT = Float64Array.from(g.distinctT, (T) => Math.log(alpha + T));
  const growthTx = Float64Array.from(g.distinctTx, (tx) => Math.log1p(tx / alpha));
  const lnAlphaTx = Float64Array.from(g.distinctTx, (tx) => Math.log(alpha + tx));
  let sum = 0;
  for (let k = 0; k < g.size; k++) {
    const xi = g.xIndex[k]!;
    const x = g.distinctX[xi]!;
    const ti = g.tIndex[k]!;
    const txi = g.txIndex[k]!;
    const survived = -r * growthT[ti]! - x * lnAlphaT[ti]!;
    const droppedAfterLast = xDropTerm[xi]! - r * growthTx[txi]! - x * lnAlphaTx[txi]!;
    const hi = Math.max(survived, droppedAfterLast);
    const lo = Math.min(survived, droppedAfterLast);
    sum += g.weight[k]! * (xTerm[xi]! + hi + Math.log1p(Math.exp(lo - hi)));
  }
  return sum;
}

/**
 * Maximum-likelihood fit by Nelder–Mead on θ = (ln r, ln α, logit m, u) with κ = κ_min + u²
 * (κ_min = 1/MAX_DROPOUT_CONCENTRATION): every θ is a valid model, and the boundary where
 * dropout is the same for everyone (κ → 0, a and b → ∞ with a/(a+b) fixed) is the smooth
 * minimum u = 0 rather than a run to infinity. Started from r = 1, a = b = 1 and α at the
 * base's mean age over mean repeat count.
 *
 * Converged means the simplex converged and the optimum is identified: the observed
 * information in θ is positive definite and no coordinate's standard error exceeds
 * MAX_STANDARD_ERROR. A likelihood that keeps rising towards a degenerate model (nobody
 * drops out, m → 0; a, b → 0; everyone buys at the same rate, r, α → ∞) is flat there and fails
 * that test, though a simplex may have shrunk onto some point of it.
 */
export function fitBgNbd(g: RfmGroups, maxIterations = 800): FitResult<BgNbdParams> {
  let sumX = 0;
  let sumT = 0;
  for (let k = 0; k < g.size; k++) {
    sumX += g.weight[k]! * g.distinctX[g.xIndex[k]!]!;
    sumT += g.weight[k]! * g.distinctT[g.tIndex[k]!]!;
  }
  const alpha0 = Math.max(sumT / Math.max(sumX, 1), 1e-3);
  const kappaMin = 1 / MAX_DROPOUT_CONCENTRATION;
  const decode = ([lr, la, lm, u]: readonly number[]) => ({ r: Math.exp(lr!), alpha: Math.exp(la!), m: 1 / (1 + Math.exp(-lm!)), kappa: kappaMin + u! * u! });
  // Per-customer average keeps the objective's scale (and so the tolerances) independent of the base size.
  const objective = (theta: readonly number[]) => {
    const { r, alpha, m, kappa } = decode(theta);
    return -logLikelihoodInMk(r, alpha, m, kappa, g) / g.totalWeight;
  };
  const result = nelderMead(objective, [0, Math.log(alpha0), 0, Math.sqrt(0.5 - kappaMin)], { maxIterations, initialStep: 0.5 });
  const { r, alpha, m, kappa } = decode(result.x);
  const params = { r, alpha, a: m / kappa, b: (1 - m) / kappa };
  const logLikelihood = bgNbdLogLikelihood(params, g);
  const errors = result.converged ? standardErrors(objective, result.x, g.totalWeight) : null;
  const identified = errors !== null && errors.every((e) => e <= MAX_STANDARD_ERROR);
  return { params, logLikelihood, converged: result.converged && identified && Number.isFinite(logLikelihood), iterations: result.iterations };
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), with
 * a/(b+x−1) = m/(1−m+(x−1)κ). For x = 0 it is 1: plain BG/NBD lets customers drop out only
 * right after a repeat purchase (the one-time-buyer trap, handled by the caller).
 */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha } = params;
  const { m, kappa } = dropoutOf(params);
  const odds = (m / (1 - m + (x - 1) * kappa)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/**
 * Expected purchases in the next t time units (FHL 2005, eq. 10):
 * E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − (1−z)^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive),
 * z = t/(α+T+t).
 */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return conditionalPurchaseFactor(p, t, x, T) * pAlive(p, x, tx, T);
}

/**
 * E[Y(t)] for a customer known to be alive (the part of eq. 10 that depends on x and T only).
 * The bracket's series grows before it shrinks, by about (r+x)·z/(1−z) terms in the paper's form;
 * Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns it into
 * 1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), which grows by about a·z/(1−z) instead: the
 * form with the smaller growth is summed, so neither frequent buyers (large x) nor a
 * concentrated dropout distribution (large a) needs many terms. Both are written in (m, κ) and
 * summed with a running scale, so (1−z)^(…) underflowing against a huge sum cannot give NaN.
 */
export function conditionalPurchaseFactor(params: BgNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha } = params;
  const { m, kappa } = dropoutOf(params);
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
