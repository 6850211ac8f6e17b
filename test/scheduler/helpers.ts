import type { Compilable, Insertable, Kysely } from 'kysely';
import { expect } from 'vitest';
import fs from 'node:fs';
import type { Sqlite } from '../../src/db/database.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { refreshCheckInsAfterRescoring as refreshCheckInsAfterRescoringSync } from '../../src/db/check-ins.js';
import type { Schema } from '../../src/db/schema.js';
import { refreshCheckInsAfterRescoring } from '../../src/db/stores/check-in-store.js';
import { writeTransaction } from '../../src/db/stores/store.js';
import { loadTeamSettings } from '../../src/db/team-settings.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { seededRandom } from '../../src/domain/random.js';
import { isoWeekOf, localDateOf } from '../../src/domain/schedule/local-time.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/schedule/retry.js';
import type { DeliveryDeps, DeliveryReport } from '../../src/scheduler/delivery-worker.js';
import { deliverDue } from '../../src/scheduler/delivery-worker.js';
import type { Locale } from '../../src/i18n/index.js';
import type { DigestChartRenderer, WeeklyCounts } from '../../src/scheduler/digest-chart.js';
import type { Reply } from '../../src/commands/reply.js';
import type { Platform } from '../../src/domain/platform.js';
import type { MessageRef, Notification, Notifier } from '../../src/scheduler/notifier.js';
import { createPlatformPauses } from '../../src/scheduler/notifier-router.js';
import { createRecipientLookup } from '../../src/scheduler/nudge-data.js';
import { createNudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import { createSqliteKysely } from '../../src/db/sqlite-kysely.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { buildDigestWithChart, type DigestBuilder } from '../../src/scheduler/weekly-digest.js';
import { openTestDatabase, type EngineTestDatabase, type TestEngine } from '../helpers/engines.js';
import { unnamedEngine } from '../helpers/temp-database.js';

export const DEMO_ASOF = new Date('2027-01-04T00:00:00Z');

/** A migrated temp database with the deterministic demo teams, reps and customers, on `engine` (SQLite unless told). */
export async function demoDatabase<E extends TestEngine>(customers: number, asOf: Date, engine: E): Promise<EngineTestDatabase<E>>;
export async function demoDatabase(customers?: number, asOf?: Date): Promise<EngineTestDatabase<'sqlite'>>;
export async function demoDatabase(customers = 60, asOf = DEMO_ASOF, engine: TestEngine = unnamedEngine()) {
  const db = await openTestDatabase(engine);
  try {
    await seedDemoData(db, { customers, seed: 42, asOf });
  } catch (error) {
    await db.cleanup();
    throw error;
  }
  return db;
}

/**
 * Remembers every notification; `fail` may throw for a given one (the nth delivery attempt,
 * 1-based). By default it stands in for an interactive console, which reaches every rep.
 */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  readonly addresses: string[] = [];
  readonly updates: { ref: MessageRef; reply: Reply }[] = [];
  attempts = 0;
  constructor(
    private readonly fail?: (notification: Notification, attempt: number) => Error | null,
    readonly platform: Platform = 'console',
  ) {}
  async deliver(address: string, notification: Notification): Promise<MessageRef | null> {
    this.attempts++;
    const error = this.fail?.(notification, this.attempts);
    if (error) throw error;
    this.sent.push(notification);
    this.addresses.push(address);
    return this.platform === 'console' ? null : { platform: this.platform, channel: `D-${address}`, messageId: `m${this.sent.length}` };
  }
  async update(ref: MessageRef, reply: Reply): Promise<void> {
    this.updates.push({ ref, reply });
  }
}

/** A chart stand-in that records what it was asked to draw (the real renderer has its own test). */
export function recordingChart(): { calls: (readonly WeeklyCounts[])[]; locales: Locale[]; render: DigestChartRenderer } {
  const calls: (readonly WeeklyCounts[])[] = [];
  const locales: Locale[] = [];
  return { calls, locales, render: async (history, locale) => (calls.push(history), locales.push(locale), new Uint8Array([0x89, 0x50, 0x4e, 0x47])) };
}

/** Digests built in the test's thread, their charts drawn by `renderChart` (the bot builds them on its background worker). */
export function digestsDrawnBy(db: StoreHandle, renderChart: DigestChartRenderer): DigestBuilder {
  return (request) => buildDigestWithChart(db, request, renderChart);
}

/** The delivery worker's parts over `db` (or the raw SQLite handle, for tests that write through it). */
export function deliveryDeps(db: StoreDatabase | Sqlite, notifier: Notifier | Notifier[], renderChart: DigestChartRenderer = recordingChart().render): DeliveryDeps {
  let claims = 0;
  const store = 'engine' in db ? db : { engine: 'sqlite' as const, kysely: createSqliteKysely(db) };
  return {
    outbox: createOutboxStore(store),
    recipientOf: createRecipientLookup(store),
    render: createNudgeRenderer(store, { currency: 'CNY', defaultLocale: 'en', buildDigest: digestsDrawnBy(store, renderChart) }),
    notifiers: new Map((Array.isArray(notifier) ? notifier : [notifier]).map((n) => [n.platform, n])),
    pauses: createPlatformPauses(store),
    retry: DEFAULT_RETRY_POLICY,
    random: seededRandom(7),
    newClaimToken: () => `test:${++claims}`,
    logger: { warn: () => {}, error: () => {} },
  };
}

/** Delivers everything due at `now`, batch after batch (rows of a paused platform wait for their time). */
export async function drain(now: Date, deps: DeliveryDeps): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  for (;;) {
    const report = await deliverDue(now, deps);
    reports.push(report);
    if (report.claimed === 0) return reports;
  }
}

type SnapshotScore = (customerId: number) => { lifecycle: string; tier: string; clv12Minor?: number } | null;

/**
 * Writes one ScoreSnapshot per customer for the ISO week of `asOf` (none for a customer `score`
 * returns null for), then refreshes check-ins as the scoring run does. Given the raw SQLite
 * handle (the files not yet on both engines call it so, without awaiting), it writes at once,
 * the same statements run synchronously.
 */
export function writeSnapshots(sqlite: Sqlite, asOf: Date, score: SnapshotScore): void;
export function writeSnapshots(db: StoreDatabase, asOf: Date, score: SnapshotScore): Promise<void>;
export function writeSnapshots(db: StoreDatabase | Sqlite, asOf: Date, score: SnapshotScore): Promise<void> | void {
  if (!('engine' in db)) {
    const kysely = createSqliteKysely(db);
    const run = (query: Compilable) => {
      const { sql, parameters } = query.compile();
      const statement = db.prepare(sql);
      return statement.reader ? (statement.all(...parameters) as { id: number }[]) : (statement.run(...parameters), []);
    };
    const ids = run(customerIds(kysely)).map((r) => r.id);
    db.transaction(() => {
      for (const chunk of snapshotChunks(ids, asOf, score)) run(upsertSnapshots(kysely, chunk));
      refreshCheckInsAfterRescoringSync(db);
    })();
    return;
  }
  return (async () => {
    const ids = (await customerIds(db.kysely).execute()).map((r) => r.id);
    const teams = await loadTeamSettings(db);
    await writeTransaction(db, async (kysely) => {
      for (const chunk of snapshotChunks(ids, asOf, score)) await upsertSnapshots(kysely, chunk).execute();
      await refreshCheckInsAfterRescoring({ engine: db.engine, kysely }, 'all', teams);
    });
  })();
}

const customerIds = (kysely: Kysely<Schema>) => kysely.selectFrom('Customer').select('id').orderBy('id');

/** The snapshot rows, in chunks of 1000 (SQLite binds at most 32766 parameters a statement, PostgreSQL 65535). */
function snapshotChunks(ids: readonly number[], asOf: Date, score: SnapshotScore) {
  const week = isoWeekOf(localDateOf(asOf, 'UTC'));
  const at = asOf.getTime();
  const rows = ids.flatMap((customerId) => {
    const s = score(customerId);
    return s
      ? [{ customerId, week, computedAt: at, asOf: at, frequency: 1, monetaryMinor: 10_000, lifetimeMinor: 10_000, orderCount: 1,
          tier: s.tier, valueBand: 'mid', lifecycle: s.lifecycle, clv12Minor: s.clv12Minor ?? 50_000, churnRisk: 0.5 }]
      : [];
  });
  return Array.from({ length: Math.ceil(rows.length / 1000) }, (_, i) => rows.slice(i * 1000, (i + 1) * 1000));
}

const upsertSnapshots = (kysely: Kysely<Schema>, rows: Insertable<Schema['ScoreSnapshot']>[]) =>
  kysely.insertInto('ScoreSnapshot').values(rows).onConflict((oc) => oc.columns(['customerId', 'week']).doUpdateSet((eb) => ({
    tier: eb.ref('excluded.tier'), lifecycle: eb.ref('excluded.lifecycle'), computedAt: eb.ref('excluded.computedAt'), asOf: eb.ref('excluded.asOf'),
  })));

/** `items`, after checking there are some: an `every` over nothing passes whatever it asks. */
export function nonEmpty<T>(items: readonly T[]): readonly T[] {
  expect(items.length).toBeGreaterThan(0);
  return items;
}

export function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}
