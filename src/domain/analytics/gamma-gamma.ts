import { lnGamma, lnGammaRatio } from './special.js';
import { nelderMead, standardErrors } from './optimize.js';
import { MAX_STANDARD_ERROR, type FitResult } from './bgnbd.js';

/** Gamma-Gamma spend parameters (Fader & Hardie 2013): spend per occasion ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Repeat customers' x (repeat occasions) and z̄ (mean spend per repeat occasion), both > 0. */
export interface SpendSample {
  x: Float64Array;
  meanSpend: Float64Array;
}

/**
 * ln L = Σ ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄),
 * evaluated as ln Γ(px+q)/Γ(px) − ln Γ(q) + q ln γ − px·ln(1 + γ/(x z̄)) − ln z̄ − q ln(γ + x z̄) so
 * that no two large terms cancel when p is large (spend that hardly varies within a customer).
 * The Γ terms depend on x only, so they are computed once per distinct x.
 */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, s: SpendSample): number {
  if (!(p > 0 && q > 0 && gamma > 0)) return Number.NEGATIVE_INFINITY;
  const lnGammaQ = lnGamma(q);
  const lnGam = Math.log(gamma);
  const byX = new Map<number, number>();
  let sum = 0;
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i]!;
    const z = s.meanSpend[i]!;
    let gammaTerm = byX.get(x);
    if (gammaTerm === undefined) {
      gammaTerm = lnGammaRatio(p * x, q) - lnGammaQ + q * lnGam;
      byX.set(x, gammaTerm);
    }
    sum += gammaTerm - p * x * Math.log1p(gamma / (x * z)) - Math.log(z) - q * Math.log(gamma + x * z);
  }
  return sum;
}

/**
 * Maximum likelihood by Nelder–Mead on log-parameters, from p = q = 1 and γ at the mean spend.
 * Converged, as for BG/NBD, only when the simplex converged and the optimum is identified: the
 * observed information in (ln p, ln q, ln γ) is positive definite and no standard error exceeds
 * MAX_STANDARD_ERROR. Spend that never varies within a customer sends p → ∞ and γ → 0 along a
 * flat ridge, which a simplex can otherwise mistake for a minimum.
 */
export function fitGammaGamma(s: SpendSample, maxIterations = 800): FitResult<GammaGammaParams> {
  const n = Math.max(s.x.length, 1);
  const meanSpend = s.meanSpend.reduce((acc, z) => acc + z, 0) / n;
  const toParams = ([lp, lq, lg]: readonly number[]): GammaGammaParams => ({ p: Math.exp(lp!), q: Math.exp(lq!), gamma: Math.exp(lg!) });
  const objective = (v: readonly number[]) => -gammaGammaLogLikelihood(toParams(v), s) / n;
  const result = nelderMead(objective, [0, 0, Math.log(Math.max(meanSpend, 1e-6))], { maxIterations, initialStep: 0.5 });
  const params = toParams(result.x);
  const logLikelihood = gammaGammaLogLikelihood(params, s);
  const errors = result.converged ? standardErrors(objective, result.x, n) : null;
  const identified = errors !== null && errors.every((e) => e <= MAX_STANDARD_ERROR);
  return { params, logLikelihood, converged: result.converged && identified && Number.isFinite(logLikelihood), iterations: result.iterations };
}

/**
 * E[spend per occasion | x, z̄] = p(γ + x z̄) / (px + q − 1): a weighted mix of the population
 * mean pγ/(q−1) and the customer's own mean. With x = 0 it is the population mean. Needs q > 1.
 */
export function expectedAverageSpend({ p, q, gamma }: GammaGammaParams, x: number, meanSpend: number): number {
  return (p * (gamma + x * meanSpend)) / (p * x + q - 1);
}
