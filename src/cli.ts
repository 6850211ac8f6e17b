#!/usr/bin/env node
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { systemClock } from './clock.js';
import { loadConfig } from './config.js';
import type { StoreDatabase } from './db/store-database.js';
import { FatalError, UsageError } from './errors.js';

/**
 * Each command's synopsis and summary: the top-level usage lists them all, `<command> --help`
 * prints its own. Handlers load their modules on first use, so `rapport bot` never loads the
 * import tools, nor `rapport admin` the bot.
 */
const COMMANDS = {
  bot: ['bot [--as <rep email|id>]', 'run the bot (console when no chat tokens are set); without --as the console acts as the first admin'],
  seed: ['seed [--customers N] [--seed S]', 'fill an empty database with demo data'],
  migrate: ['migrate', 'bring the database schema up to date'],
  admin: ['admin add <email> [--name "<name>"] | admin list', 'create an admin or make a rep one; list the admins'],
  import: ['import <customers|orders|reps|interactions> <file.csv> [flags] | import undo <run id>', 'import a CSV file (see README "Importing data")'],
  scores: ['scores [--as-of YYYY-MM-DD] [--write] [--export file.csv] [--json] | scores --validate [--holdout 90d]', 'recompute customer scores, export them; check forecasts on a holdout'],
  nudges: ['nudges --from YYYY-MM-DD --to YYYY-MM-DD [--team X] [--json]', 'preview the reminders planned in a window (writes nothing)'],
  invite: ['invite <rep email|id>', 'a one-time code (24 hours) the rep types as /rapport claim <code> on Slack or Discord'],
  'discord-register': ['discord-register [--guild <server id>]', 'register the Discord commands (npm run discord:register; see README "Discord")'],
} as const;
type CommandName = keyof typeof COMMANDS;

const USAGE = `Usage: rapport <command> [options]   (or: npm start / npm run <command> -- [options])

Commands:
${Object.values(COMMANDS)
  .map(([synopsis, summary]) => (synopsis.length <= 36 ? `  ${synopsis.padEnd(37)}${summary}` : `  ${synopsis}\n${' '.repeat(39)}${summary}`))
  .join('\n')}`;

/** Commands whose own CLI prints their detailed usage for --help (they parse it themselves). */
const OWN_HELP = new Set<CommandName>(['import', 'scores']);

type Handler = (args: string[]) => Promise<number>;

const clock = systemClock;
const cliActor = () => `cli:${os.userInfo().username}`;

async function withDatabase<T>(work: (db: StoreDatabase & { migration: { applied: string[] } }) => Promise<T>): Promise<T> {
  const { connectDatabase } = await import('./db/store-database.js');
  const db = await connectDatabase(loadConfig().databaseUrl);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

const handlers: Record<CommandName, Handler> = {
  async bot(args) {
    const { values } = parseArgs({ args, options: { as: { type: 'string' } } });
    const config = loadConfig();
    const [{ runBot }, { createLogger }] = await Promise.all([import('./main.js'), import('./logger.js')]);
    const logger = createLogger(config.logLevel);
    // A chat SDK can reject a promise nobody awaits on one malformed event (discord.js does on an
    // interaction without data): log it and keep serving everyone else. Only the bot does this;
    // the one-shot commands still fail loudly on a bug.
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
    const { DEMO_CUSTOMERS, DEMO_SEED, seedDemo } = await import('./main.js');
    const { values } = parseArgs({
      args,
      options: { customers: { type: 'string', default: String(DEMO_CUSTOMERS) }, seed: { type: 'string', default: String(DEMO_SEED) } },
    });
    const customers = Number(values.customers);
    const seed = Number(values.seed);
    if (!Number.isInteger(customers) || customers < 1) throw new UsageError(`--customers must be a positive whole number (got ${values.customers})`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got ${values.seed})`);
    const { isDatabaseEmpty } = await import('./db/seed/seed.js');
    return withDatabase(async (db) => {
      if (!(await isDatabaseEmpty(db))) {
        process.stderr.write(`rapport seed: ${db.engine === 'sqlite' ? db.file : db.url} already has data; point DATABASE_URL at a new database to seed\n`);
        return 1;
      }
      const report = await seedDemo(db, clock, customers, seed);
      process.stdout.write(
        `Seeded ${report.customers} customers, ${report.orders} orders, ${report.reps} reps in ${(report.elapsedMs / 1000).toFixed(1)} s\n`,
      );
      return 0;
    });
  },

  async admin(args) {
    const { runAdminCli } = await import('./admin-cli.js');
    return withDatabase((db) => runAdminCli(args, { db, clock, out: process.stdout, actor: cliActor() }));
  },

  async import(args) {
    const config = loadConfig();
    const [{ runImportCli }, { recomputeScores }] = await Promise.all([import('./import/import-cli.js'), import('./scoring/recompute.js')]);
    return withDatabase((db) =>
      runImportCli(args, {
        db,
        clock,
        out: process.stdout,
        err: process.stderr,
        isTTY: Boolean(process.stderr.isTTY),
        actor: cliActor(),
        timeZone: config.defaultTimeZone,
        afterOrdersChanged: async () => {
          await recomputeScores(db, clock.now());
        },
      }),
    );
  },

  async scores(args) {
    const { runScoresCli } = await import('./scoring/scores-cli.js');
    return withDatabase((db) => runScoresCli(args, { db, clock, out: process.stdout }));
  },

  async nudges(args) {
    const { runNudgesCli } = await import('./scheduler/nudges-cli.js');
    return withDatabase((db) => runNudgesCli(args, { db, clock, out: process.stdout }));
  },

  async invite(args) {
    const config = loadConfig();
    const [{ runInviteCli }, { createStorageServices }, { translator }, { inThisThread }] = await Promise.all([
      import('./commands/rapport/invite.command.js'),
      import('./db/storage-services.js'),
      import('./i18n/index.js'),
      import('./background/background-jobs.js'),
    ]);
    return withDatabase((db) =>
      runInviteCli(args, {
        services: createStorageServices(db, inThisThread(db)),
        clock,
        t: translator(config.defaultLocale),
        locale: config.defaultLocale,
        timeZone: config.defaultTimeZone,
        out: process.stdout,
        err: process.stderr,
        actor: cliActor(),
      }),
    );
  },

  async 'discord-register'(args) {
    const [{ runDiscordRegister }, { commands }] = await Promise.all([import('./adapters/discord/register-commands.js'), import('./commands/registry.js')]);
    return runDiscordRegister(args, { commands, discord: loadConfig().discord, stdout: process.stdout, stderr: process.stderr });
  },

  async migrate(args) {
    if (args.length > 0) throw new UsageError(`takes no arguments (got ${args.join(' ')})`);
    // Either engine: a PostgreSQL database is migrated before the first replica starts (docs/DEPLOY.md).
    const { connectDatabase } = await import('./db/store-database.js');
    const db = await connectDatabase(loadConfig().databaseUrl);
    try {
      const applied = db.migration.applied;
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database schema is up to date\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};

const isHelp = (word: string | undefined) => word === '--help' || word === '-h' || word === 'help';

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

async function main(argv: string[]): Promise<number> {
  // A .env beside the package is optional; without one every variable has a working default.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const [name = 'bot', ...rest] = argv;
  if (isHelp(name)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!isCommand(name)) {
    process.stderr.write(`rapport: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  const [synopsis, summary] = COMMANDS[name];
  if (!OWN_HELP.has(name) && rest.some((word) => word === '--help' || word === '-h')) {
    process.stdout.write(`Usage: rapport ${synopsis}\n  ${summary}\n`);
    return 0;
  }
  try {
    return await handlers[name](rest);
  } catch (error) {
    if (error instanceof FatalError) {
      process.stderr.write(`rapport: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`rapport ${name}: ${(error as Error).message}\nUsage: rapport ${synopsis}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
