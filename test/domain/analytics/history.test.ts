import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHistoryFolder, median, type CustomerHistories } from '../../../src/domain/analytics/history.js';

/** [day, amount, margin, refundOfDay] */
type Row = [number, number, (number | null)?, (number | null)?];

/** Folds one customer's orders as of `asOfDay` with an RFM window from `windowStart`. */
function fold(rows: Row[], asOfDay = 1000, windowStart = 0): CustomerHistories {
  const folder = createHistoryFolder(1, [{ asOfDay, windowStartDay: Int32Array.from([windowStart]) }]);
  for (const [day, amount, margin = null, refundOf = null] of rows) folder.add(0, day, amount, margin, refundOf);
  return folder.finish()[0]!;
}

describe('createHistoryFolder', () => {
  it('does merge orders on one day into one purchase occasion and take the median gap', () => {
    const folder = createHistoryFolder(2, [{ asOfDay: 200, windowStartDay: Int32Array.from([105, 0]) }]);
    // Customer 0 buys on days 100, 100, 110, 130, 131: purchase days 100, 110, 130, 131 → gaps 10, 20, 1.
    for (const [day, amount] of [[100, 500], [100, 300], [110, 1000], [130, 200], [131, 400]] as const) folder.add(0, day, amount, day === 130 ? 20 : null, null);
    const [h] = folder.finish();
    expect(h!.orderCount[0]).toBe(5);
    expect(h!.purchaseDays[0]).toBe(4);
    expect([h!.firstDay[0], h!.lastDay[0]]).toEqual([100, 131]);
    expect(h!.typicalIntervalDays[0]).toBe(10);
    expect(h!.lifetimeMinor[0]).toBe(2400);
    expect(h!.repeatSpendMinor[0]).toBe(1600);
    expect([h!.windowPurchaseDays[0], h!.windowMinor[0]]).toEqual([3, 1600]);
    expect([h!.windowMarginMinor[0], h!.windowMarginRevenueMinor[0], h!.windowMarginOrders[0]]).toEqual([20, 200, 1]);
    expect([h!.purchaseDays[1], h!.orderCount[1], h!.typicalIntervalDays[1]]).toEqual([0, 0, Number.NaN]);
  });

  it('does average the two middle gaps when the count is even', () => {
    expect(fold([[0, 1], [10, 1], [40, 1]]).typicalIntervalDays[0]).toBe(20);
  });

  it('does accept days before 1970 (negative) and orders out of day order', () => {
    const h = fold([[-25_567, 100], [-25_000, 300], [-25_560, 200]]);
    expect([h.purchaseDays[0], h.firstDay[0], h.lastDay[0]]).toEqual([3, -25_567, -25_000]);
    expect(h.typicalIntervalDays[0]).toBe((7 + 560) / 2);
  });

  it('does refuse a customer coming back after another (the stream is grouped by customer)', () => {
    const split = createHistoryFolder(2, [{ asOfDay: 10, windowStartDay: new Int32Array(2) }]);
    split.add(0, 1, 1, null, null);
    split.add(1, 1, 1, null, null);
    expect(() => split.add(0, 2, 1, null, null)).toThrow(/not contiguous/);
  });
});

describe('purchase occasions and refunds', () => {
  it('does not count a full refund 18 days later as a repeat purchase', () => {
    const h = fold([[100, 5_000], [118, -5_000]]);
    expect([h.orderCount[0], h.purchaseDays[0], h.lifetimeMinor[0], h.windowMinor[0]]).toEqual([2, 0, 0, 0]);
  });

  it('does net a partial refund against the most recent occasion and keep it a purchase', () => {
    const h = fold([[100, 5_000], [130, 8_000], [140, -3_000]]);
    expect([h.purchaseDays[0], h.lastDay[0], h.repeatSpendMinor[0], h.windowMinor[0]]).toEqual([2, 130, 5_000, 10_000]);
  });

  it('does not make a day of refunds only into an occasion, so the rhythm comes from purchases', () => {
    // Purchases every 30 days, refunds every 10 days in between: the rhythm is 30, not 10.
    const rows: Row[] = [];
    for (let day = 0; day <= 300; day += 30) rows.push([day, 10_000], [day + 10, -100], [day + 20, -100]);
    const h = fold(rows, 400);
    expect(h.purchaseDays[0]).toBe(11);
    expect(h.typicalIntervalDays[0]).toBe(30);
  });

  it('does net a refund against the order the export names, and the rest against the occasion before', () => {
    // The refund of day 200 names the order of day 100; day 150 stays a purchase.
    const named = fold([[100, 4_000], [150, 6_000], [200, -4_000, null, 100]]);
    expect([named.purchaseDays[0], named.firstDay[0], named.lastDay[0]]).toEqual([1, 150, 150]);
    // Without the reference it takes the most recent occasion (day 150) and the rest from day 100.
    const unnamed = fold([[100, 4_000], [150, 3_000], [200, -5_000]]);
    expect([unnamed.purchaseDays[0], unnamed.firstDay[0], unnamed.windowMinor[0]]).toEqual([1, 100, 2_000]);
  });

  it('does net a refund against a purchase of the same day', () => {
    const h = fold([[100, 5_000], [150, 2_000], [150, -2_000]]);
    expect([h.purchaseDays[0], h.lastDay[0], h.orderCount[0]]).toEqual([1, 100, 3]);
  });

  it('does give a customer with only zero-amount orders no occasion', () => {
    const h = fold([[100, 0], [120, 0]]);
    expect([h.orderCount[0], h.purchaseDays[0], h.windowMinor[0], h.repeatSpendMinor[0]]).toEqual([2, 0, 0, 0]);
  });

  it('does take a refunded day’s margin down with its spend, or by the refund’s own margin', () => {
    const proportional = fold([[100, 10_000, 4_000], [110, -5_000]]);
    expect([proportional.windowMarginMinor[0], proportional.windowMarginRevenueMinor[0]]).toEqual([2_000, 5_000]);
    const own = fold([[100, 10_000, 4_000], [110, -5_000, -3_000]]);
    expect([own.windowMarginMinor[0], own.windowMarginRevenueMinor[0]]).toEqual([1_000, 5_000]);
  });

  it('does keep spend figures non-negative and occasions on days with positive net spend, whatever the amounts', () => {
    const row = fc.tuple(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: -50_000, max: 50_000 }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const h = fold(rows.map(([day, amount]) => [day, amount]), 2000, -2000);
        expect(h.orderCount[0]).toBe(rows.length);
        expect(h.lifetimeMinor[0]).toBe(rows.reduce((sum, [, amount]) => sum + amount, 0));
        expect(h.windowMinor[0]).toBeGreaterThanOrEqual(0);
        expect(h.repeatSpendMinor[0]).toBeGreaterThanOrEqual(0);
        const days = new Set(rows.filter(([, amount]) => amount > 0).map(([day]) => day));
        expect(h.purchaseDays[0]).toBeLessThanOrEqual(days.size);
        if (h.purchaseDays[0]! > 0) {
          expect(days.has(h.firstDay[0]!)).toBe(true);
          expect(days.has(h.lastDay[0]!)).toBe(true);
        }
      }),
    );
  });
});

describe('several views of the same orders', () => {
  it('does summarise each as-of day and count its outcome view’s purchases after it', () => {
    const folder = createHistoryFolder(1, [
      { asOfDay: 200, windowStartDay: new Int32Array(1) },
      { asOfDay: 100, windowStartDay: new Int32Array(1), outcomeView: 0 },
    ]);
    for (const [day, amount] of [[50, 1_000], [90, 1_000], [120, 1_000], [150, 1_000], [180, -1_000], [250, 1_000]] as const) folder.add(0, day, amount, null, null);
    const [late, early] = folder.finish();
    expect([early!.purchaseDays[0], early!.lastDay[0]]).toEqual([2, 90]);
    // Days 120 and 150 were bought after day 100; the refund on day 180 takes day 150 back.
    expect([late!.purchaseDays[0], early!.laterPurchaseDays![0], late!.laterPurchaseDays]).toEqual([3, 1, null]);
  });

  it('does refuse an outcome view that is not later', () => {
    expect(() => createHistoryFolder(1, [{ asOfDay: 100, windowStartDay: new Int32Array(1), outcomeView: 0 }])).toThrow(/later view/);
  });
});

describe('median', () => {
  it('does give the middle of the first n values whatever their order, for short runs and long ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 80 }), fc.nat(5), (values, extra) => {
        const sorted = [...values].sort((a, b) => a - b);
        const n = values.length;
        const expected = n % 2 === 1 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
        // Values past n are left out.
        const buffer = Float64Array.from([...values, ...Array.from({ length: extra }, () => -1e9)]);
        expect(median(buffer, n)).toBe(expected);
      }),
    );
  });
});
