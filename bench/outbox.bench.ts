/**
 * Outbox figures on both engines: the claim-and-mark rate of the Kysely store (one worker,
 * batches of 50) beside, in the same run, on SQLite the outbox delivery ran on before issue 15
 * (better-sqlite3 prepared statements; its claim reads every due row through one OR), on
 * PostgreSQL the store's SQL through plain `pg`; and the 30-second race of two delivery
 * processes on PostgreSQL (OUTBOX_RACE_MS to change it). PostgreSQL parts need TEST_POSTGRES_URL
 * (a server's maintenance database, as for the tests) and are skipped without it.
 */
import { connectDatabase, type StoreDatabase } from '../src/db/store-database.js';
import { createOutboxStore } from '../src/db/stores/outbox-store.js';
import type { Outbox, PlannedNudge } from '../src/scheduler/outbox.js';
import { createRawOutbox } from '../test/helpers/raw-outbox.js';
import { raceOutboxClaims } from '../test/helpers/outbox-race.js';
import { tempDir } from '../test/helpers/temp-database.js';
import { createEmptyPostgresDatabase, TEST_POSTGRES_URL } from '../test/helpers/temp-postgres.js';

const ROWS = Number(process.env.BENCH_QUICK ? 5_000 : 20_000);
const BATCH = 50;
/** SQLite store and raw runs, alternated. */
const ROUNDS = 3;
const RACE_MS = Number(process.env.OUTBOX_RACE_MS ?? 30_000);
const NOW = new Date('2027-03-01T09:00:00Z');

function due(count: number): PlannedNudge[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'birthday', dedupeKey: `bench:${i}`, dueAt: new Date(NOW.getTime() - 60_000 - i), target: { kind: 'rep', id: 1 }, customerId: null, payload: { i },
  }));
}

type Drain = { claimDue: (...a: Parameters<Outbox['claimDue']>) => unknown; markSent: (...a: Parameters<Outbox['markSent']>) => unknown };

/** Claims every due row in batches and marks each sent; rows per second. */
async function drain(outbox: Drain): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for (let batch = 0; ; batch++) {
    const claimed = (await outbox.claimDue(NOW, BATCH, `b${batch}`, 300_000)) as { id: number }[];
    if (claimed.length === 0) break;
    for (const row of claimed) await outbox.markSent(row.id, `b${batch}`, NOW, false, null);
    rows += claimed.length;
  }
  if (rows !== ROWS) throw new Error(`drained ${rows} of ${ROWS} rows`);
  return rows / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const rate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en')} rows/s`;

async function withDatabase<T>(open: () => Promise<{ db: StoreDatabase; cleanup: () => Promise<void> }>, work: (db: StoreDatabase) => Promise<T>): Promise<T> {
  const { db, cleanup } = await open();
  try {
    return await work(db);
  } finally {
    await cleanup();
  }
}

async function sqlite(): Promise<void> {
  const dir = tempDir('rapport-bench-outbox-');
  const open = async () => {
    const db = await connectDatabase(`file:${dir.dir}/bench-${Math.random().toString(36).slice(2)}.db`);
    return { db, cleanup: () => db.close() };
  };
  try {
    const store = () =>
      withDatabase(open, async (db) => {
        const outbox = createOutboxStore(db);
        await outbox.insert(due(ROWS), NOW);
        return drain(outbox);
      });
    const raw = () =>
      withDatabase(open, async (db) => {
        if (db.engine !== 'sqlite') throw new Error('expected SQLite');
        const outbox = createRawOutbox(db.sqlite);
        outbox.insert(due(ROWS), NOW);
        return drain(outbox);
      });
    // Alternated, the first one first each other round: on a shared machine both see the same load.
    const rates = { store: [] as number[], raw: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) rates.store.push(await store()), rates.raw.push(await raw());
      else rates.raw.push(await raw()), rates.store.push(await store());
    }
    const storeRate = median(rates.store);
    const rawRate = median(rates.raw);
    process.stdout.write(
      `outbox: SQLite claim + mark sent (batches of ${BATCH}, median of ${ROUNDS} alternated): Kysely store ${rate(storeRate)}; ` +
        `the SQLite outbox on prepared statements (delivery's before issue 15) ${rate(rawRate)}; store/raw ${((100 * storeRate) / rawRate).toFixed(0)}%\n`,
    );
  } finally {
    dir.cleanup();
  }
}

/** The raw limit on PostgreSQL: the store's claim SQL as one parameterised statement through plain `pg`. */
const RAW_CLAIM = `WITH due AS (SELECT id FROM "Nudge" WHERE status = 'pending' AND "dueAt" <= $1 AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $1)
  ORDER BY "dueAt", id LIMIT $2 FOR UPDATE SKIP LOCKED)
  UPDATE "Nudge" SET status = 'claimed', "claimedBy" = $3, "claimedAt" = $1, attempts = attempts + 1 FROM due WHERE "Nudge".id = due.id RETURNING "Nudge".id`;
const RAW_MARK = `UPDATE "Nudge" SET status = 'sent', "sentAt" = $1, late = false WHERE id = $2 AND "claimedBy" = $3 AND status = 'claimed'`;

async function postgres(): Promise<void> {
  const { default: pg } = await import('pg');
  const drained = async (raw: boolean) => {
    const database = await createEmptyPostgresDatabase('rapport_bench');
    const db = await connectDatabase(database.url);
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const outbox = createOutboxStore(db);
      await outbox.insert(due(ROWS), NOW);
      if (!raw) return await drain(outbox);
      return await drain({
        claimDue: async (now, limit, token) => (await pool.query(RAW_CLAIM, [now.getTime(), limit, token])).rows,
        markSent: (id, token, now) => pool.query(RAW_MARK, [now.getTime(), id, token]),
      });
    } finally {
      await pool.end();
      await db.close();
      await database.cleanup();
    }
  };
  const store = await drained(false);
  const raw = await drained(true);
  process.stdout.write(`outbox: PostgreSQL claim + mark sent (batches of ${BATCH}): Kysely store ${rate(store)}; the claim SQL through plain pg ${rate(raw)}\n`);

  const database = await createEmptyPostgresDatabase('rapport_bench');
  try {
    await (await connectDatabase(database.url)).close();
    const race = await raceOutboxClaims(database.url, { durationMs: RACE_MS, workers: 2, batch: 10 });
    process.stdout.write(
      `outbox: PostgreSQL race, 2 processes × batches of 10 for ${(race.durationMs / 1000).toFixed(1)} s: ${race.sends.toLocaleString('en')} sends ` +
        `(${race.perWorker.map((n) => n.toLocaleString('en')).join(' + ')}), ${rate(race.rowsPerSecond)}; sent twice: ${race.duplicates}; ` +
        `claims lost: ${race.lost}; left claimed: ${race.leftClaimed}; sent in the database ${race.sentInDatabase.toLocaleString('en')} = distinct sends ${race.distinctSent.toLocaleString('en')}\n`,
    );
    if (race.duplicates > 0 || race.lost > 0 || race.sentInDatabase !== race.distinctSent) process.exitCode = 1;
  } finally {
    await database.cleanup();
  }
}

export async function run(): Promise<void> {
  await sqlite();
  if (TEST_POSTGRES_URL) await postgres();
  else process.stdout.write('outbox: PostgreSQL parts skipped: TEST_POSTGRES_URL is not set (.ci/run shows how to start a throwaway server)\n');
}
