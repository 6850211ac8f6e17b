import { describe, expect, it } from 'vitest';
import { createHistoryFolder } from '../../../src/domain/analytics/history.js';
import { REORDER_MAX_SPREAD, reorderDay, type ReorderInput } from '../../../src/domain/analytics/reorder.js';
import { DEFAULT_SCORING_SETTINGS } from '../../../src/domain/analytics/settings.js';

const S = DEFAULT_SCORING_SETTINGS;
const regular: ReorderInput = { purchaseDays: 6, lastDay: 1000, intervalDays: 30, intervalSpread: 0.1, lifecycle: 'active' };

/** The interval spread the history folder works out for purchases on these days. */
function spreadOf(days: number[]): number {
  const folder = createHistoryFolder(1, [{ asOfDay: 10_000, windowStartDay: Int32Array.from([0]) }]);
  for (const day of days) folder.add(0, day, 100, null, null);
  return folder.finish()[0]!.intervalSpread[0]!;
}

describe('intervalSpread', () => {
  it('does measure how far the gaps stray from their median, relative to it', () => {
    expect(spreadOf([0, 30, 60, 90, 120])).toBe(0);
    // Gaps 20, 30, 40: median 30, deviations 10, 0, 10 → 10/30.
    expect(spreadOf([0, 20, 50, 90])).toBeCloseTo(1 / 3, 6);
    expect(Number.isNaN(spreadOf([0, 30]))).toBe(true);
  });
});

describe('reorderDay', () => {
  it('does time a regular customer at the team factor × their interval after the last purchase', () => {
    expect(reorderDay(regular, S)).toBe(1030);
    expect(reorderDay(regular, { ...S, reorderFactor: 0.8 })).toBe(1024);
  });

  it('does not time one-time buyers, customers with one gap, or irregular buyers', () => {
    expect(reorderDay({ ...regular, purchaseDays: 1, intervalDays: Number.NaN, intervalSpread: Number.NaN }, S)).toBeNull();
    expect(reorderDay({ ...regular, purchaseDays: 2, intervalSpread: Number.NaN }, S)).toBeNull();
    expect(reorderDay({ ...regular, intervalSpread: REORDER_MAX_SPREAD + 0.01 }, S)).toBeNull();
    expect(reorderDay({ ...regular, intervalSpread: REORDER_MAX_SPREAD }, S)).toBe(1030);
  });

  it('does leave at-risk, lapsed and lost customers to the win-back, and a day past the at-risk threshold too', () => {
    for (const lifecycle of ['at_risk', 'lapsed', 'lost', 'prospect'] as const) expect(reorderDay({ ...regular, lifecycle }, S)).toBeNull();
    for (const lifecycle of ['new', 'active', 'won_back'] as const) expect(reorderDay({ ...regular, lifecycle }, S)).toBe(1030);
    // At risk beyond max(1.5 × 30, 30 + 7) = 45 days: a factor of 1.6 would remind them after that.
    expect(reorderDay(regular, { ...S, reorderFactor: 1.5 })).toBe(1045);
    expect(reorderDay(regular, { ...S, reorderFactor: 1.6 })).toBeNull();
  });
});
