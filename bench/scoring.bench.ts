/**
 * Scoring bench: full `recomputeScores` over generated bases (100k customers / 1M orders, and
 * 1M / 10M unless BENCH_QUICK=1; `SCORING_BENCH_CUSTOMERS=N` runs only N customers with ten
 * orders each on average, e.g. 1000000 for the 1M / 10M size alone), beside a raw SQL aggregate
 * scan of the same orders; and what cross-selling adds to it. The categories are read in the
 * scoring run's one pass over the orders (one more column), so their cost is that read with the
 * column minus the same read without it — three reads of each, alternated, medians — plus the
 * run's own time for the rules and suggestions, plus turning them into the stored columns.
 * With TEST_POSTGRES_URL, the same base (up to SCORING_BENCH_POSTGRES_CUSTOMERS customers,
 * 100,000 by default) copied into a fresh PostgreSQL database and rescored there, beside
 * PostgreSQL's own raw aggregate scan of the same orders and its own insert of the same
 * snapshots (one INSERT … SELECT inside the server). The write is split into filing the
 * snapshots and the check-in and reorder refreshes that follow them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.js';
import type { PostgresDatabase } from '../src/db/store-database.js';
import { crossSellOf, recentCategoryKeys, suggestionOf } from '../src/domain/analytics/cross-sell.js';
import { dayOf } from '../src/domain/analytics/history.js';
import { exponential } from '../src/domain/random.js';
import { SNAPSHOT_COLUMNS } from '../src/db/stores/score-store.js';
import { heldOutViews, readBase, recomputeReport, recomputeScores, scoreAsOf, writeSnapshots, type RecomputeReport } from '../src/scoring/recompute.js';
import { openTempPostgres, TEST_POSTGRES_URL } from '../test/helpers/temp-postgres.js';
import { CHURN_HORIZON_DAYS } from '../src/domain/analytics/score-base.js';
import { seedBenchBase } from './bench-base.js';

const AS_OF = new Date('2026-11-23T00:00:00Z');
const HISTORY_DAYS = 3 * 365;
/** Reads of the base with and without categories, alternated (without, with; with, without; …). */
const READ_PAIRS = 3;

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const POSTGRES_CUSTOMERS = Number(process.env.SCORING_BENCH_POSTGRES_CUSTOMERS ?? 100_000);
/** Rows per INSERT when copying the base into PostgreSQL (a Customer row has some 30 columns; at most 65,535 parameters a statement). */
const COPY_ROWS = 1000;

async function benchSize(customers: number, ordersPerCustomer: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-scoring-'));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  try {
    const started = performance.now();
    // Customers with an exponentially distributed order count spread back from a random last purchase within three years.
    const { orders } = seedBenchBase(db.sqlite, {
      customers,
      asOf: AS_OF,
      spanDays: HISTORY_DAYS,
      ordersOf: (random) => Math.max(0, Math.round(exponential(random, ordersPerCustomer))),
    });
    process.stdout.write(`  generated ${customers} customers / ${orders} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const scanStarted = performance.now();
    const groups = db.sqlite.prepare('SELECT customerId, COUNT(*), SUM(amountMinor), MAX(orderedAt) FROM "Order" GROUP BY customerId').raw(true).all().length;
    const scanMs = performance.now() - scanStarted;
    const { report, cpuMs, stored } = await scoreAndWrite(db);
    const runRss = process.resourceUsage().maxRSS;
    const e = report.elapsedMs;
    const reads = await categoryReads(db);
    const crossSellMs = Math.max(0, reads.extra.wall) + e.crossSell + stored.wall;
    const crossSellCpu = Math.max(0, reads.extra.cpu) + reads.rules.cpu + stored.cpu;
    const s = (ms: number) => (ms / 1000).toFixed(2);
    process.stdout.write(
      `  raw SQL aggregate scan: ${s(scanMs)} s (${groups} customers)\n` +
        `  recomputeScores:        ${s(e.total)} s (${s(cpuMs)} s CPU; read ${s(e.read)}, fit ${s(e.fit)}, cross-sell ${s(e.crossSell)}, score ${s(e.score)}, write ${s(e.write)} of which refreshes ${s(e.refresh)}); ${report.models.purchases.model} ${report.models.purchases.status} (${report.selection.by}) on ${report.models.purchases.customers} customers${report.models.sampled ? ' (sample)' : ''} in ${report.models.purchases.iterations} iterations, Gamma-Gamma ${report.models.spend.status} in ${report.models.spend.iterations}; churn risk calibration ${report.calibration.status}\n` +
        `  cross-sell:             +${s(crossSellMs)} s = ${((100 * crossSellMs) / (e.total - crossSellMs)).toFixed(1)}% of the run without it; by CPU time +${s(crossSellCpu)} s = ${((100 * crossSellCpu) / (cpuMs - crossSellCpu)).toFixed(1)}% (target ≤ 10%): ` +
        `reading categories ${s(reads.extra.wall)} s (${s(reads.extra.cpu)} s CPU; the base read ${s(reads.without.wall)} s → ${s(reads.with.wall)} s, medians of ${READ_PAIRS}), ` +
        `rules and suggestions ${s(e.crossSell)} s (again: ${s(reads.rules.cpu)} s CPU), stored form ${s(stored.wall)} s (${s(stored.cpu)} s CPU)\n` +
        `  peak RSS:               ${mb(runRss)} after the run, ${mb(process.resourceUsage().maxRSS)} after the cross-sell reads\n`,
    );
    if (!TEST_POSTGRES_URL) process.stdout.write('  PostgreSQL part skipped: TEST_POSTGRES_URL is not set (.ci/run shows how to start a throwaway server)\n');
    else if (customers > POSTGRES_CUSTOMERS) process.stdout.write(`  PostgreSQL part skipped: more than SCORING_BENCH_POSTGRES_CUSTOMERS=${POSTGRES_CUSTOMERS} customers\n`);
    else await onPostgres(db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same base copied into a fresh PostgreSQL database and rescored there, beside PostgreSQL's raw aggregate scan. */
async function onPostgres(db: Database): Promise<void> {
  const pg = await openTempPostgres();
  try {
    const copyStarted = performance.now();
    await copyTable(db, pg, 'Customer');
    await copyTable(db, pg, 'Order');
    await sql`ANALYZE`.execute(pg.kysely);
    process.stdout.write(`  PostgreSQL: base copied in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s\n`);
    const scanStarted = performance.now();
    const scan = await sql`SELECT "customerId", COUNT(*), SUM("amountMinor"), MAX("orderedAt") FROM "Order" GROUP BY "customerId"`.execute(pg.kysely);
    const scanMs = performance.now() - scanStarted;
    const cpu = process.cpuUsage();
    const report = await recomputeScores(pg, AS_OF);
    const used = process.cpuUsage(cpu);
    const e = report.elapsedMs;
    const insert = await rawSnapshotInsert(pg, report.week);
    const s = (ms: number) => (ms / 1000).toFixed(2);
    process.stdout.write(
      `  PostgreSQL raw aggregate scan: ${s(scanMs)} s (${scan.rows.length} customers)\n` +
        `  PostgreSQL recomputeScores:    ${s(e.total)} s (${s((used.user + used.system) / 1000)} s CPU in this process; read ${s(e.read)}, fit ${s(e.fit)}, cross-sell ${s(e.crossSell)}, score ${s(e.score)}, write ${s(e.write)} of which refreshes ${s(e.refresh)}); ${report.customers} customers, ${report.orders} orders\n` +
        `  PostgreSQL raw snapshot insert: ${s(insert.ms)} s (the run's ${insert.rows} rows again as another week, one INSERT … SELECT inside the server, rolled back: the floor of filing them)\n`,
    );
  } finally {
    await pg.cleanup();
  }
}

/**
 * PostgreSQL's own limit for filing the snapshots: the rows the run wrote, inserted again under
 * another week by one statement that never leaves the server (same indexes, same foreign key
 * check), then rolled back.
 */
async function rawSnapshotInsert(pg: PostgresDatabase, week: string): Promise<{ ms: number; rows: number }> {
  const columns = sql.join(SNAPSHOT_COLUMNS.map((column) => sql.ref(column)));
  const copied = sql.join(SNAPSHOT_COLUMNS.map((column) => (column === 'week' ? sql<string>`${'raw-' + week}` : sql.ref(column))));
  let result = { ms: 0, rows: 0 };
  await pg.kysely
    .transaction()
    .execute(async (trx) => {
      const started = performance.now();
      const inserted = await sql`INSERT INTO ${sql.table('ScoreSnapshot')} (${columns}) SELECT ${copied} FROM ${sql.table('ScoreSnapshot')} WHERE ${sql.ref('week')} = ${week}`.execute(trx);
      result = { ms: performance.now() - started, rows: Number(inserted.numAffectedRows ?? 0) };
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return result;
}

class RolledBack extends Error {}

/** Copies a table by id pages, every column as SQLite holds it. */
async function copyTable(db: Database, pg: PostgresDatabase, table: 'Customer' | 'Order'): Promise<void> {
  for (let after = 0; ; ) {
    const rows = await db.kysely.selectFrom(table).selectAll().where('id', '>', after).orderBy('id').limit(COPY_ROWS).execute();
    if (rows.length === 0) return;
    await pg.kysely.insertInto(table).values(rows as never).execute();
    after = rows.at(-1)!.id;
  }
}

/** Wall and CPU milliseconds: on a shared machine the CPU time is the steadier figure. */
interface Timed {
  wall: number;
  cpu: number;
}

async function timed(work: () => unknown): Promise<Timed> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
}

/**
 * The scoring run's read of the base without and with the categories (a transaction each, as the
 * run reads), alternated, as medians; and the rules and suggestions worked out again from the last
 * read's categories (the run's own step, timed in CPU too).
 */
async function categoryReads(db: Database): Promise<{ without: Timed; with: Timed; extra: Timed; rules: Timed }> {
  const views = heldOutViews(dayOf(AS_OF.getTime()), CHURN_HORIZON_DAYS);
  const times = { without: [] as Timed[], with: [] as Timed[] };
  let base: Awaited<ReturnType<typeof readBase>> | undefined;
  for (let pair = 0; pair < READ_PAIRS; pair++) {
    for (const categories of pair % 2 === 1 ? [true, false] : [false, true]) {
      // Only the last read (with categories: READ_PAIRS is odd) is kept, so no two bases are held at once.
      const keep = pair === READ_PAIRS - 1 && categories;
      times[categories ? 'with' : 'without'].push(
        await timed(async () => {
          const read = await readBase(db, views, { categories });
          if (keep) base = read;
        }),
      );
    }
  }
  const read = base!;
  const rules = await timed(() => crossSellOf(read.categories!, read.input.group, read.input.groupSettings.length));
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const of = (list: Timed[]) => ({ wall: median(list.map((t) => t.wall)), cpu: median(list.map((t) => t.cpu)) });
  const without = of(times.without);
  const withCategories = of(times.with);
  return { without, with: withCategories, extra: { wall: withCategories.wall - without.wall, cpu: withCategories.cpu - without.cpu }, rules };
}

/**
 * `recomputeScores` as it is composed (scoreAsOf, then writeSnapshots), keeping the run to time
 * turning every suggestion and set of recent categories into the values a score row stores
 * (binding them is part of the write).
 */
async function scoreAndWrite(db: Database): Promise<{ report: RecomputeReport; cpuMs: number; stored: Timed }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const run = await scoreAsOf(db, AS_OF);
  const written = await writeSnapshots(db, run, AS_OF);
  const report = recomputeReport(run, written, performance.now() - started);
  const used = process.cpuUsage(cpu);
  const stored = await timed(() => {
    for (let i = 0; i < run.scored.count; i++) {
      suggestionOf(run.crossSell, i);
      recentCategoryKeys(run.categories, i);
    }
  });
  return { report, cpuMs: (used.user + used.system) / 1000, stored };
}

export async function run(): Promise<void> {
  const only = process.env.SCORING_BENCH_CUSTOMERS;
  if (only !== undefined) {
    const customers = Number(only);
    if (!Number.isInteger(customers) || customers < 1) throw new Error(`SCORING_BENCH_CUSTOMERS=${only}: a whole number of customers, e.g. 1000000`);
    process.stdout.write(`scoring: ${customers.toLocaleString('en')} customers / ~${(customers * 10).toLocaleString('en')} orders\n`);
    await benchSize(customers, 10);
    return;
  }
  process.stdout.write('scoring: 100k customers / 1M orders (target ≤ 5 s)\n');
  await benchSize(100_000, 10);
  if (process.env.BENCH_QUICK === '1') return;
  process.stdout.write('scoring: 1M customers / 10M orders (target ≤ 60 s, peak RSS ≤ 1 GB)\n');
  await benchSize(1_000_000, 10);
}
