#!/usr/bin/env node
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { isDatabaseEmpty } from './db/seed/seed.js';
import { createLogger } from './logger.js';
import { DEMO_CUSTOMERS, DEMO_SEED, runBot, seedDemo } from './main.js';
import { runImportCli } from './import/import-cli.js';
import { runInviteCli } from './commands/rapport/invite.command.js';
import { createStorageServices } from './db/storage-services.js';
import { translator } from './i18n/index.js';
import { runNudgesCli } from './scheduler/nudges-cli.js';
import { recomputeScores } from './scoring/recompute.js';
import { runScoresCli } from './scoring/scores-cli.js';

const USAGE = `Usage: rapport <command> [options]

Commands:
  bot [--as <rep email|id>]            run the bot (console when no chat tokens are set)
  seed [--customers N] [--seed S]      fill an empty database with demo data
  migrate                              bring the database schema up to date
  import <customers|orders|reps|interactions> <file.csv> [flags] | import undo <run id>
                                       import a CSV file (see README "Importing data")
  scores [--as-of YYYY-MM-DD] [--export file.csv] [--model]
                                       recompute customer scores, export them for analysts
  nudges --from YYYY-MM-DD --to YYYY-MM-DD [--team X] [--json]
                                       preview the reminders planned in a window (writes nothing)
  invite <rep email|id>                a one-time code the rep types as /rapport claim <code>`;

type Handler = (args: string[]) => Promise<number>;

const clock = systemClock;

async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig().databaseUrl);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

const handlers: Record<string, Handler> = {
  async bot(args) {
    const { values } = parseArgs({ args, options: { as: { type: 'string' } } });
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    // A chat SDK can reject a promise nobody awaits on one malformed event (discord.js does on a
    // gateway payload without data): log it and keep serving everyone else. Only the bot does
    // this; the one-shot commands below still fail loudly on a bug.
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (the bot keeps serving)'));
    // SIGTERM/SIGINT: stop taking events, finish replies in flight, stop the scheduler, exit 0.
    const shutdown = new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    return runBot(config, { as: values.as }, clock, logger, {
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      shutdown,
    });
  },

  async seed(args) {
    const { values } = parseArgs({
      args,
      options: { customers: { type: 'string', default: String(DEMO_CUSTOMERS) }, seed: { type: 'string', default: String(DEMO_SEED) } },
    });
    const customers = Number(values.customers);
    const seed = Number(values.seed);
    if (!Number.isInteger(customers) || customers < 1) throw new UsageError(`--customers must be a positive whole number (got ${values.customers})`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got ${values.seed})`);
    return withDatabase(async (db) => {
      if (!isDatabaseEmpty(db.sqlite)) {
        process.stderr.write(`rapport seed: ${db.file} already has data; point DATABASE_URL at a new file to seed\n`);
        return 1;
      }
      const report = await seedDemo(db, clock, customers, seed);
      process.stdout.write(
        `Seeded ${report.customers} customers, ${report.orders} orders, ${report.reps} reps in ${(report.elapsedMs / 1000).toFixed(1)} s\n`,
      );
      return 0;
    });
  },

  async import(args) {
    const config = loadConfig();
    return withDatabase((db) =>
      runImportCli(args, {
        db,
        clock,
        out: process.stdout,
        err: process.stderr,
        isTTY: Boolean(process.stderr.isTTY),
        actor: `cli:${os.userInfo().username}`,
        timeZone: config.defaultTimeZone,
        afterOrdersChanged: async () => {
          await recomputeScores(db, clock.now());
        },
      }),
    );
  },

  async scores(args) {
    return withDatabase((db) => runScoresCli(args, { db, clock, out: process.stdout }));
  },

  async nudges(args) {
    return withDatabase((db) => runNudgesCli(args, { db, clock, out: process.stdout }));
  },

  async invite(args) {
    const config = loadConfig();
    return withDatabase((db) =>
      runInviteCli(args, {
        services: createStorageServices(db),
        clock,
        t: translator(config.defaultLocale),
        locale: config.defaultLocale,
        timeZone: config.defaultTimeZone,
        out: process.stdout,
        err: process.stderr,
        actor: `cli:${os.userInfo().username}`,
      }),
    );
  },

  async migrate() {
    return withDatabase(async (db) => {
      const applied = db.migration.applied;
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database schema is up to date\n');
      return 0;
    });
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  // A .env beside the package is optional; without one every variable has a working default.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const [name = 'bot', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const handler = handlers[name];
  if (!handler) {
    process.stderr.write(`rapport: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    return await handler(rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rapport: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`rapport ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
