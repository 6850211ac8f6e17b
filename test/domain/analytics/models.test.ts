import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionalPurchaseFactor, expectedPurchases, fitBgNbd, groupRfm, pAlive, type BgNbdParams } from '../../../src/domain/analytics/bgnbd.js';
import { expectedAverageSpend, fitGammaGamma } from '../../../src/domain/analytics/gamma-gamma.js';
import { createHistoryFolder, dayOf } from '../../../src/domain/analytics/history.js';
import { nelderMead } from '../../../src/domain/analytics/optimize.js';
import { hyp2f1, lnGamma } from '../../../src/domain/analytics/special.js';
import { readCsv, readSampleTransactions } from './cdnow.js';

const CDNOW_PAPER: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('special functions', () => {
  it('does match known ln Γ values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362_880), 11);
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
  });

  it('does match closed forms of 2F1', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.5, 1, 1, z)).toBeCloseTo((1 - z) ** -0.5, 10);
    }
  });
});

describe('nelderMead', () => {
  it('does find the Rosenbrock minimum at (1, 1) and say it converged', () => {
    const rosenbrock = ([x, y]: readonly number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });

  it('does report no convergence when the iteration cap stops it', () => {
    const result = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2, [-1.2, 1], { maxIterations: 10 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(10);
  });

  it('does back away from regions where the function is not finite', () => {
    const result = nelderMead(([x]) => (x! < 0 ? Number.NaN : (x! - 2) ** 2), [1]);
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
    const folder = createHistoryFolder(2357, new Int32Array(2357));
    const sorted = [...transactions].sort((p, q) => p.id - q.id || p.date.localeCompare(q.date));
    for (const t of sorted) folder.add(t.id - 1, dayOf(Date.parse(`${t.date}T00:00:00Z`)), Math.round(t.dollars * 100), null);
    const h = folder.finish();
    const xs = Array.from(h.purchaseDays, (d) => d - 1);
    const txs = Array.from(h.lastDay, (d, i) => d - h.firstDay[i]!);
    const Ts = Array.from(h.firstDay, (d) => asOfDay - d);
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
