import { cholesky, inverseDiagonal } from './linear-algebra.js';

/** A smooth objective and its gradient at one point, computed together (they share most work). */
export type Objective = (x: readonly number[]) => { value: number; gradient: number[] };

export interface MinimizeOptions {
  /** Cap on quasi-Newton iterations. */
  maxIterations?: number;
  /** Converged when every gradient component is at most this… */
  gradientTolerance?: number;
  /** …or when a full step changes the value by at most this (relative to the value, plus itself). */
  valueTolerance?: number;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;
/** A gradient this small (relative to the value) is at the rounding floor of a sum over many customers. */
const STALL_GRADIENT = 1e-6;
/** Steps in a row that change nothing before the search counts as stalled. */
const STALL_STEPS = 3;

/**
 * BFGS with a backtracking (Armijo) line search. Non-finite values count as +∞, so a step into
 * an invalid region is shortened until it lands somewhere valid. The curvature update is skipped
 * when it would not keep the inverse Hessian positive definite. Converged means the gradient
 * vanished (relative to the value), or a full-length step no longer moved the value; a search
 * that stalls (no decrease found, or several steps that change nothing) has converged only if
 * the gradient is down at the rounding floor of a large sum.
 */
export function minimizeBfgs(f: Objective, start: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const { maxIterations = 200, gradientTolerance = 1e-9, valueTolerance = 1e-14 } = options;
  const n = start.length;
  let evaluations = 0;
  const evaluate = (x: number[]) => {
    evaluations++;
    const result = f(x);
    return Number.isFinite(result.value) && result.gradient.every(Number.isFinite) ? result : null;
  };
  let x = [...start];
  let current: { value: number; gradient: number[] } | null = evaluate(x);
  if (!current) return { x, value: Number.POSITIVE_INFINITY, iterations: 0, evaluations, converged: false };
  const done = (iterations: number, converged: boolean) => ({ x, value: current!.value, iterations, evaluations, converged });
  const largestSlope = () => Math.max(...current!.gradient.map(Math.abs));
  // Inverse Hessian approximation, row-major; starts as the identity.
  let h = identity(n);
  let stalled = 0;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const scale = Math.max(1, Math.abs(current.value));
    const g: number[] = current.gradient;
    if (largestSlope() <= gradientTolerance * scale) return done(iteration, true);
    let direction: number[] = multiply(h, g).map((v) => -v);
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // Lost descent (numerical trouble): restart from steepest descent.
      h = identity(n);
      direction = g.map((v) => -v);
      slope = dot(direction, g);
    }
    let step = 1;
    let next: { x: number[]; result: { value: number; gradient: number[] } } | null = null;
    for (let backtrack = 0; backtrack < MAX_BACKTRACKS; backtrack++, step /= 2) {
      const candidate: number[] = x.map((v, i) => v + step * direction[i]!);
      const result = evaluate(candidate);
      if (result && result.value <= current.value + ARMIJO * step * slope) {
        next = { x: candidate, result };
        break;
      }
    }
    if (!next) return done(iteration, largestSlope() <= STALL_GRADIENT * scale);
    const s = next.x.map((v, i) => v - x[i]!);
    const y = next.result.gradient.map((v, i) => v - g[i]!);
    const unmoved = current.value - next.result.value <= valueTolerance * scale;
    x = next.x;
    current = next.result;
    if (unmoved && step === 1) return done(iteration + 1, true);
    stalled = unmoved ? stalled + 1 : 0;
    if (stalled >= STALL_STEPS) return done(iteration + 1, largestSlope() <= STALL_GRADIENT * scale);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) h = bfgsUpdate(h, s, y, sy);
  }
  return done(maxIterations, false);
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : 0)));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function multiply(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v));
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1 / yᵀs. */
function bfgsUpdate(h: number[][], s: number[], y: number[], sy: number): number[][] {
  const rho = 1 / sy;
  const hy = multiply(h, y);
  const yhy = dot(y, hy);
  return h.map((row, i) => row.map((v, j) => v - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!));
}

/**
 * Standard errors of a maximum-likelihood estimate from the observed information: `gradient` is
 * the gradient of the mean negative log-likelihood over `n` observations and `x` its minimiser.
 * The Hessian is taken by central differences of the gradient with `step` in every coordinate
 * (symmetrised), and the errors are √diag((n·H)⁻¹). Null when H is not positive definite, to
 * the precision a finite-difference Hessian has (a Cholesky pivot below 1e-9 of the largest
 * diagonal entry counts as zero): the minimum is not a proper one (flat or a saddle) in some
 * direction, so the data do not pin the coordinates down.
 */
export function standardErrors(gradient: (x: readonly number[]) => number[], x: readonly number[], n: number, step = 1e-4): number[] | null {
  const d = x.length;
  const rows = Array.from({ length: d }, (_, i) => {
    const up = gradient(x.map((v, j) => (j === i ? v + step : v)));
    const down = gradient(x.map((v, j) => (j === i ? v - step : v)));
    return up.map((g, j) => (g - down[j]!) / (2 * step));
  });
  const h = rows.map((row, i) => row.map((v, j) => (v + rows[j]![i]!) / 2));
  if (!h.every((row) => row.every(Number.isFinite))) return null;
  const l = cholesky(h, 1e-9 * Math.max(...h.map((row, i) => Math.abs(row[i]!))));
  if (!l) return null;
  const errors = inverseDiagonal(l).map((v) => Math.sqrt(v / n));
  return errors.every(Number.isFinite) ? errors : null;
}
