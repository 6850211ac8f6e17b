/** Small dense linear algebra for the fits (a handful of parameters): Cholesky and what it solves. */

/** The Cholesky factor L of a symmetric matrix (A = L Lᵀ), or null when a pivot is not above `minPivot` (not positive definite). */
export function cholesky(a: readonly (readonly number[])[], minPivot = 0): number[][] | null {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(sum > minPivot)) return null;
        l[i]![i] = Math.sqrt(sum);
      } else {
        l[i]![j] = sum / l[j]![j]!;
      }
    }
  }
  return l;
}

/** Solves L Lᵀ x = b. */
export function solveCholesky(l: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * y[k]!;
    y[i] = sum / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

/** diag(A⁻¹) from A's Cholesky factor: Σ_k (L⁻¹)_ki². */
export function inverseDiagonal(l: readonly (readonly number[])[]): number[] {
  const d = l.length;
  const inverse: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let col = 0; col < d; col++) {
    for (let i = col; i < d; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = col; k < i; k++) sum -= l[i]![k]! * inverse[k]![col]!;
      inverse[i]![col] = sum / l[i]![i]!;
    }
  }
  return Array.from({ length: d }, (_, i) => inverse.reduce((s, row) => s + row[i]! ** 2, 0));
}
