import { runConsole } from './adapters/console/console-adapter.js';
import { createConsoleNotifier } from './adapters/console/console-notifier.js';
import type { Clock } from './clock.js';
import { createActionHandler, createDispatcher, type Dispatch, type HandleAction } from './commands/dispatcher.js';
import type { Services } from './commands/ports.js';
import { commands } from './commands/registry.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { createStorageServices } from './db/storage-services.js';
import { DEMO_ADMIN_EMAIL } from './db/seed/demo-data.js';
import { isDatabaseEmpty, seedDemoData, type SeedReport } from './db/seed/seed.js';
import type { Logger } from './logger.js';
import { createDigestService, createOutboxView } from './scheduler/command-services.js';
import { startScheduler } from './scheduler/scheduler.js';
import { createModelReportService } from './scoring/model-report.js';
import { ensureScoresCurrent, recomputeScores } from './scoring/recompute.js';

export const DEMO_CUSTOMERS = 300;
export const DEMO_SEED = 42;

/** The composition root: the one place that builds real implementations of the ports. */
export function createServices(db: Database): Services {
  return {
    ...createStorageServices(db),
    digests: createDigestService(db.sqlite),
    outbox: createOutboxView(db.sqlite),
    models: createModelReportService(db),
  };
}

/** What every adapter calls: typed commands and button presses, both through the same checks. */
export interface App {
  dispatch: Dispatch;
  handleAction: HandleAction;
}

export function createApp(db: Database, config: Config, clock: Clock, logger: Logger): App {
  const deps = {
    commands,
    services: createServices(db),
    clock,
    logger,
    defaults: { locale: config.defaultLocale, timeZone: config.defaultTimeZone, currency: config.currency },
  };
  return { dispatch: createDispatcher(deps), handleAction: createActionHandler(deps) };
}

/** Seeds the demo set and scores it, so a first `npm start` has something to talk about. */
export async function seedDemo(db: Database, clock: Clock, customers = DEMO_CUSTOMERS, seed = DEMO_SEED): Promise<SeedReport> {
  const report = seedDemoData(db.sqlite, { customers, seed, asOf: clock.now() });
  await recomputeScores(db, clock.now());
  return report;
}

export interface BotIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
}

/** Runs the bot until its platforms stop; the console stops at end of input. */
export async function runBot(config: Config, options: { as?: string }, clock: Clock, logger: Logger, io: BotIo): Promise<number> {
  const db = await openDatabase(config.databaseUrl);
  try {
    if (config.demoData && isDatabaseEmpty(db.sqlite)) {
      const report = await seedDemo(db, clock);
      logger.info(report, 'seeded demo data');
      if (io.interactive) io.output.write(`Seeded demo data: ${report.customers} customers, ${report.orders} orders.\n`);
    }
    await ensureScoresCurrent(db, clock.now());
    const { dispatch } = createApp(db, config, clock, logger);
    const unsupported = config.platforms.filter((p) => p !== 'console');
    if (unsupported.length > 0) {
      // The Slack and Discord adapters are separate pieces of work that have not landed yet.
      logger.error(`${unsupported.join(' and ')} support is not in this build yet; unset its tokens to use the console`);
      return 1;
    }
    // Nudges print into an interactive console as they fire; piped input gets only its answers.
    const scheduler = io.interactive
      ? await startScheduler({
          sqlite: db.sqlite,
          notifier: createConsoleNotifier(io.output),
          clock,
          logger,
          render: { currency: config.currency, defaultLocale: config.defaultLocale },
        })
      : null;
    try {
      await runConsole({
        dispatch,
        input: io.input,
        output: io.output,
        userId: options.as ?? DEMO_ADMIN_EMAIL,
        interactive: io.interactive,
        greeting: 'Rapport console. Type /help for commands, exit to leave.',
      });
    } finally {
      await scheduler?.stop();
    }
    return 0;
  } finally {
    await db.close();
  }
}
