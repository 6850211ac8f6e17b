/**
 * A million customers for the lookup-path benches (lookup, discord): 2,000 reps in two teams
 * (rep0 a manager), Chinese and German names, regions, tags and birthdays, orders with products
 * and categories, and a synthetic week of scores — the shared bench base (bench-base.ts), in a
 * temporary database, analysed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../src/db/database.js';
import { intBetween, type Random } from '../src/domain/random.js';
import { BENCH_NAMES, seedBenchBase, type BenchBaseOptions, type BenchPerson } from './bench-base.js';

export const REPS = 2000;
export const NOW = new Date('2026-11-23T01:30:00Z');
export const { SURNAMES, GIVEN, FIRST, LAST } = BENCH_NAMES;

export interface CustomerRow extends BenchPerson {
  ownerId: number;
}

export interface MillionCustomers {
  db: Database;
  customers: number;
  /** A random stored customer, read back to query by its own keys. */
  randomCustomer(random: Random): CustomerRow;
  close(): Promise<void>;
}

/**
 * A temporary database with `customers` customers (two orders each unless `history` says
 * otherwise); `label` names the bench in the seeding line.
 */
export async function millionCustomers(
  label: string,
  customers: number,
  history: Pick<BenchBaseOptions, 'ordersOf' | 'interactionsOf'> = { ordersOf: () => 2 },
): Promise<MillionCustomers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rapport-${label}-bench-`));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  const started = performance.now();
  const seeded = seedBenchBase(db.sqlite, {
    customers,
    asOf: NOW,
    spanDays: 400,
    reps: REPS,
    people: true,
    segments: true,
    scores: true,
    ...history,
    seed: 7,
  });
  db.sqlite.exec('ANALYZE');
  process.stdout.write(
    `${label}: seeded ${customers.toLocaleString('en')} customers, ${seeded.orders.toLocaleString('en')} orders, ${seeded.interactions.toLocaleString('en')} contacts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const byId = db.sqlite.prepare('SELECT externalId, name, email, phone, ownerId FROM Customer WHERE id = ?');
  return {
    db,
    customers,
    randomCustomer: (random) => byId.get(intBetween(random, 1, customers)) as CustomerRow,
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
