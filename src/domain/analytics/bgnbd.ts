import { lnGamma, hyp2f1 } from './special.js';
import { nelderMead } from './optimize.js';

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

/** The BG/NBD log-likelihood (FHL 2005, eq. 6), summed over the groups with their weights. */
export function bgNbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, g: RfmGroups): number {
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return Number.NEGATIVE_INFINITY;
  const lnGammaR = lnGamma(r);
  const lnBetaAB = lnGamma(a) + lnGamma(b) - lnGamma(a + b);
  // Terms that depend on x only: ln Γ(r+x)/Γ(r) + r ln α + ln B(a, b+x)/B(a, b), and ln a/(b+x−1).
  const xTerm = Float64Array.from(g.distinctX, (x) => lnGamma(r + x) - lnGammaR + r * Math.log(alpha) + lnGamma(a) + lnGamma(b + x) - lnGamma(a + b + x) - lnBetaAB);
  const xDropTerm = Float64Array.from(g.distinctX, (x) => (x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY));
  const lnAlphaT = Float64Array.from(g.distinctT, (T) => Math.log(alpha + T));
  const lnAlphaTx = Float64Array.from(g.distinctTx, (tx) => Math.log(alpha + tx));
  let sum = 0;
  for (let k = 0; k < g.size; k++) {
    const xi = g.xIndex[k]!;
    const power = r + g.distinctX[xi]!;
    const survived = -power * lnAlphaT[g.tIndex[k]!]!;
    const droppedAfterLast = xDropTerm[xi]! - power * lnAlphaTx[g.txIndex[k]!]!;
    const hi = Math.max(survived, droppedAfterLast);
    const lo = Math.min(survived, droppedAfterLast);
    sum += g.weight[k]! * (xTerm[xi]! + hi + Math.log1p(Math.exp(lo - hi)));
  }
  return sum;
}

/**
 * Maximum-likelihood fit by Nelder–Mead on the logarithms of the parameters (so they stay
 * positive), started from r = 1, a = b = 1 and α at the base's mean age over mean repeat count.
 */
export function fitBgNbd(g: RfmGroups, maxIterations = 800): FitResult<BgNbdParams> {
  let sumX = 0;
  let sumT = 0;
  for (let k = 0; k < g.size; k++) {
    sumX += g.weight[k]! * g.distinctX[g.xIndex[k]!]!;
    sumT += g.weight[k]! * g.distinctT[g.tIndex[k]!]!;
  }
  const alpha0 = Math.max(sumT / Math.max(sumX, 1), 1e-3);
  const toParams = ([lr, la, lA, lB]: readonly number[]): BgNbdParams => ({ r: Math.exp(lr!), alpha: Math.exp(la!), a: Math.exp(lA!), b: Math.exp(lB!) });
  // Per-customer average keeps the objective's scale (and so the tolerances) independent of the base size.
  const result = nelderMead((p) => -bgNbdLogLikelihood(toParams(p), g) / g.totalWeight, [0, Math.log(alpha0), 0, 0], {
    maxIterations,
    initialStep: 0.5,
  });
  const params = toParams(result.x);
  const logLikelihood = bgNbdLogLikelihood(params, g);
  return { params, logLikelihood, converged: result.converged && Number.isFinite(logLikelihood), iterations: result.iterations };
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)). For x = 0 it is 1:
 * plain BG/NBD lets customers drop out only right after a repeat purchase (the one-time-buyer
 * trap, handled by the caller).
 */
export function pAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const odds = (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/**
 * Expected purchases in the next t time units (FHL 2005, eq. 10):
 * E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive)·(1+…),
 * z = t/(α+T+t). Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns the
 * bracket into 1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose series does not blow up for
 * frequent buyers (its numerator parameters no longer grow with x).
 */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return conditionalPurchaseFactor(p, t, x, T) * pAlive(p, x, tx, T);
}

/** E[Y(t)] for a customer known to be alive (the part of eq. 10 that depends on x and T only). */
export function conditionalPurchaseFactor({ r, alpha, a, b }: BgNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  return ((a + b + x - 1) / (a - 1)) * bracket;
}
