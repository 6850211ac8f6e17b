/**
 * Scoring bench: full `recomputeScores` over generated bases (100k customers / 1M orders, and
 * 1M / 10M unless BENCH_QUICK=1), beside a raw SQL aggregate scan of the same orders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Sqlite } from '../src/db/database.js';
import { exponential, logNormal, seededRandom } from '../src/domain/random.js';
import { recomputeScores } from '../src/scoring/recompute.js';

const DAY_MS = 86_400_000;
const AS_OF = new Date('2026-11-23T00:00:00Z');
const HISTORY_DAYS = 3 * 365;

/** Customers with an exponentially distributed order count (mean `ordersPerCustomer`) spread back from a random last purchase within three years. */
function generate(sqlite: Sqlite, customers: number, ordersPerCustomer: number): number {
  const random = seededRandom(42);
  const now = AS_OF.getTime();
  const insertCustomer = sqlite.prepare('INSERT INTO Customer (id, externalId, name, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?)');
  const insertOrder = sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, marginMinor, createdAt) VALUES (?, ?, ?, ?, ?)');
  let orders = 0;
  sqlite.transaction(() => {
    for (let id = 1; id <= customers; id++) {
      insertCustomer.run(id, `B${id}`, `Bench ${id}`, now, now);
      const count = Math.max(0, Math.round(exponential(random, ordersPerCustomer)));
      const spacing = HISTORY_DAYS / Math.max(count, 1);
      let at = now - Math.floor(random() * HISTORY_DAYS) * DAY_MS;
      const start = at;
      for (let k = 0; k < count; k++) {
        insertOrder.run(id, at, Math.round(logNormal(random, 8_000, 0.8)), Math.round(random() * 3_000), start);
        at -= Math.ceil(exponential(random, spacing)) * DAY_MS;
        orders++;
      }
    }
  })();
  return orders;
}

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

async function benchSize(customers: number, ordersPerCustomer: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-scoring-'));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  try {
    const started = performance.now();
    const orders = generate(db.sqlite, customers, ordersPerCustomer);
    process.stdout.write(`  generated ${customers} customers / ${orders} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const scanStarted = performance.now();
    const groups = db.sqlite.prepare('SELECT customerId, COUNT(*), SUM(amountMinor), MAX(orderedAt) FROM "Order" GROUP BY customerId').raw(true).all().length;
    const scanMs = performance.now() - scanStarted;
    const report = await recomputeScores(db, AS_OF);
    const e = report.elapsedMs;
    process.stdout.write(
      `  raw SQL aggregate scan: ${(scanMs / 1000).toFixed(2)} s (${groups} customers)\n` +
        `  recomputeScores:        ${(e.total / 1000).toFixed(2)} s (read ${(e.read / 1000).toFixed(2)}, fit ${(e.fit / 1000).toFixed(2)}, score ${(e.score / 1000).toFixed(2)}, write ${(e.write / 1000).toFixed(2)}); ${report.models.purchases.model} ${report.models.purchases.status} (${report.selection.by}) on ${report.models.purchases.customers} customers${report.models.sampled ? ' (sample)' : ''} in ${report.models.purchases.iterations} iterations, Gamma-Gamma ${report.models.spend.status} in ${report.models.spend.iterations}; churn risk calibration ${report.calibration.status}\n` +
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
