/**
 * Per-customer purchase summaries folded from a stream of orders, kept as typed arrays (one
 * slot per customer) so a million customers cost tens of megabytes, not an object each.
 * Days are whole UTC days since the Unix epoch (negative before 1970: any day is valid).
 *
 * A **purchase occasion** is a day with positive net spend, as in BG/NBD (Fader, Hardie & Lee
 * 2005) where several orders on one day are one purchase. Refunds (negative amounts) reduce money,
 * never create an occasion: each is netted against the order it refunds when the export names it,
 * else against the purchases of its own day, else against the most recent occasion before it,
 * and what one occasion cannot absorb goes to the one before. A day whose purchases were refunded
 * in full is no occasion; zero-amount orders (free items) are none either.
 */
export interface CustomerHistories {
  readonly count: number;
  readonly asOfDay: number;
  /** Orders up to the as-of day, whatever their amount. */
  readonly orderCount: Int32Array;
  /** Net spend of those orders, refunds included (can be negative). */
  readonly lifetimeMinor: Float64Array;
  /** Purchase occasions; 0 when the customer never kept a purchase (then firstDay and lastDay mean nothing). */
  readonly purchaseDays: Int32Array;
  readonly firstDay: Int32Array;
  readonly lastDay: Int32Array;
  /** Net spend of the occasions after the first (the Gamma-Gamma input, as in the CDNOW summaries); never negative. */
  readonly repeatSpendMinor: Float64Array;
  /** Occasions inside the customer's RFM window (F) and their net spend (M). */
  readonly windowPurchaseDays: Int32Array;
  readonly windowMinor: Float64Array;
  /** Margin of the window's occasions from orders that carry one, the revenue of those orders, and how many there were. */
  readonly windowMarginMinor: Float64Array;
  readonly windowMarginRevenueMinor: Float64Array;
  readonly windowMarginOrders: Int32Array;
  /** Median days between consecutive occasions; NaN with fewer than two. */
  readonly typicalIntervalDays: Float64Array;
  /**
   * How irregular those gaps are: their median absolute deviation ÷ their median (0 for a
   * customer who buys like clockwork, about 0.7 for purchases at random, as in a Poisson process);
   * NaN with fewer than three occasions (one gap is no rhythm).
   */
  readonly intervalSpread: Float32Array;
  /**
   * The purchases that followed: occasions of the view named by `outcomeView` that fall after this
   * view's as-of day (as that later view resolves refunds); null without an outcome view.
   */
  readonly laterPurchaseDays: Int32Array | null;
}

/** One as-of day to summarise the same orders at; `windowStartDay[c]` is the first day of customer c's RFM window. */
export interface HistoryView {
  asOfDay: number;
  windowStartDay: Int32Array;
  /** Index (into the views given) of a later view whose purchases after this view's day are this view's outcome. */
  outcomeView?: number;
}

export interface HistoryFolder {
  /**
   * Orders must arrive grouped by customer (within a customer any order; day order is cheapest).
   * `refundOfDay` is the day of the order a refund names, when the export names one.
   */
  add(customer: number, day: number, amountMinor: number, marginMinor: number | null, refundOfDay: number | null): void;
  /** One summary per view, in the order the views were given. */
  finish(): CustomerHistories[];
}

export const DAY_MS = 86_400_000;

/** The whole UTC day an instant falls on. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

function emptyHistories(count: number, asOfDay: number, hasLater: boolean): CustomerHistories {
  return {
    count,
    asOfDay,
    orderCount: new Int32Array(count),
    lifetimeMinor: new Float64Array(count),
    purchaseDays: new Int32Array(count),
    firstDay: new Int32Array(count),
    lastDay: new Int32Array(count),
    repeatSpendMinor: new Float64Array(count),
    windowPurchaseDays: new Int32Array(count),
    windowMinor: new Float64Array(count),
    windowMarginMinor: new Float64Array(count),
    windowMarginRevenueMinor: new Float64Array(count),
    windowMarginOrders: new Int32Array(count),
    typicalIntervalDays: new Float64Array(count).fill(Number.NaN),
    intervalSpread: new Float32Array(count).fill(Number.NaN),
    laterPurchaseDays: hasLater ? new Int32Array(count) : null,
  };
}

/** Growable scratch arrays, reused from customer to customer. */
class Scratch {
  size = 64;
  // The customer's orders as they came.
  day = new Float64Array(this.size);
  amount = new Float64Array(this.size);
  margin = new Float64Array(this.size);
  refundOf = new Float64Array(this.size);
  // Per distinct day of one resolution.
  dayOf = new Float64Array(this.size);
  gross = new Float64Array(this.size);
  net = new Float64Array(this.size);
  marginSum = new Float64Array(this.size);
  marginRevenue = new Float64Array(this.size);
  marginCount = new Float64Array(this.size);
  baseMargin = new Float64Array(this.size);
  baseMarginRevenue = new Float64Array(this.size);
  refundAt = new Int32Array(this.size);
  refundOrder = new Int32Array(this.size);
  gaps = new Float64Array(this.size);

  ensure(n: number): void {
    if (n <= this.size) return;
    let size = this.size;
    while (size < n) size *= 2;
    const grow = <T extends Float64Array | Int32Array>(old: T): T => {
      const next = new (old.constructor as new (n: number) => T)(size);
      next.set(old);
      return next;
    };
    this.day = grow(this.day);
    this.amount = grow(this.amount);
    this.margin = grow(this.margin);
    this.refundOf = grow(this.refundOf);
    this.dayOf = grow(this.dayOf);
    this.gross = grow(this.gross);
    this.net = grow(this.net);
    this.marginSum = grow(this.marginSum);
    this.marginRevenue = grow(this.marginRevenue);
    this.marginCount = grow(this.marginCount);
    this.baseMargin = grow(this.baseMargin);
    this.baseMarginRevenue = grow(this.baseMarginRevenue);
    this.refundAt = grow(this.refundAt);
    this.refundOrder = grow(this.refundOrder);
    this.gaps = grow(this.gaps);
    this.size = size;
  }
}

/**
 * Folds orders into one summary per view. Orders after a view's as-of day are left out of that
 * view; a view with a later one also counts the later view's occasions after its own as-of day.
 */
export function createHistoryFolder(count: number, views: readonly HistoryView[]): HistoryFolder {
  for (const view of views) {
    const later = view.outcomeView === undefined ? undefined : views[view.outcomeView];
    if (view.outcomeView !== undefined && !(later && later.asOfDay > view.asOfDay)) throw new Error('an outcome view must be a later view');
  }
  // Resolved in day order; each view's outcome counts are filled in while its outcome view is resolved.
  const order = views.map((_, v) => v).sort((p, q) => views[p]!.asOfDay - views[q]!.asOfDay);
  const out = views.map((view) => emptyHistories(count, view.asOfDay, view.outcomeView !== undefined));
  const outcomesOf = views.map((_, w) => views.flatMap((view, v) => (view.outcomeView === w ? [{ counts: out[v]!.laterPurchaseDays!, afterDay: view.asOfDay }] : [])));
  const scratch = new Scratch();
  const done = new Uint8Array(count);
  let current = -1;
  let n = 0;
  let inDayOrder = true;

  const closeCurrent = () => {
    if (current < 0) return;
    done[current] = 1;
    if (!inDayOrder) sortBuffered(scratch, n);
    for (const v of order) resolve(scratch, n, current, views[v]!, out[v]!, outcomesOf[v]!);
  };

  return {
    add(customer, day, amountMinor, marginMinor, refundOfDay) {
      if (customer !== current) {
        if (done[customer]) throw new Error(`orders of customer slot ${customer} are not contiguous`);
        closeCurrent();
        current = customer;
        n = 0;
        inDayOrder = true;
      }
      scratch.ensure(n + 1);
      if (n > 0 && day < scratch.day[n - 1]!) inDayOrder = false;
      scratch.day[n] = day;
      scratch.amount[n] = amountMinor;
      scratch.margin[n] = marginMinor ?? Number.NaN;
      scratch.refundOf[n] = refundOfDay ?? Number.NaN;
      n++;
    },
    finish() {
      closeCurrent();
      current = -1;
      return out;
    },
  };
}

/** Puts the buffered orders in day order (stable), for the rare stream that is not. */
function sortBuffered(s: Scratch, n: number): void {
  const order = Array.from({ length: n }, (_, k) => k).sort((p, q) => s.day[p]! - s.day[q]! || p - q);
  for (const column of [s.day, s.amount, s.margin, s.refundOf]) {
    const copy = Float64Array.from(order, (k) => column[k]!);
    column.set(copy);
  }
}

/**
 * One customer as of one view: orders grouped by day, refunds netted (see the module comment),
 * then the occasions summarised. `outcomes` are the earlier views whose holdout this view is:
 * each counts this view's occasions after its own day.
 */
function resolve(s: Scratch, n: number, c: number, view: HistoryView, h: CustomerHistories, outcomes: readonly { counts: Int32Array; afterDay: number }[]): void {
  let days = 0;
  let refunds = 0;
  let orders = 0;
  let lifetime = 0;
  for (let k = 0; k < n; k++) {
    const day = s.day[k]!;
    if (day > view.asOfDay) break;
    const amount = s.amount[k]!;
    orders++;
    lifetime += amount;
    if (days === 0 || s.dayOf[days - 1] !== day) {
      s.dayOf[days] = day;
      s.gross[days] = 0;
      s.net[days] = 0;
      s.marginSum[days] = 0;
      s.marginRevenue[days] = 0;
      s.marginCount[days] = 0;
      days++;
    }
    const d = days - 1;
    if (amount > 0) {
      s.gross[d]! += amount;
      s.net[d]! += amount;
      const margin = s.margin[k]!;
      if (!Number.isNaN(margin)) {
        s.marginSum[d]! += margin;
        s.marginRevenue[d]! += amount;
        s.marginCount[d]!++;
      }
    } else if (amount < 0) {
      s.refundAt[refunds] = d;
      s.refundOrder[refunds] = k;
      refunds++;
    }
  }
  h.orderCount[c] = orders;
  h.lifetimeMinor[c] = lifetime;
  if (refunds > 0) {
    s.baseMargin.set(s.marginSum.subarray(0, days));
    s.baseMarginRevenue.set(s.marginRevenue.subarray(0, days));
    for (let j = 0; j < refunds; j++) netRefund(s, s.refundAt[j]!, s.refundOrder[j]!);
  }

  let occasions = 0;
  let first = 0;
  let last = 0;
  let repeat = 0;
  let windowCount = 0;
  let windowSpend = 0;
  let windowMargin = 0;
  let windowMarginRevenue = 0;
  let windowMarginOrders = 0;
  const windowStart = view.windowStartDay[c]!;
  for (let d = 0; d < days; d++) {
    const net = s.net[d]!;
    if (!(net > 0)) continue;
    const day = s.dayOf[d]!;
    if (occasions === 0) first = day;
    else {
      s.gaps[occasions - 1] = day - last;
      repeat += net;
    }
    last = day;
    occasions++;
    if (day >= windowStart) {
      windowCount++;
      windowSpend += net;
      if (s.marginCount[d]! > 0) {
        windowMargin += s.marginSum[d]!;
        windowMarginRevenue += s.marginRevenue[d]!;
        windowMarginOrders += s.marginCount[d]!;
      }
    }
  }
  h.purchaseDays[c] = occasions;
  h.firstDay[c] = first;
  h.lastDay[c] = last;
  h.repeatSpendMinor[c] = repeat;
  h.windowPurchaseDays[c] = windowCount;
  h.windowMinor[c] = windowSpend;
  h.windowMarginMinor[c] = windowMargin;
  h.windowMarginRevenueMinor[c] = windowMarginRevenue;
  h.windowMarginOrders[c] = windowMarginOrders;
  const typical = occasions > 1 ? median(s.gaps, occasions - 1) : Number.NaN;
  h.typicalIntervalDays[c] = typical;
  h.intervalSpread[c] = occasions > 2 ? medianAbsoluteDeviation(s.gaps, occasions - 1, typical) / typical : Number.NaN;
  for (const outcome of outcomes) {
    let later = 0;
    for (let d = days - 1; d >= 0 && s.dayOf[d]! > outcome.afterDay; d--) if (s.net[d]! > 0) later++;
    outcome.counts[c] = later;
  }
}

/**
 * Nets refund order k (on day index `at`) against the purchases it refunds: the day of the order
 * it names, else its own day when that had purchases, else the most recent day before it with
 * net spend left; whatever that day cannot absorb goes to the one before, and so on. A refund
 * without a margin of its own takes the day's margin down in proportion to the spend it removes.
 */
function netRefund(s: Scratch, at: number, k: number): void {
  let remaining = -s.amount[k]!;
  const refundMargin = s.margin[k]!;
  const total = remaining;
  let d = namedDay(s, at, s.refundOf[k]!);
  if (d < 0) d = s.gross[at]! > 0 ? at : at - 1;
  for (; d >= 0 && remaining > 0; d--) {
    const net = s.net[d]!;
    if (!(net > 0)) continue;
    const take = Math.min(remaining, net);
    s.net[d] = net - take;
    remaining -= take;
    if (s.marginCount[d]! > 0) {
      if (Number.isNaN(refundMargin)) {
        const share = take / s.gross[d]!;
        s.marginSum[d]! -= s.baseMargin[d]! * share;
        s.marginRevenue[d]! -= s.baseMarginRevenue[d]! * share;
      } else {
        s.marginSum[d]! += (refundMargin * take) / total;
        s.marginRevenue[d]! -= take;
      }
    }
  }
}

/** The index of the purchase day a refund names (by binary search up to the refund's own day), or -1. */
function namedDay(s: Scratch, at: number, day: number): number {
  if (Number.isNaN(day)) return -1;
  let lo = 0;
  let hi = at;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = s.dayOf[mid]!;
    if (value === day) return s.gross[mid]! > 0 ? mid : -1;
    if (value < day) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Median distance of the first n values from `center` (overwrites them). */
function medianAbsoluteDeviation(values: Float64Array, n: number, center: number): number {
  for (let k = 0; k < n; k++) values[k] = Math.abs(values[k]! - center);
  return median(values, n);
}

/** Median of the first n values (sorts them in place). */
export function median(values: Float64Array, n: number): number {
  // Most customers have a handful of gaps: an insertion sort beats a typed-array sort call (run twice per customer and view).
  if (n <= INSERTION_SORT_MAX) insertionSort(values, n);
  else values.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

const INSERTION_SORT_MAX = 32;

function insertionSort(values: Float64Array, n: number): void {
  for (let k = 1; k < n; k++) {
    const value = values[k]!;
    let j = k - 1;
    for (; j >= 0 && values[j]! > value; j--) values[j + 1] = values[j]!;
    values[j + 1] = value;
  }
}
