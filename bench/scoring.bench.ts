/**
 * Scoring bench: full `recomputeScores` over generated bases (100k customers / 1M orders, and
 * 1M / 10M unless BENCH_QUICK=1), beside a raw SQL aggregate scan of the same orders; and what
 * cross-selling adds to it: reading each order's category (the base read with and without it)
 * and working out the rules and suggestions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { dayOf } from '../src/domain/analytics/history.js';
import { exponential } from '../src/domain/random.js';
import { heldOutViews, readBase, recomputeScores } from '../src/scoring/recompute.js';
import { CHURN_HORIZON_DAYS } from '../src/domain/analytics/score-base.js';
import { seedBenchBase } from './bench-base.js';

const AS_OF = new Date('2026-11-23T00:00:00Z');
const HISTORY_DAYS = 3 * 365;

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

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
    const report = await recomputeScores(db, AS_OF);
    const e = report.elapsedMs;
    // The same read as the run's, without and with the categories (a transaction each, as the run reads).
    const views = heldOutViews(dayOf(AS_OF.getTime()), CHURN_HORIZON_DAYS);
    const timedRead = (categories: boolean) => {
      const t0 = performance.now();
      db.sqlite.transaction(() => readBase(db.sqlite, views, { categories }))();
      return performance.now() - t0;
    };
    const withoutCategories = timedRead(false);
    const withCategories = timedRead(true);
    const crossSellMs = Math.max(0, withCategories - withoutCategories) + e.crossSell;
    process.stdout.write(
      `  raw SQL aggregate scan: ${(scanMs / 1000).toFixed(2)} s (${groups} customers)\n` +
        `  recomputeScores:        ${(e.total / 1000).toFixed(2)} s (read ${(e.read / 1000).toFixed(2)}, fit ${(e.fit / 1000).toFixed(2)}, score ${(e.score / 1000).toFixed(2)}, write ${(e.write / 1000).toFixed(2)}); ${report.models.purchases.model} ${report.models.purchases.status} (${report.selection.by}) on ${report.models.purchases.customers} customers${report.models.sampled ? ' (sample)' : ''} in ${report.models.purchases.iterations} iterations, Gamma-Gamma ${report.models.spend.status} in ${report.models.spend.iterations}; churn risk calibration ${report.calibration.status}\n` +
        `  cross-sell:             +${(crossSellMs / 1000).toFixed(2)} s = ${((100 * crossSellMs) / (e.total - crossSellMs)).toFixed(1)}% of the run without it (target ≤ 10%): ` +
        `reading categories ${((withCategories - withoutCategories) / 1000).toFixed(2)} s (the read ${(withoutCategories / 1000).toFixed(2)} s → ${(withCategories / 1000).toFixed(2)} s), ` +
        `rules and suggestions ${(e.crossSell / 1000).toFixed(2)} s\n` +
        `  peak RSS so far:        ${mb(process.resourceUsage().maxRSS)}\n`,
    );
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  process.stdout.write('scoring: 100k customers / 1M orders (target ≤ 5 s)\n');
  await benchSize(100_000, 10);
  if (process.env.BENCH_QUICK === '1') return;
  process.stdout.write('scoring: 1M customers / 10M orders (target ≤ 60 s, peak RSS ≤ 1 GB)\n');
  await benchSize(1_000_000, 10);
}
