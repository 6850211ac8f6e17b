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

/**
 * Standard errors of a maximum-likelihood estimate from the observed information: `f` is the
 * mean negative log-likelihood over `n` observations and `x` its minimiser, the Hessian is taken
 * by central differences with `step` in every coordinate, and the errors are √diag((n·H)⁻¹).
 * Null when H is not positive definite, to the precision a finite-difference Hessian has (a
 * Cholesky pivot below 1e-9 of the largest diagonal entry counts as zero): the minimum is not a
 * proper one (flat or a saddle) in some direction, so the data do not pin the coordinates down.
 */
export function standardErrors(f: (x: readonly number[]) => number, x: readonly number[], n: number, step = 1e-3): number[] | null {
  const d = x.length;
  const at = (moves: [number, number][]) => f(x.map((v, i) => v + moves.reduce((s, [j, by]) => (j === i ? s + by : s), 0)));
  const centre = f(x);
  const h: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    h[i]![i] = (at([[i, step]]) - 2 * centre + at([[i, -step]])) / step ** 2;
    for (let j = 0; j < i; j++) {
      const mixed = (at([[i, step], [j, step]]) - at([[i, step], [j, -step]]) - at([[i, -step], [j, step]]) + at([[i, -step], [j, -step]])) / (4 * step ** 2);
      h[i]![j] = mixed;
      h[j]![i] = mixed;
    }
  }
  // Cholesky H = L Lᵀ; then diag(H⁻¹)_i = Σ_k (L⁻¹)_ki².
  const smallestPivot = 1e-9 * Math.max(...h.map((row, i) => Math.abs(row[i]!)));
  const l: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(sum > smallestPivot)) return null;
        l[i]![i] = Math.sqrt(sum);
      } else {
        l[i]![j] = sum / l[j]![j]!;
      }
    }
  }
  const inverse: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let col = 0; col < d; col++) {
    for (let i = col; i < d; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = col; k < i; k++) sum -= l[i]![k]! * inverse[k]![col]!;
      inverse[i]![col] = sum / l[i]![i]!;
    }
  }
  const errors = Array.from({ length: d }, (_, i) => Math.sqrt(inverse.reduce((s, row) => s + row[i]! ** 2, 0) / n));
  return errors.every(Number.isFinite) ? errors : null;
}
