const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Coefficients of Stirling's series for ln Γ: B_2k / (2k(2k−1)), k = 1..6. */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360];

/** ln Γ(x) − ((x−½) ln x − x + ½ ln 2π): Stirling's series, accurate to ~1e-16 for x ≥ 15. */
function stirlingTail(x: number): number {
  const inv2 = 1 / (x * x);
  let sum = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) sum = sum * inv2 + STIRLING[k]!;
  return sum / x;
}

/**
 * ln Γ(x+d) − ln Γ(x) for x > 0, x + d > 0, without the cancellation of the two large ln Γ values
 * when x is large: (x−½) ln(1+d/x) + d ln(x+d) − d plus the difference of Stirling tails.
 */
export function lnGammaRatio(x: number, d: number): number {
  if (Math.min(x, x + d) < 15) return lnGamma(x + d) - lnGamma(x);
  return (x - 0.5) * Math.log1p(d / x) + d * Math.log(x + d) - d + stirlingTail(x + d) - stirlingTail(x);
}

const HYP2F1_MAX_TERMS = 100_000;

/**
 * Gauss's hypergeometric 2F1(a, b; c; z) by its power series, for 0 ≤ z < 1 (terms shrink
 * like zⁿ). Returns NaN if the series has not settled within the term cap.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < HYP2F1_MAX_TERMS; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    // Past n > |a| + |b| + |c| every further ratio is below 1, so a negligible term ends it.
    if (Math.abs(term) <= 1e-15 * Math.abs(sum) && n > Math.abs(a) + Math.abs(b) + Math.abs(c)) return sum;
  }
  return Number.NaN;
}

/** Coefficients of the asymptotic series of ψ: B_2k / 2k, k = 1..6. */
const DIGAMMA_SERIES = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760];

/** ψ(x) − (ln x − 1/(2x)) for x ≥ 15, to ~1e-17. */
function digammaTail(x: number): number {
  const inv2 = 1 / (x * x);
  let sum = 0;
  for (let k = DIGAMMA_SERIES.length - 1; k >= 0; k--) sum = sum * inv2 + DIGAMMA_SERIES[k]!;
  return -sum * inv2;
}

/** The digamma function ψ(x) = d/dx ln Γ(x), for x > 0 (recurrence up to 15, then the asymptotic series). */
export function digamma(x: number): number {
  let shift = 0;
  while (x < 15) {
    shift -= 1 / x;
    x += 1;
  }
  return shift + Math.log(x) - 0.5 / x + digammaTail(x);
}

/** ψ(x+d) − ψ(x), the derivative of lnGammaRatio(x, d) in x, for x > 0 and x + d > 0; no cancellation when x is large. */
export function digammaDiff(x: number, d: number): number {
  if (Math.min(x, x + d) < 15) return digamma(x + d) - digamma(x);
  return Math.log1p(d / x) - 0.5 / (x + d) + 0.5 / x + digammaTail(x + d) - digammaTail(x);
}
