/**
 * Per-customer purchase summaries folded from a stream of orders, kept as typed arrays (one
 * slot per customer) so a million customers cost tens of megabytes, not an object each.
 * Days are whole UTC days since the Unix epoch; several orders on one day are one purchase
 * occasion, as in BG/NBD (Fader, Hardie & Lee 2005).
 */
export interface CustomerHistories {
  readonly count: number;
  /** Orders up to the as-of day. */
  readonly orderCount: Int32Array;
  readonly lifetimeMinor: Float64Array;
  /** First and last purchase day, -1 when the customer has no order. */
  readonly firstDay: Int32Array;
  readonly lastDay: Int32Array;
  /** Distinct purchase days (BG/NBD x is this minus one). */
  readonly purchaseDays: Int32Array;
  /** Spend on purchase days after the first (the Gamma-Gamma input, as in the CDNOW summaries). */
  readonly repeatSpendMinor: Float64Array;
  /** Orders and spend inside the customer's RFM window. */
  readonly windowOrders: Int32Array;
  readonly windowMinor: Float64Array;
  /** Margin of window orders that carry one, and the revenue of those same orders. */
  readonly windowMarginMinor: Float64Array;
  readonly windowMarginRevenueMinor: Float64Array;
  readonly windowMarginOrders: Int32Array;
  /** Median days between consecutive purchase days; NaN with fewer than two purchase days. */
  readonly typicalIntervalDays: Float64Array;
}

export interface HistoryFolder {
  /** Orders must arrive grouped by customer and, within a customer, by day. */
  add(customer: number, day: number, amountMinor: number, marginMinor: number | null): void;
  finish(): CustomerHistories;
}

export const DAY_MS = 86_400_000;

/** The whole UTC day an instant falls on. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * Folds orders into histories. `windowStartDay[c]` is the first day inside customer c's RFM
 * window (teams choose their window); orders after `asOfDay` must already be filtered out.
 */
export function createHistoryFolder(count: number, windowStartDay: Int32Array): HistoryFolder {
  const h = {
    count,
    orderCount: new Int32Array(count),
    lifetimeMinor: new Float64Array(count),
    firstDay: new Int32Array(count).fill(-1),
    lastDay: new Int32Array(count).fill(-1),
    purchaseDays: new Int32Array(count),
    repeatSpendMinor: new Float64Array(count),
    windowOrders: new Int32Array(count),
    windowMinor: new Float64Array(count),
    windowMarginMinor: new Float64Array(count),
    windowMarginRevenueMinor: new Float64Array(count),
    windowMarginOrders: new Int32Array(count),
    typicalIntervalDays: new Float64Array(count).fill(Number.NaN),
  };
  // Gaps of the customer being folded; reused across customers.
  let gaps = new Float64Array(64);
  let gapCount = 0;
  let current = -1;
  const done = new Uint8Array(count);

  const closeCurrent = () => {
    if (current >= 0 && gapCount > 0) h.typicalIntervalDays[current] = median(gaps, gapCount);
    if (current >= 0) done[current] = 1;
  };

  return {
    add(customer, day, amountMinor, marginMinor) {
      if (customer !== current) {
        if (done[customer]) throw new Error(`orders of customer slot ${customer} are not contiguous`);
        closeCurrent();
        current = customer;
        gapCount = 0;
      }
      const last = h.lastDay[customer]!;
      if (last > day) throw new Error(`orders of customer slot ${customer} are not sorted by day`);
      if (last < 0) {
        h.firstDay[customer] = day;
        h.purchaseDays[customer] = 1;
      } else if (day > last) {
        h.purchaseDays[customer]!++;
        if (gapCount === gaps.length) {
          const grown = new Float64Array(gaps.length * 2);
          grown.set(gaps);
          gaps = grown;
        }
        gaps[gapCount++] = day - last;
      }
      h.lastDay[customer] = day;
      h.orderCount[customer]!++;
      h.lifetimeMinor[customer]! += amountMinor;
      if (day > h.firstDay[customer]!) h.repeatSpendMinor[customer]! += amountMinor;
      if (day >= windowStartDay[customer]!) {
        h.windowOrders[customer]!++;
        h.windowMinor[customer]! += amountMinor;
        if (marginMinor !== null) {
          h.windowMarginOrders[customer]!++;
          h.windowMarginMinor[customer]! += marginMinor;
          h.windowMarginRevenueMinor[customer]! += amountMinor;
        }
      }
    },
    finish() {
      closeCurrent();
      current = -1;
      return h;
    },
  };
}

/** Median of the first n values (sorts them in place). */
export function median(values: Float64Array, n: number): number {
  const part = values.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? part[mid]! : (part[mid - 1]! + part[mid]!) / 2;
}
