export interface MinimizeOptions {
  /** Cap on simplex iterations across all restarts. */
  maxIterations?: number;
  /** Converged when the simplex's values differ by at most this (relative to the best value, plus itself). */
  fTolerance?: number;
  /** …and its vertices by at most this in every coordinate. */
  xTolerance?: number;
  /** Size of the first simplex's steps away from the start point. */
  initialStep?: number;
  /** Fresh simplexes built around the optimum found, to unstick a collapsed simplex. */
  restarts?: number;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Nelder–Mead downhill simplex (standard coefficients: reflect 1, expand 2, contract ½,
 * shrink ½). Non-finite values count as +∞, so the simplex backs away from invalid regions.
 * After convergence it restarts from the best point with a fresh simplex: a simplex that
 * collapsed on a ridge then moves on, and one at a true minimum converges again at once.
 */
export function nelderMead(f: (x: readonly number[]) => number, start: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const { maxIterations = 5000, fTolerance = 1e-12, xTolerance = 1e-9, initialStep = 0.1, restarts = 2 } = options;
  let evaluations = 0;
  const evaluate = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = { x: [...start], value: evaluate([...start]) };
  let iterations = 0;
  let converged = false;
  for (let round = 0; round <= restarts; round++) {
    const run = simplexRun(evaluate, best.x, best.value, initialStep, maxIterations - iterations, fTolerance, xTolerance);
    iterations += run.iterations;
    const improved = best.value - run.value;
    best = { x: run.x, value: run.value };
    converged = run.converged;
    if (!converged || improved <= fTolerance * (Math.abs(best.value) + fTolerance)) break;
  }
  return { ...best, iterations, evaluations, converged };
}

function simplexRun(
  evaluate: (x: number[]) => number,
  start: number[],
  startValue: number,
  step: number,
  maxIterations: number,
  fTolerance: number,
  xTolerance: number,
): { x: number[]; value: number; iterations: number; converged: boolean } {
  const n = start.length;
  let points = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + (v === 0 ? step : step * Math.max(1, Math.abs(v))) : v)))];
  let values = [startValue, ...points.slice(1).map(evaluate)];
  const combine = (from: number[], to: number[], t: number) => from.map((v, i) => v + t * (to[i]! - v));
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
    points = order.map((i) => points[i]!);
    values = order.map((i) => values[i]!);
    const bestValue = values[0]!;
    const worstValue = values[n]!;
    const spread = Math.max(...points.slice(1).flatMap((p) => p.map((v, i) => Math.abs(v - points[0]![i]!))));
    if (worstValue - bestValue <= fTolerance * (Math.abs(bestValue) + fTolerance) && spread <= xTolerance) {
      return { x: points[0]!, value: bestValue, iterations: iteration, converged: true };
    }
    const centroid = start.map((_, i) => points.slice(0, n).reduce((s, p) => s + p[i]!, 0) / n);
    const worst = points[n]!;
    const reflected = combine(centroid, worst, -1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < bestValue) {
      const expanded = combine(centroid, worst, -2);
      const expandedValue = evaluate(expanded);
      [points[n], values[n]] = expandedValue < reflectedValue ? [expanded, expandedValue] : [reflected, reflectedValue];
    } else if (reflectedValue < values[n - 1]!) {
      [points[n], values[n]] = [reflected, reflectedValue];
    } else {
      const outside = reflectedValue < worstValue;
      const contracted = combine(centroid, outside ? reflected : worst, 0.5);
      const contractedValue = evaluate(contracted);
      if (contractedValue < (outside ? reflectedValue : worstValue)) {
        [points[n], values[n]] = [contracted, contractedValue];
      } else {
        for (let i = 1; i <= n; i++) {
          points[i] = combine(points[0]!, points[i]!, 0.5);
          values[i] = evaluate(points[i]!);
        }
      }
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return { x: points[bestIndex]!, value: values[bestIndex]!, iterations: maxIterations, converged: false };
}
