import { refreshCheckInsAfterRescoring } from '../db/check-ins.js';
import type { Database, Sqlite } from '../db/database.js';
import { coveringIdRanges, writeInSlices, type WriteSlicing } from '../db/write-slices.js';
import type { BaseModels } from '../domain/analytics/base-models.js';
import { createHistoryFolder, dayOf, DAY_MS } from '../domain/analytics/history.js';
import { CUSTOMER_STATUSES, LIFECYCLES, type CustomerStatus, type Lifecycle } from '../domain/analytics/lifecycle.js';
import { TIERS, type Tier } from '../domain/analytics/rfm.js';
import { scoreBase, type BaseInput } from '../domain/analytics/score-base.js';
import { DEFAULT_SCORING_SETTINGS, parseScoringSettings, type ScoringSettings } from '../domain/analytics/settings.js';
import { isoWeekOf, localDateOf } from '../domain/schedule/local-time.js';

export interface RecomputeOptions {
  /** Stamped on every row as computedAt; defaults to `asOf`. */
  computedAt?: Date;
  /** Share the write lock while writing (the bot's background worker); default: one transaction. */
  writeSlicing?: WriteSlicing;
}

/** Customers scored and written per batch, and check-ins refreshed per batch: a millisecond or two each, since a waiting writer gets the lock only between batches. */
const SCORE_BATCH = 100;
const CHECK_IN_BATCH = 500;

export interface RecomputeReport {
  asOf: Date;
  /** ISO week the rows were written under, e.g. 2026-W48. */
  week: string;
  customers: number;
  /** Orders up to the as-of day that were scored. */
  orders: number;
  byTier: Record<Tier, number>;
  byLifecycle: Record<Lifecycle, number>;
  /** The fitted BG/NBD and Gamma-Gamma models; a status other than `converged` means the rhythm rule stood in. */
  models: BaseModels;
  /** Reading and folding orders, fitting the models, scoring customers, writing rows. */
  elapsedMs: { read: number; fit: number; score: number; write: number; total: number };
}

/** The ISO week (UTC) a snapshot taken as of this instant is filed under. */
export function snapshotWeekOf(asOf: Date): string {
  return isoWeekOf(localDateOf(asOf, 'UTC'));
}

/**
 * Scores every customer as of `asOf` (orders after that UTC day are ignored) and upserts one
 * ScoreSnapshot per customer for asOf's ISO week; earlier weeks stay as the history the digest
 * compares. Reads and writes go through raw SQLite in one transaction each: at a million
 * customers Prisma would take minutes.
 */
export async function recomputeScores(db: Database, asOf: Date, options: RecomputeOptions = {}): Promise<RecomputeReport> {
  const started = performance.now();
  const { sqlite } = db;
  const asOfDay = dayOf(asOf.getTime());
  const { input, customerIds, orders } = sqlite.transaction(() => readBase(sqlite, asOfDay))();
  const read = performance.now();

  const scored = scoreBase(input);
  const fitted = performance.now();
  const week = snapshotWeekOf(asOf);
  const computedAt = (options.computedAt ?? asOf).getTime();
  const byTier = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  const byLifecycle = Object.fromEntries(LIFECYCLES.map((l) => [l, 0])) as Record<Lifecycle, number>;
  const upsert = sqlite.prepare(UPSERT_SQL);
  let scoreMs = 0;
  const writeScores = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const before = performance.now();
      const s = scored.score(i);
      scoreMs += performance.now() - before;
      byTier[s.tier]++;
      byLifecycle[s.lifecycle]++;
      const lastDay = input.histories.lastDay[i]!;
      upsert.run(
        customerIds[i],
        week,
        computedAt,
        asOf.getTime(),
        s.recencyDays,
        s.frequency,
        Math.round(s.monetaryMinor),
        s.marginMinor === null ? null : Math.round(s.marginMinor),
        Math.round(input.histories.lifetimeMinor[i]!),
        input.histories.orderCount[i],
        lastDay < 0 ? null : lastDay * DAY_MS,
        s.rScore,
        s.fScore,
        s.mScore,
        s.tier,
        s.valueBand,
        s.longTail,
        s.lifecycle,
        s.pAlive,
        s.expected30,
        s.expected90,
        s.expectedAovMinor === null ? null : Math.round(s.expectedAovMinor),
        s.clv12Minor === null ? null : Math.round(s.clv12Minor),
        s.churnRisk,
        JSON.stringify(s.churnReason),
      );
    }
  };
  const batches = [
    ...coveringIdRanges(customerIds, SCORE_BATCH).map(({ from, to }) => () => writeScores(from, to)),
    // New tiers move cadence check-ins: over id ranges that cover every customer, also one created meanwhile.
    ...coveringIdRanges(customerIds, CHECK_IN_BATCH).map(({ range }) => () => refreshCheckInsAfterRescoring(sqlite, { idRange: range })),
  ];
  writeInSlices(sqlite, batches, options.writeSlicing);
  const total = performance.now() - started;
  return {
    asOf,
    week,
    customers: scored.count,
    orders,
    byTier,
    byLifecycle,
    models: scored.models,
    elapsedMs: { read: read - started, fit: fitted - read, score: scoreMs, write: total - (fitted - started) - scoreMs, total },
  };
}

const UPSERT_SQL = `INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, recencyDays, frequency, monetaryMinor, marginMinor,
    lifetimeMinor, orderCount, lastOrderAt, rScore, fScore, mScore, tier, valueBand, longTail, lifecycle,
    pAlive, expected30, expected90, expectedAovMinor, clv12Minor, churnRisk, churnReason)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(customerId, week) DO UPDATE SET computedAt = excluded.computedAt, asOf = excluded.asOf,
    recencyDays = excluded.recencyDays, frequency = excluded.frequency, monetaryMinor = excluded.monetaryMinor,
    marginMinor = excluded.marginMinor, lifetimeMinor = excluded.lifetimeMinor, orderCount = excluded.orderCount,
    lastOrderAt = excluded.lastOrderAt, rScore = excluded.rScore, fScore = excluded.fScore, mScore = excluded.mScore,
    tier = excluded.tier, valueBand = excluded.valueBand, longTail = excluded.longTail, lifecycle = excluded.lifecycle,
    pAlive = excluded.pAlive, expected30 = excluded.expected30, expected90 = excluded.expected90,
    expectedAovMinor = excluded.expectedAovMinor, clv12Minor = excluded.clv12Minor, churnRisk = excluded.churnRisk,
    churnReason = excluded.churnReason`;

/** Customers (with their team's settings) and their orders up to the as-of day, folded per customer. */
function readBase(sqlite: Sqlite, asOfDay: number): { input: BaseInput; customerIds: Int32Array; orders: number } {
  const teams = sqlite.prepare('SELECT id, settings FROM Team ORDER BY id').all() as { id: number; settings: string }[];
  // Group 0 is customers without a team (no owner, or an owner outside any team).
  const groupSettings: ScoringSettings[] = [{ ...DEFAULT_SCORING_SETTINGS }, ...teams.map((t) => parseScoringSettings(t.settings))];
  const groupOfTeam = new Map(teams.map((t, i) => [t.id, i + 1]));

  const count = (sqlite.prepare('SELECT COUNT(*) FROM Customer').pluck().get() as number) ?? 0;
  const maxId = (sqlite.prepare('SELECT MAX(id) FROM Customer').pluck().get() as number | null) ?? 0;
  const slotOfId = new Int32Array(maxId + 1).fill(-1);
  const customerIds = new Int32Array(count);
  const status = new Uint8Array(count);
  const statusChangedDay = new Int32Array(count);
  const group = new Int32Array(count);
  const windowStartDay = new Int32Array(count);
  const customers = sqlite
    .prepare('SELECT c.id, c.status, c.statusChangedAt, r.teamId FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId ORDER BY c.id')
    .raw(true);
  let slot = 0;
  for (const row of customers.iterate() as IterableIterator<[number, string, number | null, number | null]>) {
    const [id, customerStatus, changedAt, teamId] = row;
    slotOfId[id] = slot;
    customerIds[slot] = id;
    const statusIndex = CUSTOMER_STATUSES.indexOf(customerStatus as CustomerStatus);
    status[slot] = statusIndex < 0 ? 0 : statusIndex;
    statusChangedDay[slot] = changedAt === null ? -1 : dayOf(changedAt);
    const g = (teamId !== null ? groupOfTeam.get(teamId) : undefined) ?? 0;
    group[slot] = g;
    windowStartDay[slot] = asOfDay - groupSettings[g]!.rfmWindowDays + 1;
    slot++;
  }

  const folder = createHistoryFolder(count, windowStartDay);
  const orderRows = sqlite
    .prepare('SELECT customerId, orderedAt, amountMinor, marginMinor FROM "Order" WHERE orderedAt < ? ORDER BY customerId, orderedAt')
    .raw(true);
  let orders = 0;
  for (const [customerId, orderedAt, amountMinor, marginMinor] of orderRows.iterate((asOfDay + 1) * DAY_MS) as IterableIterator<
    [number, number, number, number | null]
  >) {
    folder.add(slotOfId[customerId]!, dayOf(orderedAt), amountMinor, marginMinor);
    orders++;
  }
  return {
    input: { asOfDay, histories: folder.finish(), status, statusChangedDay, group, groupSettings },
    customerIds,
    orders,
  };
}
