import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { ChatAdapter } from '../../src/adapters/chat-adapter.js';
import type { HttpServer } from '../../src/adapters/http-server.js';
import type { BackgroundJobs } from '../../src/background/background-jobs.js';
import { ManualClock } from '../../src/clock.js';
import type { App } from '../../src/commands/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, type StoreDatabase } from '../../src/db/store-database.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import { createLogger } from '../../src/logger.js';
import { runBot, seedDemo, type AdapterFactory } from '../../src/main.js';
import { createOps, type LiveSources } from '../../src/ops/ops.js';
import { createHttpServer } from '../../src/adapters/http-server.js';
import { RecordingNotifier } from '../scheduler/helpers.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const NOW = new Date('2026-11-23T02:00:00Z');

async function get(port: number, route: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { method });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** The value of one sample of a Prometheus text exposition, e.g. `rapport_outbox_due` or `x_total{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeEngines('GET /healthz and /metrics of a running bot', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  // Each test closes its connection before the bot opens its own; closing again here is harmless.
  afterEach(async () => db.cleanup());

  it('does serve health and metrics beside the chat routes, counting nudges, retries and commands', async () => {
    const clock = new ManualClock(NOW);
    await seedDemo(db, clock, 60);
    for (const [email, slackId] of [['zhang.wei@rapport.demo', 'U0ZHANG'], ['liu.yang@rapport.demo', 'U0LIU']] as const) {
      const { id: owner } = await db.kysely.selectFrom('Rep').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      await db.kysely.updateTable('Rep').set({ slackUserId: slackId }).where('id', '=', owner).execute();
      const { id: customer } = await db.kysely.selectFrom('Customer').select('id').where('ownerId', '=', owner).orderBy('id').limit(1).executeTakeFirstOrThrow();
      await db.kysely.insertInto('Callback')
        .values({ customerId: customer, ownerId: owner, dueAt: NOW.getTime() - 60_000, timed: true, note: 'call', status: 'open', source: 'manual', createdAt: NOW.getTime() - 3_600_000 })
        .execute();
    }
    await db.close();

    // Slack fails 刘洋's ping once (a timeout), then takes everything.
    let failed = false;
    const notifier = new RecordingNotifier((n) => (n.recipient.name === '刘洋' && n.kind === 'callback' && !failed ? ((failed = true), new Error('socket hang up')) : null), 'slack');
    let http!: HttpServer;
    let app!: App;
    const slack: AdapterFactory = async (context): Promise<ChatAdapter> => {
      http = context.http;
      app = context.app;
      return { platform: 'slack', notifier, start: async () => {}, stop: async () => {} };
    };
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const config = { ...loadConfig({ DATABASE_URL: db.url, RAPPORT_DEMO: 'off', PORT: '0' }), platforms: ['slack' as const] };
    const running = runBot(config, {}, clock, createLogger('silent'), { input: new PassThrough(), output: new PassThrough(), interactive: false, shutdown }, { slack });

    await vi.waitFor(() => expect(http?.server.listening).toBe(true), { timeout: 20_000, interval: 20 });
    const port = (http.server.address() as { port: number }).port;
    await vi.waitFor(() => expect(failed && notifier.sent.some((n) => n.recipient.name === '张伟' && n.kind === 'callback')).toBe(true), { timeout: 30_000, interval: 50 });
    await app.dispatch({ platform: 'slack', userId: 'U0ZHANG', text: '/rapport whoami' });

    const sentCallbacks = () => notifier.sent.filter((n) => n.kind === 'callback').length;
    let metrics!: Awaited<ReturnType<typeof get>>;
    // Every callback Slack took is counted once, with the platform and kind.
    await vi.waitFor(async () => {
      metrics = await get(port, '/metrics');
      expect(sample(metrics.body, 'rapport_nudges_sent_total{platform="slack",kind="callback"}')).toBe(sentCallbacks());
    }, { timeout: 10_000, interval: 100 });
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(metrics.body, 'rapport_nudges_failed_total{platform="slack",kind="callback"}')).toBe(1);
    expect(sample(metrics.body, 'rapport_nudges_retried_total{platform="slack",kind="callback"}')).toBe(1);
    expect(sample(metrics.body, 'rapport_command_duration_seconds_count{command="rapport whoami"}')).toBe(1);
    // 刘洋's ping waits for its retry: due, and overdue by the bot's clock.
    expect(sample(metrics.body, 'rapport_outbox_due')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics.body, 'rapport_outbox_oldest_due_age_seconds')).toBeGreaterThan(0);
    expect(sample(metrics.body, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const health = await get(port, '/healthz');
    expect([health.status, health.type]).toEqual([200, 'application/json']);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, database: { ok: true }, adapters: [{ platform: 'slack', connected: true, ok: true }], planner: { ok: true } });
    expect((await get(port, '/healthz', 'POST')).status).toBe(405);

    stop();
    expect(await running).toBe(0);
  });

  it('does open no port for health and metrics when only the console runs', async () => {
    await seedDemo(db, new ManualClock(NOW), 5);
    await db.close();
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk) => (written += String(chunk)));
    const input = new PassThrough();
    input.end('/help\n');
    // PORT is taken: the bot starts only if it does not try to listen there.
    const taken = createHttpServer({ port: 0, host: '127.0.0.1' });
    const port = await taken.listen();
    try {
      const config = loadConfig({ DATABASE_URL: db.url, RAPPORT_DEMO: 'off', PORT: String(port) });
      expect(await runBot(config, {}, new ManualClock(NOW), createLogger('silent'), { input, output, interactive: false, shutdown: new Promise(() => {}) })).toBe(0);
      expect(written).toContain('/customer lookup');
    } finally {
      await taken.close();
    }
  });
});

describeEngines('health and metrics on METRICS_PORT', (engine) => {
  let db: TestStoreDatabase;
  let clock: ManualClock;
  let adapters: { platform: 'slack' | 'discord'; connected: boolean }[];
  let lastPlan: Date | null;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    clock = new ManualClock(NOW);
    adapters = [{ platform: 'discord', connected: true }];
    lastPlan = null;
  });
  afterEach(async () => db.cleanup());

  async function serve(on: StoreDatabase = db): Promise<{ port: number; ops: ReturnType<typeof createOps> }> {
    const ops = createOps({ db: on, clock, metricsPort: 0 });
    const live: LiveSources = { adapters: () => adapters, lastPlannerRun: async () => lastPlan };
    const shared = createHttpServer({ port: 0 });
    const port = await ops.serve(shared, live);
    // The routes went to a server of their own; the shared one stays without them.
    expect(shared.hasRoutes).toBe(false);
    return { port: port!, ops };
  }

  it('does answer 503 naming what is wrong: an adapter down, planning overdue, the database gone', async () => {
    // A connection of its own, to close under the ops while the test's database stays to be cleaned up.
    const own = await connectDatabase(db.url);
    const { port, ops } = await serve(own);
    try {
      clock.advance(30 * 60_000);
      expect((await get(port, '/healthz')).status).toBe(200);
      adapters[0]!.connected = false;
      expect(JSON.parse((await get(port, '/healthz')).body)).toMatchObject({ ok: false, adapters: [{ platform: 'discord', ok: false }] });
      adapters[0]!.connected = true;
      // No planning run 45 minutes after the start, then one that has grown old.
      clock.advance(15 * 60_000 + 1);
      expect((await get(port, '/healthz')).status).toBe(503);
      lastPlan = new Date(clock.now().getTime() - 60_000);
      expect(JSON.parse((await get(port, '/healthz')).body)).toMatchObject({ ok: true, planner: { ok: true, ageSeconds: 60 } });
      clock.advance(45 * 60_000);
      expect(JSON.parse((await get(port, '/healthz')).body)).toMatchObject({ ok: false, planner: { ok: false, ageSeconds: 46 * 60 } });
      lastPlan = clock.now();
      await own.close();
      const gone = await get(port, '/healthz');
      expect(gone.status).toBe(503);
      // The closed handle's own words: better-sqlite3's, Kysely's destroyed pg driver's.
      expect(JSON.parse(gone.body)).toMatchObject({ ok: false, database: { ok: false, error: expect.stringMatching(engine === 'sqlite' ? /not open/ : /driver has already been destroyed/) } });
    } finally {
      await ops.close();
    }
  });

  it('does report the outbox backlog, imported rows and scoring time', async () => {
    const { port, ops } = await serve();
    try {
      const nudge = (key: string, minutesAgo: number) => ({
        kind: 'birthday' as const, dedupeKey: key, dueAt: new Date(NOW.getTime() - minutesAgo * 60_000), target: { kind: 'rep' as const, id: 1 }, customerId: null, payload: {},
      });
      await createOutboxStore(db).insert([nudge('a', 10), nudge('b', 3), nudge('later', -60)], NOW);
      const jobs: BackgroundJobs = {
        run: (async (job: { kind: string }) =>
          job.kind === 'import'
            ? { ordersChanged: true, summary: { kind: 'orders', status: 'applied', dryRun: false, inserted: 3, updated: 1, unchanged: 7, rejected: 2 } }
            : {}) as BackgroundJobs['run'],
      };
      const observed = ops.metrics.observedJobs(jobs);
      await observed.run({ kind: 'import', file: 'x.csv', startedAt: NOW, options: {} as never });
      await observed.run({ kind: 'rescore', asOf: NOW, computedAt: NOW });
      const body = (await get(port, '/metrics')).body;
      expect(sample(body, 'rapport_outbox_due')).toBe(2);
      expect(sample(body, 'rapport_outbox_oldest_due_age_seconds')).toBe(600);
      expect(sample(body, 'rapport_import_rows_total{kind="orders",result="inserted"}')).toBe(3);
      expect(sample(body, 'rapport_import_rows_total{kind="orders",result="rejected"}')).toBe(2);
      expect(sample(body, 'rapport_scoring_duration_seconds_count')).toBe(1);
    } finally {
      await ops.close();
    }
  });
});
