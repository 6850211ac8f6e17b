import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createConsoleAdapter } from './adapters/console/console-adapter.js';
import type { ChatAdapter } from './adapters/chat-adapter.js';
import { createHttpServer, type HttpServer } from './adapters/http-server.js';
import type { BackgroundJobs } from './background/background-jobs.js';
import { createBackgroundWorker } from './background/background-worker.js';
import { createImportService } from './import/chat-import.js';
import type { Clock } from './clock.js';
import type { App } from './commands/app.js';
import { createDispatcher } from './commands/dispatcher.js';
import type { Services } from './commands/ports.js';
import { commands } from './commands/registry.js';
import type { Config } from './config.js';
import { FatalError } from './errors.js';
import { firstAdmin, NO_ADMIN_HINT } from './db/admins.js';
import { connectDatabase, type StoreDatabase } from './db/store-database.js';
import { createStorageServices } from './db/storage-services.js';
import { createLeaseStore, type LeaseStore } from './db/stores/lease-store.js';
import { isDatabaseEmpty, seedDemoData, type SeedReport } from './db/seed/seed.js';
import type { ChatPlatform, Platform } from './domain/platform.js';
import type { Logger } from './logger.js';
import type { BotMetrics } from './ops/metrics.js';
import { createDigestService, createOutboxView, digestsOn } from './scheduler/command-services.js';
import type { Notifier } from './scheduler/notifier.js';
import { createNudgeMessages } from './scheduler/nudge-messages.js';
import { createNudgeRenderer } from './scheduler/nudge-renderer.js';
import { keepLease } from './scheduler/leases.js';
import { createOutboxStore } from './db/stores/outbox-store.js';
import { createModelReportService } from './scoring/model-report.js';
import { recomputeScores, scoresFreshness } from './scoring/recompute.js';

export const DEMO_CUSTOMERS = 300;
/** The lease of the replica that holds the Discord gateway connection. */
export const DISCORD_GATEWAY_LEASE = 'discord-gateway';
export const DEMO_SEED = 42;

/** The notifiers of the running platforms, by platform; adapters add theirs as they start. */
export type Notifiers = Map<Platform, Notifier>;

/** Long work and what follows it: the background worker in the bot, the caller's own thread in tools and tests. */
export interface Work {
  background: BackgroundJobs;
  /** An import changed orders: rescore soon (the scheduler shares one run among a burst of imports). */
  afterOrdersChanged(): void;
}

/**
 * The folder for files this process keeps (chat uploads waiting for their import, the console's
 * exports): beside a SQLite file; on PostgreSQL `data/` in the working directory, each replica
 * its own (an upload is imported by the replica that received it).
 */
export function localFilesDir(db: StoreDatabase): string {
  return db.engine === 'sqlite' ? path.dirname(path.resolve(db.file)) : path.resolve('data');
}

/** Runs long jobs in the caller's thread and rescores at once: for tools, benches and tests. */
export function inProcessWork(db: StoreDatabase, clock: Clock): Work {
  // Loaded on first use: the import and scoring tools are not needed to answer a line.
  const background: BackgroundJobs = { run: async (job) => (await import('./background/background-jobs.js')).runBackgroundJob(db, job) };
  return {
    background,
    afterOrdersChanged: () => void background.run({ kind: 'rescore', asOf: clock.now(), computedAt: clock.now() }),
  };
}

/** The composition root: the one place that builds real implementations of the ports. */
export function createServices(db: StoreDatabase, config: Config, clock: Clock, logger: Logger, notifiers: Notifiers, work: Work = inProcessWork(db, clock)): Services {
  const buildDigest = digestsOn(work.background);
  const render = createNudgeRenderer(db, { currency: config.currency, defaultLocale: config.defaultLocale, buildDigest });
  return {
    ...createStorageServices(db, work.background),
    digests: createDigestService(db, buildDigest),
    outbox: createOutboxView(db),
    nudges: createNudgeMessages({ outbox: createOutboxStore(db), render, notifiers, clock, logger }),
    models: createModelReportService(work.background),
    imports: createImportService({
      ...work,
      clock,
      uploadsDir: path.join(localFilesDir(db), 'uploads'),
    }),
  };
}

/** The platform-neutral core every adapter talks to. */
export function createApp(
  db: StoreDatabase, config: Config, clock: Clock, logger: Logger, notifiers: Notifiers = new Map(), work?: Work, metrics?: Pick<BotMetrics, 'timedCommands'>,
): App {
  return createDispatcher({
    commands: metrics ? metrics.timedCommands(commands) : commands,
    services: createServices(db, config, clock, logger, notifiers, work),
    clock,
    logger,
    defaults: { locale: config.defaultLocale, timeZone: config.defaultTimeZone, currency: config.currency },
    workspaces: { discord: config.discord?.guildId ? [config.discord.guildId] : [] },
  });
}

/** Seeds the demo set and scores it, so a first `npm start` has something to talk about. */
export async function seedDemo(db: StoreDatabase, clock: Clock, customers = DEMO_CUSTOMERS, seed = DEMO_SEED): Promise<SeedReport> {
  const report = await seedDemoData(db, { customers, seed, asOf: clock.now() });
  await recomputeScores(db, clock.now());
  return report;
}

export interface BotIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  shutdown: Promise<void>;
}

/** What a chat platform's adapter is built from; main passes the same core and HTTP server to each. */
export interface AdapterContext {
  app: App;
  config: Config;
  clock: Clock;
  logger: Logger;
  http: HttpServer;
  /** Roles one replica holds at a time (the Discord gateway), and this process's name as their holder. */
  leases: LeaseStore;
  replica: string;
}

/** Builds a platform's adapter; async so that a platform's SDK is loaded only when it is configured. */
export type AdapterFactory = (context: AdapterContext) => Promise<ChatAdapter>;

/** The chat platforms this build can run; the Slack and Discord adapters register here. */
export const CHAT_ADAPTERS: Partial<Record<ChatPlatform, AdapterFactory>> = {
  slack: async (context) => (await import('./adapters/slack/slack-adapter.js')).createSlackAdapter(context),
  async discord({ app, config, clock, logger, http, leases, replica }) {
    if (!config.discord) throw new Error('Discord is not configured: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID');
    const { createDiscordAdapter } = await import('./adapters/discord/discord-adapter.js');
    return createDiscordAdapter({
      app,
      config: config.discord,
      clock,
      logger,
      http,
      defaultLocale: config.defaultLocale,
      // Gateway mode: one replica holds the connection (HTTP interactions mode serves on every replica).
      gatewayLeadership: (onChange) => keepLease(leases, { name: DISCORD_GATEWAY_LEASE, holder: replica, clock, onChange }),
    });
  },
};

/**
 * Runs the bot: every configured platform side by side on one core, and the scheduler whenever
 * the bot serves a chat platform or an interactive console (piped console input stays
 * answers-only, so scripts and tests get clean output). Stops at the end of console input,
 * or when `shutdown` resolves: stop taking events, finish replies, stop the scheduler.
 */
export async function runBot(
  config: Config,
  options: { as?: string },
  clock: Clock,
  logger: Logger,
  io: BotIo,
  factories: Partial<Record<ChatPlatform, AdapterFactory>> = CHAT_ADAPTERS,
): Promise<number> {
  const db = await connectDatabase(config.databaseUrl);
  try {
    if (config.demoData && (await isDatabaseEmpty(db))) {
      const report = await seedDemo(db, clock);
      logger.info(report, 'seeded demo data');
      if (io.interactive) io.output.write(`Seeded demo data: ${report.customers} customers, ${report.orders} orders.\n`);
    }
    const notifiers: Notifiers = new Map();
    // Rescoring, planning and chat imports run in the background worker, off the event loop (its thread starts with the first job).
    const worker = createBackgroundWorker({ databaseUrl: config.databaseUrl, logger });
    // Health and metrics for a server (a chat platform runs, or METRICS_PORT is set); a console alone opens no port for them.
    const ops = config.platforms.some((p) => p !== 'console') || config.metricsPort !== undefined
      ? (await import('./ops/ops.js')).createOps({ db, clock, metricsPort: config.metricsPort })
      : null;
    const background = ops ? ops.metrics.observedJobs(worker) : worker;
    let rescoreSoon: (reason: string) => void = () => void background.run({ kind: 'rescore', asOf: clock.now(), computedAt: clock.now() });
    const app = createApp(db, config, clock, logger, notifiers, { background, afterOrdersChanged: () => rescoreSoon('import') }, ops?.metrics);
    // Whoever runs the console can read the database file anyway, so it may act as an admin.
    const consoleUser = options.as ?? (await firstAdmin(db))?.email;
    if (config.platforms.includes('console') && consoleUser === undefined) throw new FatalError(NO_ADMIN_HINT);
    const http = createHttpServer({ port: config.port });
    const leases = createLeaseStore(db);
    const replica = `${process.pid}:${randomUUID()}`;
    const adapters: ChatAdapter[] = [];
    for (const platform of config.platforms) {
      if (platform === 'console') {
        adapters.push(
          createConsoleAdapter({
            app,
            input: io.input,
            output: io.output,
            userId: consoleUser!,
            interactive: io.interactive,
            greeting: 'Rapport console. Type /help for commands, exit to leave.',
            filesDir: path.join(localFilesDir(db), 'files'),
          }),
        );
        continue;
      }
      const factory = factories[platform];
      if (!factory) throw new FatalError(`${platform} is configured but this build has no ${platform} adapter; unset its variables to run without it`);
      adapters.push(await factory({ app, config, clock, logger, http, leases, replica }));
    }
    const connected = new Set<ChatAdapter>();
    for (const adapter of adapters) {
      await adapter.start();
      connected.add(adapter);
      if (adapter.notifier) notifiers.set(adapter.platform, adapter.notifier);
    }
    const serves = adapters.some((a) => a.platform !== 'console') || io.interactive;
    await ops?.serve(http, {
      adapters: () => adapters.map((a) => ({ platform: a.platform, connected: connected.has(a) })),
      ...(serves ? { lastPlannerRun: async () => (await import('./scheduler/planning-run.js')).readLastPlannedAt(db) } : {}),
    });
    if (http.hasRoutes) await http.listen();
    // Asked to stop while the scheduler starts (its first delivery may be under way): it claims no more.
    const stopping = new AbortController();
    void io.shutdown.then(() => stopping.abort());
    // Piped console input only answers, and does not even load the scheduler.
    const scheduler = serves
      ? await (await import('./scheduler/scheduler.js')).startScheduler({
          db,
          background,
          notifiers,
          clock,
          logger,
          render: { currency: config.currency, defaultLocale: config.defaultLocale },
          observeDeliveries: ops?.metrics.deliveries,
          leases,
          stop: stopping.signal,
        })
      : null;
    if (scheduler) rescoreSoon = (reason) => void scheduler.rescoreSoon(reason);
    // Scores older than the data (the bot died between an import and its rescoring) are
    // recomputed: in the background when the scheduler runs, else before the first answer.
    if ((await scoresFreshness(db)).stale) {
      if (scheduler) void scheduler.rescoreSoon('stale scores at start');
      else await recomputeScores(db, clock.now());
    }
    const ends = adapters.flatMap((a) => (a.finished ? [a.finished] : []));
    // Piped console input ends the run; servers run until asked to stop.
    await Promise.race([io.shutdown, ...(ends.length > 0 && ends.length === adapters.length ? [Promise.all(ends)] : [])]);
    connected.clear();
    await Promise.all(adapters.map((a) => a.stop()));
    await Promise.all([http.close(), ops?.close()]);
    // Closing the worker cuts a running rescoring short (every job is safe to run again).
    await Promise.all([scheduler?.stop(), worker.close()]);
    return 0;
  } finally {
    await db.close();
  }
}
