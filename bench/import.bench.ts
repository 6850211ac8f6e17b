/**
 * CSV import of a generated 1,000,000-row orders file (plus the customers it references) into
 * a fresh SQLite file, beside the raw limit measured in the same run: a bare prepared
 * better-sqlite3 insert of the same rows in one transaction into another fresh file.
 * Targets: import ≥ 40% of the raw rows/s, peak RSS ≤ 300 MB.
 * With TEST_POSTGRES_URL, the same import into a fresh PostgreSQL database (the first
 * IMPORT_BENCH_POSTGRES_ORDERS rows, 200,000 by default), beside a plain `COPY … FROM STDIN` of
 * the same rows through `pg` and pg-copy-streams into another fresh one: reported, no target yet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ManualClock } from '../src/clock.js';
import { openDatabase } from '../src/db/database.js';
import { connectDatabase } from '../src/db/store-database.js';
import { importFile } from '../src/import/import-run.js';
import { createEmptyPostgresDatabase, TEST_POSTGRES_URL } from '../test/helpers/temp-postgres.js';

const ORDERS = Number(process.env.IMPORT_BENCH_ORDERS ?? 1_000_000);
const POSTGRES_ORDERS = Math.min(ORDERS, Number(process.env.IMPORT_BENCH_POSTGRES_ORDERS ?? 200_000));
const CUSTOMERS = 50_000;
const TARGET_RATIO = 0.4;
const TARGET_RSS_MB = 300;
const START_MS = Date.UTC(2023, 0, 1);
const PRODUCTS = ['焕颜精华', '口红', '护手霜', 'Gift box', 'Sample kit', '香氛蜡烛'];
const CATEGORIES = ['护肤', '彩妆', 'retail', 'B2B', '香氛'];

interface OrderValues {
  externalId: string;
  customer: number;
  orderedAt: number;
  amountMinor: number;
  marginMinor: number;
  product: string;
  category: string;
}

/** Row i, the same in the CSV and in the raw insert. */
function order(i: number): OrderValues {
  const amountMinor = 1000 + ((i * 7919) % 200_000);
  return {
    externalId: `O${String(i + 1).padStart(8, '0')}`,
    customer: i % CUSTOMERS,
    orderedAt: START_MS + (i % 1000) * 86_400_000 + (i % 86_400) * 1000,
    amountMinor,
    marginMinor: Math.round(amountMinor * 0.3),
    product: PRODUCTS[i % PRODUCTS.length]!,
    category: CATEGORIES[i % CATEGORIES.length]!,
  };
}

const customerId = (n: number) => `C${String(n + 1).padStart(6, '0')}`;

async function writeLines(file: string, header: string, count: number, line: (i: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`${header}\n`);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += `${line(i)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function minorText(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-import-bench-'));
  try {
    const customersCsv = path.join(dir, 'customers.csv');
    const ordersCsv = path.join(dir, 'orders.csv');
    await writeLines(customersCsv, 'external_id,name,phone', CUSTOMERS, (i) => `${customerId(i)},客户${i},+86138${String(i).padStart(8, '0')}`);
    await writeLines(ordersCsv, 'external_id,customer,ordered_at,amount,margin,product,category', ORDERS, (i) => {
      const o = order(i);
      return `${o.externalId},${customerId(o.customer)},${new Date(o.orderedAt).toISOString()},${minorText(o.amountMinor)},${minorText(o.marginMinor)},${o.product},${o.category}`;
    });
    const sizeMb = fs.statSync(ordersCsv).size / 1e6;

    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const imported = await openDatabase(`file:${path.join(dir, 'import.db')}`);
    const customers = await importFile({ db: imported, clock }, customersCsv, { kind: 'customers', actor: 'bench' });
    const orders = await importFile({ db: imported, clock }, ordersCsv, { kind: 'orders', actor: 'bench' });
    await imported.close();
    if (orders.status !== 'applied' || orders.inserted !== ORDERS || customers.inserted !== CUSTOMERS) {
      throw new Error(`import did not apply every row: ${JSON.stringify({ customers: customers.status, orders: orders.status, inserted: orders.inserted, problems: orders.problems.slice(0, 3) })}`);
    }
    const importRate = ORDERS / (orders.elapsedMs / 1000);

    // The raw limit: same schema (indexes, foreign keys), same rows, customers already there.
    const raw = await openDatabase(`file:${path.join(dir, 'raw.db')}`);
    raw.sqlite.transaction(() => {
      const insertCustomer = raw.sqlite.prepare("INSERT INTO Customer (externalId, name, tags, greetingOptOut, status, createdAt, updatedAt) VALUES (?, ?, '', 0, 'none', 0, 0)");
      for (let i = 0; i < CUSTOMERS; i++) insertCustomer.run(customerId(i), `客户${i}`);
    })();
    const insertOrder = raw.sqlite.prepare(
      'INSERT INTO "Order" (externalId, customerId, orderedAt, amountMinor, marginMinor, product, category, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, 0)',
    );
    const rawStarted = performance.now();
    raw.sqlite.transaction(() => {
      for (let i = 0; i < ORDERS; i++) {
        const o = order(i);
        insertOrder.run(o.externalId, o.customer + 1, o.orderedAt, o.amountMinor, o.marginMinor, o.product, o.category);
      }
    })();
    const rawRate = ORDERS / ((performance.now() - rawStarted) / 1000);
    await raw.close();

    const ratio = importRate / rawRate;
    // Before PostgreSQL's part, which runs in the same process.
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const verdict = (okay: boolean) => (okay ? 'ok' : 'MISSED');
    process.stdout.write(
      [
        `orders CSV: ${ORDERS.toLocaleString('en')} rows, ${sizeMb.toFixed(0)} MB; ${CUSTOMERS.toLocaleString('en')} customers imported first in ${(customers.elapsedMs / 1000).toFixed(1)} s`,
        `import:    ${Math.round(importRate).toLocaleString('en')} rows/s (${(orders.elapsedMs / 1000).toFixed(1)} s: decode, parse, validate, upsert, change log)`,
        `raw limit: ${Math.round(rawRate).toLocaleString('en')} rows/s (bare prepared insert, one transaction)`,
        `ratio:     ${(ratio * 100).toFixed(0)}% of raw (target ≥ ${TARGET_RATIO * 100}%) ${verdict(ratio >= TARGET_RATIO)}`,
        `peak RSS:  ${peakRssMb.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB) ${verdict(peakRssMb <= TARGET_RSS_MB)}`,
        '',
      ].join('\n'),
    );
    if (TEST_POSTGRES_URL) await postgres(dir, clock, customersCsv);
    else process.stdout.write('import: PostgreSQL part skipped: TEST_POSTGRES_URL is not set (.ci/run shows how to start a throwaway server)\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The import into PostgreSQL beside a plain COPY of the same orders (customers already there in both). */
async function postgres(dir: string, clock: ManualClock, customersCsv: string): Promise<void> {
  const ordersCsv = path.join(dir, 'orders-postgres.csv');
  await writeLines(ordersCsv, 'external_id,customer,ordered_at,amount,margin,product,category', POSTGRES_ORDERS, (i) => {
    const o = order(i);
    return `${o.externalId},${customerId(o.customer)},${new Date(o.orderedAt).toISOString()},${minorText(o.amountMinor)},${minorText(o.marginMinor)},${o.product},${o.category}`;
  });
  const imported = await createEmptyPostgresDatabase('rapport_bench');
  const raw = await createEmptyPostgresDatabase('rapport_bench');
  try {
    const db = await connectDatabase(imported.url);
    let importRate: number;
    try {
      const customers = await importFile({ db, clock }, customersCsv, { kind: 'customers', actor: 'bench' });
      const orders = await importFile({ db, clock }, ordersCsv, { kind: 'orders', actor: 'bench' });
      if (orders.status !== 'applied' || orders.inserted !== POSTGRES_ORDERS || customers.inserted !== CUSTOMERS) {
        throw new Error(`PostgreSQL import did not apply every row: ${JSON.stringify({ status: orders.status, inserted: orders.inserted, problems: orders.problems.slice(0, 3) })}`);
      }
      importRate = POSTGRES_ORDERS / (orders.elapsedMs / 1000);
    } finally {
      await db.close();
    }
    const copyRate = await plainCopy(raw.url);
    process.stdout.write(
      [
        `PostgreSQL import: ${Math.round(importRate).toLocaleString('en')} rows/s (${POSTGRES_ORDERS.toLocaleString('en')} orders: decode, parse, validate, prefetch, new orders in multi-row INSERTs)`,
        `PostgreSQL COPY:   ${Math.round(copyRate).toLocaleString('en')} rows/s (plain COPY … FROM STDIN of the same rows, one transaction)`,
        `ratio:             ${((importRate / copyRate) * 100).toFixed(0)}% of COPY`,
        '',
      ].join('\n'),
    );
  } finally {
    await imported.cleanup();
    await raw.cleanup();
  }
}

/** The raw limit on PostgreSQL: the orders as tab-separated text through COPY, into the migrated schema. */
async function plainCopy(url: string): Promise<number> {
  await (await connectDatabase(url)).close();
  const [{ default: pg }, { from: copyFrom }] = await Promise.all([import('pg'), import('pg-copy-streams')]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await pipeline(
      Readable.from(chunks(CUSTOMERS, (i) => `${customerId(i)}\t客户${i}\t\t0\tnone\t0\t0\n`)),
      client.query(copyFrom('COPY "Customer" ("externalId", name, tags, "greetingOptOut", status, "createdAt", "updatedAt") FROM STDIN')),
    );
    await client.query('COMMIT');
    const started = performance.now();
    await client.query('BEGIN');
    await pipeline(
      Readable.from(
        chunks(POSTGRES_ORDERS, (i) => {
          const o = order(i);
          return `${o.externalId}\t${o.customer + 1}\t${o.orderedAt}\t${o.amountMinor}\t${o.marginMinor}\t${o.product}\t${o.category}\t0\n`;
        }),
      ),
      client.query(copyFrom('COPY "Order" ("externalId", "customerId", "orderedAt", "amountMinor", "marginMinor", product, category, "createdAt") FROM STDIN')),
    );
    await client.query('COMMIT');
    return POSTGRES_ORDERS / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

/** `count` lines in chunks of about a megabyte. */
function* chunks(count: number, line: (i: number) => string): Generator<string> {
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
