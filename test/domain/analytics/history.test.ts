import { describe, expect, it } from 'vitest';
import { createHistoryFolder } from '../../../src/domain/analytics/history.js';

describe('createHistoryFolder', () => {
  it('does merge orders on one day into one purchase occasion and take the median gap', () => {
    const folder = createHistoryFolder(2, Int32Array.from([105, 0]));
    // Customer 0 buys on days 100, 100, 110, 130, 131: purchase days 100, 110, 130, 131 → gaps 10, 20, 1.
    for (const [day, amount] of [[100, 500], [100, 300], [110, 1000], [130, 200], [131, 400]] as const) folder.add(0, day, amount, day === 130 ? 20 : null);
    const h = folder.finish();
    expect(h.orderCount[0]).toBe(5);
    expect(h.purchaseDays[0]).toBe(4);
    expect([h.firstDay[0], h.lastDay[0]]).toEqual([100, 131]);
    expect(h.typicalIntervalDays[0]).toBe(10);
    expect(h.lifetimeMinor[0]).toBe(2400);
    expect(h.repeatSpendMinor[0]).toBe(1600);
    expect([h.windowOrders[0], h.windowMinor[0]]).toEqual([3, 1600]);
    expect([h.windowMarginMinor[0], h.windowMarginRevenueMinor[0], h.windowMarginOrders[0]]).toEqual([20, 200, 1]);
    expect([h.firstDay[1], h.orderCount[1], h.typicalIntervalDays[1]]).toEqual([-1, 0, Number.NaN]);
  });

  it('does average the two middle gaps when the count is even', () => {
    const folder = createHistoryFolder(1, new Int32Array(1));
    for (const day of [0, 10, 40]) folder.add(0, day, 1, null);
    expect(folder.finish().typicalIntervalDays[0]).toBe(20);
  });

  it('does refuse orders out of day order or a customer coming back after another', () => {
    const unsorted = createHistoryFolder(1, new Int32Array(1));
    unsorted.add(0, 10, 1, null);
    expect(() => unsorted.add(0, 9, 1, null)).toThrow(/not sorted/);
    const split = createHistoryFolder(2, new Int32Array(2));
    split.add(0, 1, 1, null);
    split.add(1, 1, 1, null);
    expect(() => split.add(0, 2, 1, null)).toThrow(/not contiguous/);
  });
});
