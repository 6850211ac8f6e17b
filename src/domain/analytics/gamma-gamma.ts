import { MAX_STANDARD_ERROR, type FitResult } from './bgnbd.js';
import { minimizeBfgs, standardErrors } from './optimize.js';
import { digammaDiff, lnGamma, lnGammaRatio } from './special.js';

/** Gamma-Gamma spend parameters (Fader & Hardie 2013): spend per occasion ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Repeat customers' x (repeat occasions, a whole number) and z̄ (mean spend per repeat occasion), both > 0. */
export interface SpendSample {
  x: Float64Array;
  meanSpend: Float64Array;
}

/** A spend sample sorted by x with the logarithms that do not depend on the parameters. */
interface PreparedSpend {
  x: Float64Array;
  /** x · z̄, total repeat spend. */
  total: Float64Array;
  /** Σ over customers of ln z̄ and of x · ln(x z̄). */
  sumLnZ: number;
  sumXLnTotal: number;
  /** Distinct x values and how many customers have each. */
  distinctX: Float64Array;
  countOfX: Float64Array;
  /** Index into distinctX per customer. */
  xIndex: Int32Array;
}

function prepare(s: SpendSample): PreparedSpend {
  const order = Int32Array.from(s.x, (_, i) => i).sort((i, j) => s.x[i]! - s.x[j]!);
  const x = Float64Array.from(order, (i) => s.x[i]!);
  const total = Float64Array.from(order, (i) => s.x[i]! * s.meanSpend[i]!);
  const distinct: number[] = [];
  const counts: number[] = [];
  const xIndex = new Int32Array(x.length);
  let sumLnZ = 0;
  let sumXLnTotal = 0;
  for (let k = 0; k < x.length; k++) {
    if (k === 0 || x[k] !== x[k - 1]) {
      distinct.push(x[k]!);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    xIndex[k] = distinct.length - 1;
    sumLnZ += Math.log(total[k]! / x[k]!);
    sumXLnTotal += x[k]! * Math.log(total[k]!);
  }
  return { x, total, sumLnZ, sumXLnTotal, distinctX: Float64Array.from(distinct), countOfX: Float64Array.from(counts), xIndex };
}

/**
 * ln L = Σ ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄),
 * evaluated as ln Γ(px+q)/Γ(px) − ln Γ(q) + q ln γ − px·(ln(γ + x z̄) − ln(x z̄)) − ln z̄ − q ln(γ + x z̄)
 * so that no two large terms cancel when p is large (spend that hardly varies within a customer).
 * The Γ terms depend on x only, so they are computed once per distinct x; each customer costs one
 * logarithm. With `gradient`, also fills ∂ ln L/∂(p, q, γ).
 */
function logLikelihood({ p, q, gamma }: GammaGammaParams, s: PreparedSpend, gradient: Float64Array | null): number {
  if (!(p > 0 && q > 0 && gamma > 0 && Number.isFinite(p) && Number.isFinite(q) && Number.isFinite(gamma))) return Number.NEGATIVE_INFINITY;
  const lnGammaQ = lnGamma(q);
  const lnGam = Math.log(gamma);
  let sum = -s.sumLnZ + p * s.sumXLnTotal;
  let dP = s.sumXLnTotal;
  let dQ = 0;
  let dGamma = 0;
  for (let k = 0; k < s.distinctX.length; k++) {
    const x = s.distinctX[k]!;
    const count = s.countOfX[k]!;
    sum += count * (lnGammaRatio(p * x, q) - lnGammaQ + q * lnGam);
    if (gradient) {
      const psi = digammaDiff(p * x, q);
      dP += count * x * psi;
      dQ += count * (digammaDiff(q, p * x) + lnGam);
      dGamma += (count * q) / gamma;
    }
  }
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i]!;
    const base = gamma + s.total[i]!;
    const lnBase = Math.log(base);
    sum -= (p * x + q) * lnBase;
    if (gradient) {
      dP -= x * lnBase;
      dQ -= lnBase;
      dGamma -= (p * x + q) / base;
    }
  }
  if (gradient) {
    gradient[0] = dP;
    gradient[1] = dQ;
    gradient[2] = dGamma;
  }
  return sum;
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, s: SpendSample): number {
  return logLikelihood(params, prepare(s), null);
}

/**
 * Maximum likelihood by BFGS with the analytic gradient on log-parameters, from p = q = 1 and γ at
 * the mean spend. Converged, as for BG/NBD, only when the optimiser converged and the optimum is
 * identified: the observed information in (ln p, ln q, ln γ) is positive definite and no standard
 * error exceeds MAX_STANDARD_ERROR. Spend that never varies within a customer sends p → ∞ and
 * γ → 0 along a flat ridge, which an optimiser can otherwise stop on.
 */
export function fitGammaGamma(sample: SpendSample, maxIterations = 300): FitResult<GammaGammaParams> {
  const s = prepare(sample);
  const n = Math.max(s.x.length, 1);
  let meanSpend = 0;
  for (let i = 0; i < s.x.length; i++) meanSpend += s.total[i]! / s.x[i]! / n;
  const toParams = ([lp, lq, lg]: readonly number[]): GammaGammaParams => ({ p: Math.exp(lp!), q: Math.exp(lq!), gamma: Math.exp(lg!) });
  const raw = new Float64Array(3);
  const objective = (v: readonly number[]) => {
    const params = toParams(v);
    const value = -logLikelihood(params, s, raw) / n;
    return { value, gradient: [-(params.p * raw[0]!) / n, -(params.q * raw[1]!) / n, -(params.gamma * raw[2]!) / n] };
  };
  const result = minimizeBfgs(objective, [0, 0, Math.log(Math.max(meanSpend, 1e-6))], { maxIterations });
  const params = toParams(result.x);
  const ll = logLikelihood(params, s, null);
  const errors = result.converged ? standardErrors((v) => objective(v).gradient, result.x, n) : null;
  const identified = errors !== null && errors.every((e) => e <= MAX_STANDARD_ERROR);
  return { params, logLikelihood: ll, converged: result.converged && identified && Number.isFinite(ll), iterations: result.iterations };
}

/**
 * E[spend per occasion | x, z̄] = p(γ + x z̄) / (px + q − 1): a weighted mix of the population
 * mean pγ/(q−1) and the customer's own mean. With x = 0 it is the population mean. Needs q > 1.
 */
export function expectedAverageSpend({ p, q, gamma }: GammaGammaParams, x: number, meanSpend: number): number {
  return (p * (gamma + x * meanSpend)) / (p * x + q - 1);
}
