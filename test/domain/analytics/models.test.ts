import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conditionalPurchaseFactor,
  dropoutOf,
  expectedPurchases,
  fitBgNbd,
  groupRfm,
  MAX_DROPOUT_CONCENTRATION,
  pAlive,
  type BgNbdParams,
} from '../../../src/domain/analytics/bgnbd.js';
import { expectedAverageSpend, fitGammaGamma } from '../../../src/domain/analytics/gamma-gamma.js';
import { createHistoryFolder, dayOf } from '../../../src/domain/analytics/history.js';
import { minimizeBfgs, standardErrors } from '../../../src/domain/analytics/optimize.js';
import { hyp2f1, lnGamma, lnGammaRatio } from '../../../src/domain/analytics/special.js';
import { seededRandom } from '../../../src/domain/random.js';
import { readCsv, readSampleTransactions } from './cdnow.js';
import { gammaVariate, simulateBgNbd } from './simulate.js';

const CDNOW_PAPER: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('special functions', () => {
  it('does match known ln Γ values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362_880), 11);
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
  });

  it('does give ln Γ(x+d) − ln Γ(x) to full precision where the two ln Γ values are huge (mpmath, 40 digits)', () => {
    expect(lnGammaRatio(15, 0.5)).toBeCloseTo(1.345693308376932124, 13);
    expect(lnGammaRatio(100, 2.5)).toBeCloseTo(11.53155162418319524, 12);
    expect(lnGammaRatio(30_000, 0.3)).toBeCloseTo(3.092682298185509972, 13);
    expect(lnGammaRatio(1e7, 3)).toBeCloseTo(48.35428725287493436, 12);
    expect(lnGammaRatio(2, 3)).toBeCloseTo(Math.log(24), 13);
  });

  it('does match closed forms of 2F1', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.5, 1, 1, z)).toBeCloseTo((1 - z) ** -0.5, 10);
    }
  });
});

describe('minimizeBfgs', () => {
  const rosenbrock = ([x, y]: readonly number[]) => ({
    value: (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2,
    gradient: [-2 * (1 - x!) - 400 * x! * (y! - x! ** 2), 200 * (y! - x! ** 2)],
  });

  it('does find the Rosenbrock minimum at (1, 1) and say it converged', () => {
    const result = minimizeBfgs(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });

  it('does report no convergence when the iteration cap stops it', () => {
    const result = minimizeBfgs(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });

  it('does give the standard errors √diag((n·H)⁻¹) of a quadratic, and none when a direction is flat', () => {
    // f = ½ xᵀHx with H = [[4, 1], [1, 2]]: H⁻¹ = [[2, −1], [−1, 4]] / 7.
    const gradient = ([x, y]: readonly number[]) => [4 * x! + y!, x! + 2 * y!];
    const errors = standardErrors(gradient, [0, 0], 100)!;
    expect(errors[0]).toBeCloseTo(Math.sqrt(2 / 7 / 100), 8);
    expect(errors[1]).toBeCloseTo(Math.sqrt(4 / 7 / 100), 8);
    expect(standardErrors(([x, y]) => [2 * (x! + y!), 2 * (x! + y!)], [0, 0], 100)).toBeNull();
  });

  it('does back away from regions where the function is not finite', () => {
    const result = minimizeBfgs(([x]) => ({ value: x! < 0 ? Number.NaN : (x! - 2) ** 2, gradient: [2 * (x! - 2)] }), [1]);
    expect(result.x[0]).toBeCloseTo(2, 6);
  });
});

describe('BG/NBD on the CDNOW sample (Fader, Hardie & Lee 2005)', () => {
  const rows = readCsv('cdnow_customers_summary.csv');
  const x = rows.map((r) => r[1]!);
  const tx = rows.map((r) => r[2]!);
  const T = rows.map((r) => r[3]!);
  const groups = groupRfm(x, tx, T, Int32Array.from(rows, (_, i) => i));
  const fit = fitBgNbd(groups);

  it('does reproduce the paper’s r, α, a, b and log-likelihood when fitted in weeks', () => {
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.r - CDNOW_PAPER.r)).toBeLessThan(0.005);
    expect(Math.abs(fit.params.alpha - CDNOW_PAPER.alpha)).toBeLessThan(0.005);
    expect(Math.abs(fit.params.a - CDNOW_PAPER.a)).toBeLessThan(0.005);
    expect(Math.abs(fit.params.b - CDNOW_PAPER.b)).toBeLessThan(0.005);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(groups.totalWeight).toBe(2357);
  });

  it('does reproduce the paper’s 1.226 expected purchases in 39 weeks for customer 1 (x=2, t_x=30.43, T=38.86)', () => {
    expect(expectedPurchases(fit.params, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('does fit the same model from raw transactions folded into purchase days, α scaled by 7 in days', () => {
    const transactions = readSampleTransactions().filter((t) => t.date <= '1997-09-30');
    const asOfDay = dayOf(Date.parse('1997-09-30T00:00:00Z'));
    const folder = createHistoryFolder(2357, [{ asOfDay, windowStartDay: new Int32Array(2357) }]);
    const sorted = [...transactions].sort((p, q) => p.id - q.id || p.date.localeCompare(q.date));
    for (const t of sorted) folder.add(t.id - 1, dayOf(Date.parse(`${t.date}T00:00:00Z`)), Math.round(t.dollars * 100), null, null);
    const [h] = folder.finish();
    // Eight sample customers bought one free ($0.00) CD and nothing else: no purchase occasion for Rapport, x = 0 in the summary.
    const free = new Set(transactions.filter((t) => t.dollars === 0).map((t) => t.id - 1));
    expect([...free].sort((p, q) => p - q)).toEqual([86, 154, 226, 285, 1079, 1194, 1292, 2085]);
    const xs = Array.from(h!.purchaseDays, (d, i) => (free.has(i) ? 0 : d - 1));
    const txs = Array.from(h!.lastDay, (d, i) => (free.has(i) ? 0 : d - h!.firstDay[i]!));
    const firstDays = Array.from(h!.firstDay, (d, i) => (free.has(i) ? dayOf(Date.parse(`${transactions.find((t) => t.id - 1 === i)!.date}T00:00:00Z`)) : d));
    const Ts = firstDays.map((d) => asOfDay - d);
    expect([...free].every((i) => h!.purchaseDays[i] === 0 && h!.orderCount[i] === 1)).toBe(true);
    // The summary file is the same data in weeks, rounded to 2 decimals.
    expect(xs).toEqual(x);
    xs.forEach((_, i) => expect(Math.abs(txs[i]! / 7 - tx[i]!)).toBeLessThanOrEqual(0.005 + 1e-9));
    const days = fitBgNbd(groupRfm(xs, txs, Ts, Int32Array.from(xs, (_, i) => i))).params;
    expect(Math.abs(days.alpha / 7 - CDNOW_PAPER.alpha)).toBeLessThan(0.01);
    expect(Math.abs(days.r - CDNOW_PAPER.r)).toBeLessThan(0.005);
  });

  it('does keep P(alive) in [0, 1] and falling as the last purchase gets older, for fixed frequency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 1, max: 200, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (freq, age, u, v) => {
        const [early, late] = [Math.min(u, v) * age, Math.max(u, v) * age];
        const olderLast = pAlive(fit.params, freq, early, age);
        const newerLast = pAlive(fit.params, freq, late, age);
        expect(olderLast).toBeGreaterThanOrEqual(0);
        expect(newerLast).toBeLessThanOrEqual(1);
        expect(olderLast).toBeLessThanOrEqual(newerLast + 1e-15);
      }),
    );
  });

  it('does give one-time buyers P(alive) = 1 (the trap the engine handles with the rhythm rule)', () => {
    expect(pAlive(fit.params, 0, 0, 38)).toBe(1);
  });

  it('does expect more purchases over longer horizons', () => {
    const horizons = [1, 4, 13, 26, 52].map((t) => conditionalPurchaseFactor(fit.params, t, 3, 38));
    horizons.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(horizons[i]!));
  });
});

describe('BG/NBD on bases simulated from known parameters (days)', () => {
  const fitSimulated = (sim: { x: number[]; tx: number[]; T: number[] }) => fitBgNbd(groupRfm(sim.x, sim.tx, sim.T, Int32Array.from(sim.x, (_, i) => i)));

  // Every customer drops out with the same p, so the likelihood rises all the way to a + b → ∞
  // with a/(a+b) fixed. In log a, log b that is a ridge to infinity; the fit used to run along it
  // until the iteration cap and call itself not converged. This base is the bench's shape.
  it('does converge on a base whose dropout probability is the same for everyone and recover r, α and that p', () => {
    const fit = fitSimulated(simulateBgNbd(1, 10_000, { r: 1, alpha: 100, p: 0.08 }, 1000));
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(300);
    expect(fit.params.r).toBeGreaterThan(0.95);
    expect(fit.params.r).toBeLessThan(1.05);
    expect(fit.params.alpha).toBeGreaterThan(95);
    expect(fit.params.alpha).toBeLessThan(105);
    const { m, kappa } = dropoutOf(fit.params);
    expect(Math.abs(m - 0.08)).toBeLessThan(0.005);
    expect(kappa).toBeLessThan(1e-6);
  });

  it('does recover r, α, a and b of a base with heterogeneous dropout', () => {
    const fit = fitSimulated(simulateBgNbd(2, 10_000, { r: 0.8, alpha: 60, a: 0.8, b: 2.5 }, 1000));
    expect(fit.converged).toBe(true);
    const truth: BgNbdParams = { r: 0.8, alpha: 60, a: 0.8, b: 2.5 };
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(Math.abs(fit.params[key] / truth[key] - 1)).toBeLessThan(0.1);
  });

  it('does report not converged when nobody ever drops out and the likelihood runs off to a degenerate model', () => {
    expect(fitSimulated(simulateBgNbd(3, 200, { r: 2, alpha: 60, p: 0 }, 1000)).converged).toBe(false);
  });

  it('does report not converged when everyone buys at the same rate and the likelihood runs off to r, α → ∞', () => {
    expect(fitSimulated(simulateBgNbd(4, 300, { r: 1e6, alpha: 30e6, a: 0.8, b: 2.5 }, 1000)).converged).toBe(false);
  });

  it('does not converge on the first 60 CDNOW customers, whose likelihood runs off to a, b → 0', () => {
    const rows = readCsv('cdnow_customers_summary.csv').slice(0, 60);
    expect(fitSimulated({ x: rows.map((r) => r[1]!), tx: rows.map((r) => r[2]!), T: rows.map((r) => r[3]!) }).converged).toBe(false);
  });

  it('does give the homogeneous-dropout limit (1 − ((α+T)/(α+T+pt))^(r+x)) / p for E[Y(t)] at the largest a + b', () => {
    const [r, alpha, p] = [1.1, 110, 0.055];
    const params = { r, alpha, a: p * MAX_DROPOUT_CONCENTRATION, b: (1 - p) * MAX_DROPOUT_CONCENTRATION };
    for (const x of [0, 1, 10, 120]) {
      for (const T of [0, 100, 2000]) {
        for (const t of [1, 30, 365]) {
          const limit = (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p;
          // The cap leaves Beta(a, b+x) a spread of order κ·x = 10⁻⁸·x around its mean.
          expect(Math.abs(conditionalPurchaseFactor(params, t, x, T) / limit - 1)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('does agree with eq. 10 through the plain 2F1 series where that is finite, and stay finite where it is not', () => {
    const paper = ({ r, alpha, a, b }: BgNbdParams, t: number, x: number, T: number) => {
      const z = t / (alpha + T + t);
      return ((a + b + x - 1) / (a - 1)) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z));
    };
    for (const params of [CDNOW_PAPER, { r: 0.5, alpha: 10, a: 1.5, b: 0.7 }, { r: 2, alpha: 30, a: 30, b: 300 }]) {
      for (const x of [0, 1, 5, 100, 500]) {
        for (const T of [0, 10, 1000]) {
          for (const t of [1, 39, 365]) expect(Math.abs(conditionalPurchaseFactor(params, t, x, T) / paper(params, t, x, T) - 1)).toBeLessThan(1e-9);
        }
      }
    }
    // With a + b = 10⁵, (1−z)^(a−1) underflows and the plain series overflows. E[Y] falls as the
    // dropout distribution concentrates, so it lies between its value at a + b = 10⁴ and the limit.
    const withConcentration = (s: number) => ({ r: 1.1, alpha: 110, a: 0.055 * s, b: 0.945 * s });
    expect(Number.isFinite(paper(withConcentration(1e5), 365, 10, 200))).toBe(false);
    const value = conditionalPurchaseFactor(withConcentration(1e5), 365, 10, 200);
    const limit = (1 - ((110 + 200) / (110 + 200 + 0.055 * 365)) ** 11.1) / 0.055;
    expect(value).toBeLessThan(paper(withConcentration(1e4), 365, 10, 200));
    expect(value).toBeGreaterThan(limit);
  });
});

describe('Gamma-Gamma on the CDNOW repeat buyers (Fader & Hardie 2013)', () => {
  const repeat = readCsv('cdnow_customers_summary_with_transactions.csv').filter((r) => r[1]! > 0);
  const fit = fitGammaGamma({ x: Float64Array.from(repeat, (r) => r[1]!), meanSpend: Float64Array.from(repeat, (r) => r[4]!) });

  it('does reproduce p ≈ 6.25, q ≈ 3.74, γ ≈ 15.44 on the 946 repeat buyers', () => {
    expect(repeat).toHaveLength(946);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.p - 6.25)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.q - 3.74)).toBeLessThan(0.05);
    expect(Math.abs(fit.params.gamma - 15.44)).toBeLessThan(0.05);
  });

  it('does shrink a customer’s mean spend towards the population mean, less so with more purchases', () => {
    const population = expectedAverageSpend(fit.params, 0, 0);
    expect(population).toBeCloseTo((fit.params.p * fit.params.gamma) / (fit.params.q - 1), 10);
    const once = expectedAverageSpend(fit.params, 1, 100);
    const often = expectedAverageSpend(fit.params, 20, 100);
    expect(once).toBeGreaterThan(population);
    expect(often).toBeGreaterThan(once);
    expect(often).toBeLessThan(100);
  });
});

describe('Gamma-Gamma on spend that never varies within a customer', () => {
  it('does report not converged: p → ∞ and γ → 0 along a flat ridge is no optimum', () => {
    const random = seededRandom(11);
    const x = Float64Array.from({ length: 400 }, () => 1 + Math.floor(random() * 20));
    // Each customer spends exactly their own mean every time: 1/ν with ν ~ Gamma(4, 1/5000).
    const meanSpend = Float64Array.from(x, () => 5_000 / gammaVariate(random, 4));
    expect(fitGammaGamma({ x, meanSpend }).converged).toBe(false);
  });
});
