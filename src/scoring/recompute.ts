import type { StoreDatabase } from '../db/store-database.js';
import { loadTeamSettings } from '../db/team-settings.js';
import { refreshCheckInsAfterRescoring } from '../db/stores/check-in-store.js';
import { refreshReordersAfterRescoring } from '../db/stores/reorder-store.js';
import { hasCustomers, lastLiveRun, readScoringBase, recordLiveRun, scoringDataVersion, snapshotWriter, type ScoringBaseSink, type SnapshotRow } from '../db/stores/score-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { coveringIdRanges, writeInSlices, type WriteSlicing } from '../db/write-slices.js';
import type { DropoutModel } from '../domain/analytics/bgnbd.js';
import { createCategoryCollector, crossSellOf, recentCategoryKeys, suggestionOf, type CrossSell, type CustomerCategories } from '../domain/analytics/cross-sell.js';
import { createHistoryFolder, dayOf, DAY_MS, type CustomerHistories } from '../domain/analytics/history.js';
import { CUSTOMER_STATUSES, LIFECYCLES, type CustomerStatus, type Lifecycle } from '../domain/analytics/lifecycle.js';
import { TIERS, type Tier } from '../domain/tier.js';
import { CHURN_HORIZON_DAYS, scoreBase, type BaseInput, type CustomerScore, type ScoredBase } from '../domain/analytics/score-base.js';
import { DEFAULT_SCORING_SETTINGS, type ScoringSettings } from '../domain/analytics/settings.js';
import { isoWeekOf, localDateOf } from '../domain/schedule/local-time.js';
import { SCORING_RULES_VERSION } from './scoring-state.js';

/** Check-ins refreshed per batch: a millisecond or two, since a waiting writer gets the lock only between batches (scores: the engine's writer says). */
const CHECK_IN_BATCH = 500;

export interface ScoreOptions {
  /** The purchase model; default `auto`, the one that predicts held-out purchases best (docs/ANALYTICS.md). */
  model?: DropoutModel | 'auto';
  /** Churn risk is the probability of no purchase within this many days (default 90). */
  horizonDays?: number;
}

/** A base scored as of a day, in memory: nothing written. */
export interface ScoredRun {
  asOf: Date;
  /** ISO week a snapshot of this run is filed under, e.g. 2026-W48. */
  week: string;
  scored: ScoredBase;
  /** Customer ids by slot. */
  customerIds: Int32Array;
  histories: CustomerHistories;
  /** Orders up to the as-of day that were scored. */
  orders: number;
  /** The scoring data version read with the orders (see scoring-state.ts). */
  dataVersion: number;
  /** The categories each customer bought, by slot. */
  categories: CustomerCategories;
  /** Each customer's cross-sell suggestion, by slot, and the rules found per scoring group. */
  crossSell: CrossSell;
  /** `crossSell`: working out the rules and suggestions (reading the categories is part of `read`). */
  elapsedMs: { read: number; fit: number; crossSell: number };
}

export interface RecomputeReport {
  asOf: Date;
  week: string;
  customers: number;
  orders: number;
  byTier: Record<Tier, number>;
  byLifecycle: Record<Lifecycle, number>;
  /** The fitted purchase model and Gamma-Gamma; a status other than `converged` means the rhythm rule stood in. */
  models: ScoredBase['models'];
  selection: ScoredBase['selection'];
  calibration: ScoredBase['calibration'];
  /** True when this run scored the base as of its own day and so is now the current scoring. */
  live: boolean;
  /** Reading and folding orders, fitting the models, cross-sell rules and suggestions, scoring customers, writing rows (of which `refresh`: the check-in and reorder refreshes). */
  elapsedMs: { read: number; fit: number; crossSell: number; score: number; write: number; refresh: number; total: number };
}

/** The ISO week (UTC) a snapshot taken as of this instant is filed under. */
export function snapshotWeekOf(asOf: Date): string {
  return isoWeekOf(localDateOf(asOf, 'UTC'));
}

/**
 * Scores every customer as of `asOf` (orders after that UTC day are ignored) in memory, with
 * churn risk calibrated one horizon earlier. The base is read from one snapshot of the database.
 */
export async function scoreAsOf(db: StoreDatabase, asOf: Date, options: ScoreOptions = {}): Promise<ScoredRun> {
  const started = performance.now();
  const horizonDays = options.horizonDays ?? CHURN_HORIZON_DAYS;
  const asOfDay = dayOf(asOf.getTime());
  const base = await readBase(db, heldOutViews(asOfDay, horizonDays), { categories: true });
  const read = performance.now();
  const [calibration, halfwayBack, histories] = base.histories as [CustomerHistories, CustomerHistories, CustomerHistories];
  const scored = scoreBase({ ...base.input, histories, calibration, halfwayBack, model: options.model ?? 'auto', horizonDays });
  const fitted = performance.now();
  const crossSell = crossSellOf(base.categories!, base.input.group, base.input.groupSettings.length);
  return {
    asOf,
    week: snapshotWeekOf(asOf),
    scored,
    customerIds: base.customerIds,
    histories,
    orders: base.orders,
    dataVersion: base.dataVersion,
    categories: base.categories!,
    crossSell,
    elapsedMs: { read: read - started, fit: fitted - read, crossSell: performance.now() - fitted },
  };
}

/** What writing a scored base found: counts per tier and lifecycle, and the time it took. */
export interface WrittenScores {
  byTier: Record<Tier, number>;
  byLifecycle: Record<Lifecycle, number>;
  /** True when the run scored the base as of its own day and so is now the current scoring. */
  live: boolean;
  /** `refresh`: the check-in and reorder refreshes, part of `write` (the rest is filing the snapshots). */
  elapsedMs: { score: number; write: number; refresh: number };
}

type Tally = Pick<WrittenScores, 'byTier' | 'byLifecycle'>;

function emptyTally(): Tally {
  return {
    byTier: Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>,
    byLifecycle: Object.fromEntries(LIFECYCLES.map((l) => [l, 0])) as Record<Lifecycle, number>,
  };
}

/** Scores the slots from..to, counting each in `tally` and handing it to `each`. */
function scoreSlots(run: ScoredRun, from: number, to: number, tally: Tally, each?: (slot: number, score: CustomerScore) => void): void {
  for (let i = from; i < to; i++) {
    const s = run.scored.score(i);
    tally.byTier[s.tier]++;
    tally.byLifecycle[s.lifecycle]++;
    each?.(i, s);
  }
}

/** Counts per tier and lifecycle, as a summary shows them; `each` sees every customer's score on the way. */
export function tallyScores(run: ScoredRun, each?: (slot: number, score: CustomerScore) => void): Tally {
  const tally = emptyTally();
  scoreSlots(run, 0, run.scored.count, tally, each);
  return tally;
}

/**
 * Upserts one ScoreSnapshot per customer for the run's ISO week; earlier weeks stay as the
 * history the digest compares. The newest week is the current scoring, so callers never file a
 * week after today's (the `scores` CLI refuses a future as-of and writes a past one only with
 * --write). A run as of its own day (`computedAt`'s day) is live: it records the data version it
 * read, which tells later starts whether the scores are still current. With `slicing` (the
 * bot's background worker) the writes go in short transactions that share SQLite's write lock;
 * the live run is recorded last, so a run cut short is not taken for a finished one.
 */
export async function writeSnapshots(db: StoreDatabase, run: ScoredRun, computedAt: Date, slicing?: WriteSlicing): Promise<WrittenScores> {
  const started = performance.now();
  const { customerIds, asOf } = run;
  const live = dayOf(asOf.getTime()) === dayOf(computedAt.getTime());
  const writer = snapshotWriter(db);
  let scoreMs = 0;
  let refreshMs = 0;
  const tally = emptyTally();
  const scoreBatch = (from: number, to: number) => async (trx: StoreHandle) => {
    const before = performance.now();
    const rows: SnapshotRow[] = [];
    scoreSlots(run, from, to, tally, (i, s) => rows.push(snapshotRow(run, computedAt, i, s)));
    scoreMs += performance.now() - before;
    await writer.upsert(trx, rows);
  };
  const teams = await loadTeamSettings(db);
  const batches = [
    ...coveringIdRanges(customerIds, writer.batchRows).map(({ from, to }) => scoreBatch(from, to)),
    (trx: StoreHandle) => writer.updateStatistics(trx),
    // New tiers move cadence check-ins, new reorder days the reorder nudges: over id ranges that cover every customer, also one created meanwhile.
    ...coveringIdRanges(customerIds, CHECK_IN_BATCH).map(({ range }) => async (trx: StoreHandle) => {
      const before = performance.now();
      await refreshCheckInsAfterRescoring(trx, { idRange: range }, teams);
      await refreshReordersAfterRescoring(trx, range);
      refreshMs += performance.now() - before;
    }),
    async (trx: StoreHandle) => {
      if (live) await recordLiveRun(trx, { asOf: asOf.getTime(), computedAt: computedAt.getTime(), week: run.week, dataVersion: run.dataVersion, rules: SCORING_RULES_VERSION });
    },
  ];
  await writeInSlices(db, batches, slicing);
  const total = performance.now() - started;
  return { ...tally, live, elapsedMs: { score: scoreMs, write: total - scoreMs, refresh: refreshMs } };
}

/** The ScoreSnapshot row of the customer in `slot`. */
function snapshotRow(run: ScoredRun, computedAt: Date, slot: number, s: CustomerScore): SnapshotRow {
  const { histories } = run;
  const bought = histories.purchaseDays[slot]! > 0;
  const lifetime = histories.lifetimeMinor[slot]!;
  const suggestion = suggestionOf(run.crossSell, slot);
  return {
    customerId: run.customerIds[slot]!,
    week: run.week,
    computedAt: computedAt.getTime(),
    asOf: run.asOf.getTime(),
    recencyDays: s.recencyDays,
    frequency: s.frequency,
    // Never null for a customer: the column is NOT NULL (whole() keeps NaN out).
    monetaryMinor: whole(s.monetaryMinor)!,
    marginMinor: whole(s.marginMinor),
    lifetimeMinor: whole(lifetime)!,
    orderCount: histories.orderCount[slot]!,
    lastOrderAt: bought ? histories.lastDay[slot]! * DAY_MS : null,
    rScore: s.rScore,
    fScore: s.fScore,
    mScore: s.mScore,
    tier: s.tier,
    valueBand: s.valueBand,
    longTail: s.longTail,
    lowMargin: s.lowMargin,
    lifecycle: s.lifecycle,
    pAlive: finite(s.pAlive),
    expected30: finite(s.expected30),
    expected90: finite(s.expected90),
    expectedAovMinor: whole(s.expectedAovMinor),
    clv12Minor: whole(s.clv12Minor),
    churnRisk: finite(s.churnRisk),
    churnReason: JSON.stringify(s.churnReason),
    atStakeMinor: whole(atStake(s.clv12Minor ?? lifetime, s.churnRisk))!,
    reorderDueAt: s.reorderDueDay === null ? null : s.reorderDueDay * DAY_MS,
    crossSell: suggestion?.category ?? null,
    crossSellFrom: suggestion?.from ?? null,
    crossSellLift: suggestion ? finite(suggestion.lift) : null,
    categories: recentCategoryKeys(run.categories, slot),
  };
}

/** Scores every customer as of `asOf` and writes the snapshots (see `writeSnapshots`); `computedAt` defaults to `asOf`. */
export async function recomputeScores(
  db: StoreDatabase,
  asOf: Date,
  options: ScoreOptions & { computedAt?: Date; writeSlicing?: WriteSlicing } = {},
): Promise<RecomputeReport> {
  const started = performance.now();
  const run = await scoreAsOf(db, asOf, options);
  const written = await writeSnapshots(db, run, options.computedAt ?? asOf, options.writeSlicing);
  return recomputeReport(run, written, performance.now() - started);
}

/** What a scoring run and its writing found, and the time they took together (`totalMs`). */
export function recomputeReport(run: ScoredRun, written: WrittenScores, totalMs: number): RecomputeReport {
  return {
    asOf: run.asOf,
    week: run.week,
    customers: run.scored.count,
    orders: run.orders,
    byTier: written.byTier,
    byLifecycle: written.byLifecycle,
    models: run.scored.models,
    selection: run.scored.selection,
    calibration: run.scored.calibration,
    live: written.live,
    elapsedMs: { ...run.elapsedMs, ...written.elapsedMs, total: totalMs },
  };
}

/** Why `ensureScoresCurrent` did or did not recompute. */
export type Freshness = 'current' | 'no_customers' | 'never_scored' | 'data_changed' | 'rules_changed';

/**
 * Recomputes the scores as of `now` when they are not current: never scored by this version,
 * scored under older rules, or data changed since the last live run (an import committed and the
 * process died before its rescoring). Cheap when they are current: two small reads.
 */
export async function ensureScoresCurrent(db: StoreDatabase, now: Date): Promise<{ recomputed: boolean; reason: Freshness }> {
  const { reason } = await scoresFreshness(db);
  if (reason === 'current' || reason === 'no_customers') return { recomputed: false, reason };
  await recomputeScores(db, now);
  return { recomputed: true, reason };
}

/** Whether the scores are current (cheap: two small reads); `stale` when a rescoring is due. */
export async function scoresFreshness(db: StoreHandle): Promise<{ reason: Freshness; stale: boolean }> {
  const reason = await freshnessOf(db);
  return { reason, stale: reason !== 'current' && reason !== 'no_customers' };
}

async function freshnessOf(db: StoreHandle): Promise<Freshness> {
  if (!(await hasCustomers(db))) return 'no_customers';
  const last = await lastLiveRun(db);
  if (!last) return 'never_scored';
  if (last.rules !== SCORING_RULES_VERSION) return 'rules_changed';
  return last.dataVersion === (await scoringDataVersion(db)) ? 'current' : 'data_changed';
}

/** What losing the customer would cost: value × churn risk (the customer list's order). */
function atStake(valueMinor: number, churnRisk: number | null): number {
  return valueMinor * (churnRisk !== null && Number.isFinite(churnRisk) ? churnRisk : 0);
}

/** The database stores what it is given: keep NaN and ±∞ (which no stored data should produce, but no run may fail on) out. */
function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function whole(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? Math.round(value) : null;
}

/** The base without its histories: who the customers are, their status and scoring group. */
export type BaseFacts = Omit<BaseInput, 'histories' | 'calibration' | 'halfwayBack' | 'model' | 'horizonDays'>;

/** A day to summarise the base at, and which later view's purchases are its outcome (an index into the views). */
export interface ViewDay {
  day: number;
  outcomeView?: number;
}

/**
 * The views a scoring run as of `day` needs, in this order: one horizon back and half a horizon
 * back (each with the purchases since as its outcome), then the day itself.
 */
export function heldOutViews(day: number, horizonDays: number): ViewDay[] {
  return [
    { day: day - horizonDays, outcomeView: 2 },
    { day: day - Math.floor(horizonDays / 2), outcomeView: 2 },
    { day },
  ];
}

/**
 * Customers (with their team's settings) and their orders up to the last of `views`, folded
 * into one summary per view; with `categories`, also the distinct categories each customer
 * bought (purchases only) up to then, for cross-selling. Any stored value is accepted: dates
 * before 1970 or far in the past, ids with gaps, statuses an older version wrote.
 */
export async function readBase(
  db: StoreDatabase,
  views: readonly ViewDay[],
  options: { categories?: boolean } = {},
): Promise<{
  histories: CustomerHistories[];
  categories: CustomerCategories | null;
  input: BaseFacts;
  customerIds: Int32Array;
  orders: number;
  dataVersion: number;
}> {
  const lastDay = Math.max(...views.map((view) => view.day));
  const withCategories = options.categories ?? false;
  const folder = baseFolder(views, withCategories);
  const { dataVersion } = await readScoringBase(db, { before: (lastDay + 1) * DAY_MS, categories: withCategories }, folder);
  return { ...folder.finish(), dataVersion };
}

/**
 * Folds the rows of the bulk read into the base, slot by slot in customer id order: the read's
 * sink itself, so each of ten million orders costs one call.
 */
function baseFolder(views: readonly ViewDay[], withCategories: boolean): ScoringBaseSink & { finish(): Omit<Awaited<ReturnType<typeof readBase>>, 'dataVersion'> } {
  let count = 0;
  let groupSettings: ScoringSettings[] = [];
  let groupOfTeam = new Map<number, number>();
  let slotOf: ReturnType<typeof slotIndex> = slotIndex(0, 0);
  let customerIds: Int32Array = new Int32Array(0);
  let status = new Uint8Array(0);
  let statusChangedDay = new Float64Array(0);
  let group: Int32Array = new Int32Array(0);
  let windows: Int32Array[] = [];
  let latestWindow: Int32Array = new Int32Array(0);
  let folder = createHistoryFolder(0, []);
  let categories: ReturnType<typeof createCategoryCollector> | null = null;
  let slot = 0;
  let orders = 0;
  return {
    start(teams, customers, maxCustomerId) {
      count = customers;
      // Group 0 is customers without a team (no owner, or an owner outside any team).
      groupSettings = [{ ...DEFAULT_SCORING_SETTINGS }, ...teams.teamIds.map((id) => teams.of(id).scoring)];
      groupOfTeam = new Map(teams.teamIds.map((id, i) => [id, i + 1]));
      slotOf = slotIndex(maxCustomerId, count);
      customerIds = new Int32Array(count);
      status = new Uint8Array(count);
      statusChangedDay = new Float64Array(count);
      group = new Int32Array(count);
      windows = views.map(() => new Int32Array(count));
      // "Bought lately" is within the RFM window of the latest view (the scoring day's).
      latestWindow = windows[views.reduce((latest, view, v) => (view.day > views[latest]!.day ? v : latest), 0)]!;
      // The windows are filled as the customers come, before any order.
      folder = createHistoryFolder(
        count,
        views.map((view, v) => ({ asOfDay: view.day, windowStartDay: windows[v]!, ...(view.outcomeView === undefined ? {} : { outcomeView: view.outcomeView }) })),
      );
      categories = withCategories ? createCategoryCollector(count) : null;
    },
    customer(id, customerStatus, changedAt, teamId) {
      if (slot >= count) return;
      slotOf.set(id, slot);
      customerIds[slot] = id;
      const statusIndex = CUSTOMER_STATUSES.indexOf(customerStatus as CustomerStatus);
      status[slot] = statusIndex < 0 ? 0 : statusIndex;
      statusChangedDay[slot] = typeof changedAt === 'number' && Number.isFinite(changedAt) ? dayOf(changedAt) : Number.NaN;
      const g = (teamId !== null ? groupOfTeam.get(teamId) : undefined) ?? 0;
      group[slot] = g;
      for (let v = 0; v < views.length; v++) windows[v]![slot] = views[v]!.day - groupSettings[g]!.rfmWindowDays + 1;
      slot++;
    },
    order(customerId, orderedAt, amountMinor, marginMinor, refundOfAt, category) {
      const customer = slotOf.get(customerId);
      if (customer === undefined || !Number.isFinite(orderedAt) || !Number.isFinite(amountMinor)) return;
      const day = dayOf(orderedAt);
      folder.add(customer, day, amountMinor, typeof marginMinor === 'number' ? marginMinor : null, typeof refundOfAt === 'number' ? dayOf(refundOfAt) : null);
      if (categories && amountMinor > 0 && typeof category === 'string') categories.add(customer, category, day >= latestWindow[customer]!);
      orders++;
    },
    finish() {
      return {
        histories: folder.finish(),
        categories: categories?.finish() ?? null,
        input: { status, statusChangedDay, group, groupSettings },
        customerIds,
        orders,
      };
    },
  };
}

/** Customer id → slot: a flat array when ids are dense, a map when an id is far beyond the count (no huge allocation). */
function slotIndex(maxId: number, count: number): { set(id: number, slot: number): void; get(id: number): number | undefined } {
  if (maxId <= 4 * count + 1_000_000) {
    const slots = new Int32Array(maxId + 1).fill(-1);
    return {
      set: (id, slot) => (slots[id] = slot),
      get: (id) => (id >= 0 && id < slots.length && slots[id]! >= 0 ? slots[id] : undefined),
    };
  }
  const slots = new Map<number, number>();
  return { set: (id, slot) => slots.set(id, slot), get: (id) => slots.get(id) };
}
