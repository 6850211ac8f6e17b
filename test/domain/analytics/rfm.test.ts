import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoteBand, demoteTier, isLowMargin, quintileScores, tierOf, valueBandOf } from '../../../src/domain/analytics/rfm.js';
import { DEFAULT_SCORING_SETTINGS } from '../../../src/domain/analytics/settings.js';

function scores(values: number[], higherIsBetter = true): number[] {
  const out = new Uint8Array(values.length);
  quintileScores(values, Int32Array.from(values, (_, i) => i), higherIsBetter, out);
  return [...out];
}

describe('quintileScores', () => {
  it('does give 1..5 by quintile when ten distinct values come in any order', () => {
    expect(scores([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual([5, 1, 5, 1, 4, 2, 4, 2, 3, 3]);
  });

  it('does rank small values best when lower is better (recency)', () => {
    expect(scores([1, 100, 50, 20, 5], false)).toEqual([5, 1, 2, 3, 4]);
  });

  it('does give ties the score of their lowest-placed member', () => {
    // Sorted: 0 0 0 0 0 0 1 1 2 3 → the zeros start at 0 (score 1), the ones at 6 (score 4).
    expect(scores([0, 0, 1, 0, 3, 0, 2, 0, 1, 0])).toEqual([1, 1, 4, 1, 5, 1, 5, 1, 4, 1]);
  });

  it('does score only the members it is given', () => {
    const out = new Uint8Array(4);
    quintileScores([5, 6, 7, 8], Int32Array.from([1, 3]), true, out);
    expect([...out]).toEqual([0, 1, 0, 3]);
  });

  it('does keep every score within 1..5 and equal values equal whatever the values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 200 }), fc.boolean(), (values, higher) => {
        const s = scores(values, higher);
        expect(s.every((v) => v >= 1 && v <= 5)).toBe(true);
        values.forEach((v, i) => values.forEach((w, j) => v === w && expect(s[i]).toBe(s[j])));
      }),
    );
  });

  it('does balance quintiles within one customer when values are distinct', () => {
    fc.assert(
      // Distinct as numbers compare: fast-check's uniqueness tells -0 from 0, the quintiles (rightly) do not.
      fc.property(fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0), { minLength: 5, maxLength: 500 }), (values) => {
        const s = scores(values);
        const n = values.length;
        for (let q = 1; q <= 5; q++) {
          const count = s.filter((v) => v === q).length;
          expect(Math.abs(count - n / 5)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('tiers and bands', () => {
  const { tierMinSum, bandMinScore } = DEFAULT_SCORING_SETTINGS;

  it('does map R+F+M sums to A ≥ 13, B ≥ 10, C ≥ 7, else D', () => {
    expect([tierOf(5, 4, 4, tierMinSum), tierOf(4, 4, 4, tierMinSum), tierOf(3, 3, 4, tierMinSum), tierOf(3, 3, 3, tierMinSum)]).toEqual(['A', 'B', 'B', 'C']);
    expect([tierOf(2, 2, 2, tierMinSum), tierOf(1, 1, 1, tierMinSum)]).toEqual(['D', 'D']);
  });

  it('does follow a team’s own thresholds when they differ from the defaults', () => {
    expect(tierOf(4, 4, 4, { A: 12, B: 9, C: 6 })).toBe('A');
  });

  it('does map the monetary score to high ≥ 4, mid ≥ 2, else low', () => {
    expect([5, 4, 3, 2, 1].map((m) => valueBandOf(m, bandMinScore))).toEqual(['high', 'high', 'mid', 'mid', 'low']);
  });

  it('does call a customer low-margin only when a known margin is under the rate', () => {
    expect(isLowMargin(500, 10_000, 3, 0.1)).toBe(true);
    expect(isLowMargin(1000, 10_000, 3, 0.1)).toBe(false);
    expect(isLowMargin(0, 0, 0, 0.1)).toBe(false);
    expect(isLowMargin(-10, 0, 1, 0.1)).toBe(true);
  });

  it('does demote one step and stay at the bottom', () => {
    expect([demoteTier('A'), demoteTier('D'), demoteBand('high'), demoteBand('low')]).toEqual(['B', 'D', 'mid', 'low']);
  });
});
