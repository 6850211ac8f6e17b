import { seededRandom, type Random } from '../../../src/domain/random.js';

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), boosted for shape < 1. */
export function gammaVariate(random: Random, shape: number): number {
  if (shape < 1) return gammaVariate(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(Math.max(random(), Number.MIN_VALUE))) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** The dropout of a simulated base: Beta(a, b) across customers, or the same p for everyone. */
export type SimulatedDropout = { a: number; b: number } | { p: number };

/**
 * Customers drawn from BG/NBD itself (in days): rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b) or
 * fixed; first purchase `age` days before the as-of day, uniform in 1..maxAge; then purchases at
 * rate λ, after each of which the customer leaves with probability p. Returns x, t_x and T.
 */
export function simulateBgNbd(seed: number, customers: number, params: { r: number; alpha: number } & SimulatedDropout, maxAge: number) {
  const random = seededRandom(seed);
  const x = new Array<number>(customers);
  const tx = new Array<number>(customers);
  const T = new Array<number>(customers);
  for (let i = 0; i < customers; i++) {
    const rate = gammaVariate(random, params.r) / params.alpha;
    let p: number;
    if ('p' in params) {
      p = params.p;
    } else {
      const ga = gammaVariate(random, params.a);
      p = ga / (ga + gammaVariate(random, params.b));
    }
    const age = 1 + Math.floor(random() * maxAge);
    let at = 0;
    let repeats = 0;
    let last = 0;
    for (;;) {
      at += -Math.log(1 - random()) / rate;
      if (at > age) break;
      repeats++;
      last = at;
      if (random() < p) break;
    }
    x[i] = repeats;
    tx[i] = last;
    T[i] = age;
  }
  return { x, tx, T };
}
