/**
 * Scheduler figures: planning birthdays + cadences for 1M customers (target ≤ 2 s), care
 * planning on a holiday eve with imported complaints, the weekly digest of a 1M team, and
 * delivery throughput against a fake platform that allows a fixed rate (simulated time, so
 * the figure shows whether anything but the rate limit holds delivery back). Each planning
 * run's write stands beside its raw limit: the rows it wrote, written again without our layer.
 * With TEST_POSTGRES_URL, the same parts again on PostgreSQL over the same seeded base (copied
 * with COPY before SQLite's runs changed it, bench/postgres-copy.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../src/clock.js';
import { refreshCheckIns, refreshCheckInsAfterRescoring } from '../src/db/check-ins.js';
import { openDatabase, type Database, type Sqlite } from '../src/db/database.js';
import { connectDatabase, type StoreDatabase } from '../src/db/store-database.js';
import * as checkInStore from '../src/db/stores/check-in-store.js';
import { createOutboxStore } from '../src/db/stores/outbox-store.js';
import { writeTransaction, type StoreHandle } from '../src/db/stores/store.js';
import { loadTeamSettings } from '../src/db/team-settings.js';
import { inGroups } from '../src/db/write-slices.js';
import { DAY_MS } from '../src/domain/calendar.js';
import { seededRandom } from '../src/domain/random.js';
import { DEFAULT_CADENCE_DAYS } from '../src/domain/schedule/cadence.js';
import { TIERS } from '../src/domain/tier.js';
import { DEFAULT_RETRY_POLICY } from '../src/domain/schedule/retry.js';
import { deliverDue, type DeliveryDeps } from '../src/scheduler/delivery-worker.js';
import { createPlatformPauses } from '../src/scheduler/notifier-router.js';
import { createRecipientLookup } from '../src/scheduler/nudge-data.js';
import { NotifierError, type Notifier } from '../src/scheduler/notifier.js';
import { createNudgeRenderer } from '../src/scheduler/nudge-renderer.js';
import type { PlannedNudge } from '../src/scheduler/outbox.js';
import { applyPlan, collectPlan } from '../src/scheduler/planner.js';
import { createPlanningStore } from '../src/db/stores/planning-store.js';
import { PLANNING_HORIZON_MS } from '../src/scheduler/planning-run.js';
import { renderDigestChart } from '../src/scheduler/digest-chart.js';
import { buildDigestWithChart, buildWeeklyDigest } from '../src/scheduler/weekly-digest.js';
import { createEmptyPostgresDatabase, TEST_POSTGRES_URL } from '../test/helpers/temp-postgres.js';
import { copyIntoPostgres } from './postgres-copy.js';

/** `NUDGES_BENCH_CUSTOMERS` sets the size (a quicker look on a loaded machine); `BENCH_QUICK=1` means 100k. */
const CUSTOMERS = Number(process.env.NUDGES_BENCH_CUSTOMERS ?? (process.env.BENCH_QUICK === '1' ? 100_000 : 1_000_000));
const REPS = 2_000;
const MESSAGES = 5_000;
const RATE_PER_SECOND = 50;
/** A Monday. */
const NOW = new Date('2027-03-01T00:00:00Z');
const HOUR = 3_600_000;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-nudges-'));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  try {
    const seeded = performance.now();
    seed(db.sqlite);
    process.stdout.write(`nudges: seeded ${CUSTOMERS.toLocaleString('en')} customers in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`);
    // Copied now, before SQLite's runs change the base.
    const postgres = TEST_POSTGRES_URL ? await postgresCopy(db) : undefined;
    try {
      await scheduleParts({
        label: 'nudges',
        db,
        deriveCheckIns: async () => {
          const derived = performance.now();
          refreshCheckIns(db.sqlite, 'all');
          const deriveMs = performance.now() - derived;
          const rescored = performance.now();
          refreshCheckInsAfterRescoring(db.sqlite);
          return { deriveMs, rescoreMs: performance.now() - rescored };
        },
        raw: { how: 'prepared single-row INSERT … ON CONFLICT DO NOTHING', rewrite: sqliteRewrite(db.sqlite) },
      });
      process.stdout.write(`nudges: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
      if (postgres) await scheduleParts(postgres.engine);
      else process.stdout.write('nudges: PostgreSQL part skipped: TEST_POSTGRES_URL is not set (.ci/run shows how to start a throwaway server)\n');
    } finally {
      await postgres?.close();
    }
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One engine's side of the bench: its database, how it derives check-ins, and its raw write. */
interface BenchEngine {
  /** What its lines start with. */
  label: string;
  db: StoreDatabase;
  /** Every customer's last touch and check-in, then again after a rescoring that moved no tier. */
  deriveCheckIns(): Promise<{ deriveMs: number; rescoreMs: number }>;
  raw: { how: string; rewrite: RawRewrite };
}

/** Every part of the bench on one engine, in the order they change the base. */
async function scheduleParts(engine: BenchEngine): Promise<void> {
  const { deriveMs, rescoreMs } = await engine.deriveCheckIns();
  process.stdout.write(
    `${engine.label}: derived last touches and check-ins of ${CUSTOMERS.toLocaleString('en')} customers in ${seconds(deriveMs)} s ` +
      `(once, at the migration; also what an import undo pays); after a rescoring with no tier moved ${seconds(rescoreMs)} s\n`,
  );
  process.stdout.write(`${engine.label}: raw limit of a run's write = the nudges and callbacks it wrote, written again in a rolled-back transaction by ${engine.raw.how}\n`);

  // Agendas are at 09:00 Shanghai = 01:00 UTC and the planner looks PLANNING_HORIZON_MS ahead,
  // so the 01:00 UTC run is the one that brings the next working day's agenda into reach.
  const runs: [string, number, boolean][] = [
    ['first run ever (two agendas in reach)', NOW.getTime(), false],
    ['daily run (the next agenda comes into reach)', NOW.getTime() + HOUR, true],
    ['hourly run (nothing new in reach)', NOW.getTime() + 2 * HOUR, true],
    // Nobody worked the list for two months: every rep's agenda fills up to the daily limit.
    ['run after 60 days with nobody planning (backlog)', NOW.getTime() + 60 * DAY_MS + HOUR, false],
  ];
  for (const [label, at, target] of runs) {
    const run = await planDay(engine, new Date(at));
    process.stdout.write(
      `${engine.label}: ${label}: ${seconds(run.collectMs + run.writeMs)} s${target ? ' (target ≤ 2 s)' : ''} = ` +
        `collect ${seconds(run.collectMs)} s + write ${seconds(run.writeMs)} s; ` +
        `${[...run.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}, cadence check-ins ${run.cadence}; ${rawFigure(run.raw)}\n`,
    );
  }

  await careRun(engine);
  await digestTimes(engine);
  await deliveryThroughput(engine);
}

const rawFigure = (raw: { rows: number; ms: number }) => `raw write of its ${raw.rows.toLocaleString('en')} rows ${seconds(raw.ms)} s`;

/** A migrated PostgreSQL database holding a copy of the seeded base, as a bench engine beside a plain `pg` client for its raw write. */
async function postgresCopy(source: Database): Promise<{ engine: BenchEngine; close: () => Promise<void> }> {
  const target = await createEmptyPostgresDatabase('rapport_nudges_bench');
  try {
    await (await connectDatabase(target.url)).close();
    const copied = await copyIntoPostgres(source, target.url);
    process.stdout.write(`nudges: copied the same ${copied.rows.toLocaleString('en')} rows into PostgreSQL with COPY in ${copied.seconds.toFixed(1)} s\n`);
    const db = await connectDatabase(target.url);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const engine: BenchEngine = {
      label: 'nudges on PostgreSQL',
      db,
      deriveCheckIns: async () => {
        const teams = await loadTeamSettings(db);
        const derived = performance.now();
        await checkInStore.refreshCheckIns(db, 'all', teams);
        const deriveMs = performance.now() - derived;
        const rescored = performance.now();
        await checkInStore.refreshCheckInsAfterRescoring(db, 'all', teams);
        return { deriveMs, rescoreMs: performance.now() - rescored };
      },
      raw: {
        how: `${RAW_ROWS_PER_STATEMENT.toLocaleString('en')}-row INSERT … ON CONFLICT DO NOTHING statements through plain pg`,
        rewrite: postgresRewrite(client),
      },
    };
    return {
      engine,
      close: async () => {
        await client.end();
        await db.close();
        await target.cleanup();
      },
    };
  } catch (error) {
    await target.cleanup();
    throw error;
  }
}

/** The columns a planning run writes (src/db/stores/outbox-store.ts, planning-store.ts), the rest left to their defaults as there. */
const PLANNED_ROWS = [
  { table: 'Nudge', columns: ['kind', 'dedupeKey', 'dueAt', 'targetKind', 'targetId', 'customerId', 'payload', 'createdAt'] },
  { table: 'Callback', columns: ['customerId', 'ownerId', 'dueAt', 'source', 'dedupeKey', 'timed', 'note', 'status', 'createdAt'] },
] as const;
const RAW_ROWS_PER_STATEMENT = 1000;
const columnList = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');

/**
 * The raw limit of a run's write: the rows the run made (those created at `createdAt`) deleted
 * and inserted again by the engine's fastest plain statements, inside a transaction rolled back
 * after, so the base stays as the run left it. Only the insert is timed.
 */
type RawRewrite = (createdAt: number) => Promise<{ rows: number; ms: number }>;

function sqliteRewrite(sqlite: Sqlite): RawRewrite {
  return async (createdAt) => {
    const tables = PLANNED_ROWS.map(({ table, columns }) => ({
      columns,
      table,
      rows: sqlite.prepare(`SELECT ${columnList(columns)} FROM "${table}" WHERE "createdAt" = ?`).raw(true).all(createdAt) as unknown[][],
    }));
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      for (const { table } of tables) sqlite.prepare(`DELETE FROM "${table}" WHERE "createdAt" = ?`).run(createdAt);
      const started = performance.now();
      for (const { table, columns, rows } of tables) {
        const insert = sqlite.prepare(`INSERT INTO "${table}" (${columnList(columns)}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
        for (const row of rows) insert.run(...row);
      }
      return { rows: tables.reduce((n, t) => n + t.rows.length, 0), ms: performance.now() - started };
    } finally {
      sqlite.exec('ROLLBACK');
    }
  };
}

function postgresRewrite(client: import('pg').Client): RawRewrite {
  return async (createdAt) => {
    const tables = [];
    for (const { table, columns } of PLANNED_ROWS) {
      const { rows } = await client.query<unknown[]>({ text: `SELECT ${columnList(columns)} FROM "${table}" WHERE "createdAt" = $1`, values: [createdAt], rowMode: 'array' });
      tables.push({ table, columns, rows });
    }
    await client.query('BEGIN');
    try {
      for (const { table } of tables) await client.query(`DELETE FROM "${table}" WHERE "createdAt" = $1`, [createdAt]);
      const started = performance.now();
      for (const { table, columns, rows } of tables) {
        for (const group of inGroups(rows, RAW_ROWS_PER_STATEMENT)) {
          const values = group.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
          await client.query(`INSERT INTO "${table}" (${columnList(columns)}) VALUES ${values} ON CONFLICT DO NOTHING`, group.flat());
        }
      }
      return { rows: tables.reduce((n, t) => n + t.rows.length, 0), ms: performance.now() - started };
    } finally {
      await client.query('ROLLBACK');
    }
  };
}

/** Complaints logged by import (no ticket yet) and low ratings the day before the care run. */
const COMPLAINTS = 10_000;
/** A Monday, 09:00 in Shanghai: the eve of the team's own holiday, so every customer's greeting is planned. */
const HOLIDAY_EVE = new Date('2027-05-03T01:00:00Z');

/**
 * Care planning (issue 17) at full size: a holiday eve plans a greeting per customer, and
 * imported complaints get their tickets and owner nudges, ratings their follow-ups.
 */
async function careRun(engine: BenchEngine): Promise<void> {
  const { db } = engine;
  await db.kysely.updateTable('Team').set({ settings: JSON.stringify({ holidays: { custom: [{ name: 'Store day', date: '05-04' }] } }) }).execute();
  const logged = HOLIDAY_EVE.getTime() - 10 * 60_000;
  const complaints = Array.from({ length: COMPLAINTS }, (_, i) => ({
    customerId: 1 + i * Math.floor(CUSTOMERS / COMPLAINTS), kind: 'complaint', at: logged + i, text: 'Late delivery', satisfaction: i % 2 === 0 ? 1 : null, createdAt: logged,
  }));
  await writeTransaction(db, async (trx) => {
    for (const group of inGroups(complaints, 1000)) await trx.insertInto('Interaction').values(group).execute();
  });
  // The previous run was 15 minutes before, as in the bot.
  const run = await planDay(engine, HOLIDAY_EVE, new Date(HOLIDAY_EVE.getTime() - 15 * 60_000));
  process.stdout.write(
    `${engine.label}: holiday eve run with ${COMPLAINTS.toLocaleString('en')} imported complaints (care planning): ${seconds(run.collectMs + run.writeMs)} s = ` +
      `collect ${seconds(run.collectMs)} s + write ${seconds(run.writeMs)} s; ${[...run.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}, care writes ${run.careChanges} ` +
      `(in the bot: on the background worker, in slices); ${rawFigure(run.raw)} (its tickets and other care writes not included)\n`,
  );
}

/** The weekly digest of the one team of 1M customers (churn picture and care activity), as a manager's Monday delivery builds it. */
async function digestTimes({ label, db }: { label: string; db: StoreHandle }): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await buildWeeklyDigest(db, { kind: 'team', teamId: 1, teamName: 'Bench' }, HOLIDAY_EVE, 'Asia/Shanghai');
    times.push(performance.now() - started);
  }
  const median = times.sort((a, b) => a - b)[1]!;
  process.stdout.write(`${label}: weekly digest of a ${CUSTOMERS.toLocaleString('en')}-customer team (with care activity, books, neglected A/B): ${seconds(median)} s (median of 3)\n`);
}

/** One live planning run (from `since`, the previous run, up to the planning horizon): what it planned, how long collecting and writing took, and the raw limit of that write. */
async function planDay(
  { db, raw }: BenchEngine, now: Date, since = now,
): Promise<{ collectMs: number; writeMs: number; kinds: Map<string, number>; cadence: number; careChanges: number; raw: { rows: number; ms: number } }> {
  const window = { from: since, to: new Date(now.getTime() + PLANNING_HORIZON_MS), digestFrom: since, callbacksFrom: since };
  const collected = performance.now();
  const plan = await collectPlan(createPlanningStore(db), window, now);
  const collectMs = performance.now() - collected;
  const written = performance.now();
  const applied = await applyPlan(db, plan, now);
  const writeMs = performance.now() - written;
  const kinds = new Map<string, number>();
  for (const n of plan.nudges) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  return { collectMs, writeMs, kinds, cadence: applied.cadenceCallbacks, careChanges: applied.careChanges, raw: await raw.rewrite(now.getTime()) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * Customers spread over the reps, birthdays over the year, tiers A–D in turn, and each last
 * order somewhere within its tier's check-in interval: the state of a team whose reps keep up,
 * where a day brings about 1/14 of the A customers' check-ins, 1/30 of the B ones', and so on.
 */
function seed(sqlite: Sqlite): void {
  const random = seededRandom(11);
  const now = NOW.getTime();
  sqlite.transaction(() => {
    sqlite.prepare("INSERT INTO Team (name, timeZone, locale, settings, createdAt) VALUES ('Bench', 'Asia/Shanghai', 'zh-CN', '{}', ?)").run(now);
    const rep = sqlite.prepare("INSERT INTO Rep (email, name, role, teamId, agendaHour, active, createdAt, updatedAt) VALUES (?, ?, 'rep', 1, 9, 1, ?, ?)");
    for (let i = 1; i <= REPS; i++) rep.run(`rep${i}@bench`, `Rep ${i}`, now, now);
    const customer = sqlite.prepare(`INSERT INTO Customer (externalId, name, birthdayMonth, birthdayDay, ownerId, greetingOptOut, status, tags, createdAt, updatedAt)
      VALUES (?, ?, ?, ?, ?, 0, 'none', '', ?, ?)`);
    const order = sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, 10000, ?)');
    const score = sqlite.prepare(`INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, frequency, monetaryMinor, lifetimeMinor, orderCount, tier, valueBand, lifecycle)
      VALUES (?, '2027-W09', ?, ?, 1, 10000, 10000, 1, ?, 'mid', 'active')`);
    for (let i = 1; i <= CUSTOMERS; i++) {
      const month = 1 + Math.floor(random() * 12);
      const tier = TIERS[i % 4]!;
      // Owners at random: i % REPS would give each rep customers of one tier only.
      customer.run(`B${i}`, `Customer ${i}`, month, 1 + Math.floor(random() * 28), 1 + Math.floor(random() * REPS), now, now);
      order.run(i, now - Math.floor(random() * DEFAULT_CADENCE_DAYS[tier] * DAY_MS), now);
      score.run(i, now, now, tier);
    }
  })();
}

/** A platform that accepts RATE_PER_SECOND messages per (simulated) second and answers 429 beyond. */
async function deliveryThroughput({ label, db }: BenchEngine): Promise<void> {
  const clock = new ManualClock(NOW);
  const outbox = createOutboxStore(db);
  const nudges: PlannedNudge[] = Array.from({ length: MESSAGES }, (_, i) => ({
    kind: 'winback', dedupeKey: `bench:${i}`, dueAt: NOW, target: { kind: 'rep', id: 1 + (i % REPS) }, customerId: 1 + i,
    payload: { outcome: 'won', episode: 1, tier: 'A', orderedAt: NOW.toISOString() },
  }));
  await outbox.insert(nudges, NOW);
  let windowStart = NOW.getTime();
  let inWindow = 0;
  let rateLimited = 0;
  const notifier: Notifier = {
    platform: 'console',
    async deliver() {
      const now = clock.now().getTime();
      if (now - windowStart >= 1000) ((windowStart = now), (inWindow = 0));
      if (inWindow >= RATE_PER_SECOND) {
        rateLimited++;
        throw new NotifierError('429 Too Many Requests', { retryAfterMs: windowStart + 1000 - now });
      }
      inWindow++;
      return null;
    },
    async update() {},
  };
  let tokens = 0;
  const pauses = createPlatformPauses(db);
  const deps: DeliveryDeps = {
    outbox, notifiers: new Map([['console', notifier]]), pauses, retry: DEFAULT_RETRY_POLICY, random: seededRandom(3), newClaimToken: () => `bench:${++tokens}`,
    logger: { warn() {}, error() {} },
    recipientOf: createRecipientLookup(db),
    render: createNudgeRenderer(db, { currency: 'CNY', defaultLocale: 'en', buildDigest: (request) => buildDigestWithChart(db, request, renderDigestChart) }),
  };
  const started = performance.now();
  let sent = 0;
  while (sent < MESSAGES) {
    const report = await deliverDue(clock.now(), deps, 100);
    sent += report.sent;
    // Each message takes 1 ms of platform time; a pause jumps the clock to the Retry-After.
    clock.advance(report.sent);
    const paused = await pauses.pausedUntil('console', clock.now());
    if (paused) clock.set(paused);
    else if (report.claimed === 0) break;
  }
  const wallMs = performance.now() - started;
  const simulatedSeconds = (clock.now().getTime() - NOW.getTime()) / 1000;
  process.stdout.write(
    `${label}: delivered ${sent} in ${simulatedSeconds.toFixed(1)} simulated s = ${(sent / simulatedSeconds).toFixed(1)}/s against a ${RATE_PER_SECOND}/s limit ` +
      `(${rateLimited} × 429); worker overhead ${(wallMs / sent).toFixed(2)} ms/message wall (${((sent / wallMs) * 1000).toFixed(0)}/s unthrottled)\n`,
  );
}
