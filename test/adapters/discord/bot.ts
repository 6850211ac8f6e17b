import type { ChatAdapter } from '../../../src/adapters/chat-adapter.js';
import { createDiscordAdapter } from '../../../src/adapters/discord/discord-adapter.js';
import type { HttpServer } from '../../../src/adapters/http-server.js';
import { ManualClock } from '../../../src/clock.js';
import type { App } from '../../../src/commands/app.js';
import { createDispatcher } from '../../../src/commands/dispatcher.js';
import type { Services } from '../../../src/commands/ports.js';
import { commands } from '../../../src/commands/registry.js';
import type { Platform } from '../../../src/domain/platform.js';
import type { Notifier } from '../../../src/scheduler/notifier.js';
import { createSchedulerDeps, type SchedulerDeps } from '../../../src/scheduler/scheduler.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { inProcessJobs } from '../../helpers/background-jobs.js';
import { engineOfRun } from '../../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../../helpers/engines.js';
import { tempDir } from '../../helpers/temp-database.js';
import { ADMIN, CHEN_JING, LI_NA, NOW, seededDatabase, servicesFor, ZHANG_WEI } from '../../commands/helpers.js';
import { recordingLogger, type LogLine } from './helpers.js';

/** Discord users linked to demo reps; 张伟's is the user in the captured fixtures. */
export const DISCORD_USERS = {
  [ZHANG_WEI]: '53908232506183680',
  [LI_NA]: '53908232506183681',
  [ADMIN]: '53908232506183682',
  [CHEN_JING]: '53908232506183683',
} as const;

/** The server in the captured fixtures. */
export const GUILD = '290926798626357999';

export interface BotOptions {
  deferAfterMs?: number;
  /** HTTP interactions mode: the application's public key (hex) and the shared server. */
  http?: { publicKey: string; server: HttpServer };
  /** Changes the real services (a slow port, a counting one). */
  services?: (services: Services) => Services;
  uploadLimitBytes?: number;
}

export interface DiscordBot {
  fake: FakeDiscord;
  db: TestStoreDatabase;
  clock: ManualClock;
  app: App;
  adapter: ChatAdapter;
  lines: LogLine[];
  /** The scheduler's planning and delivery over the same database and notifiers. */
  scheduler: SchedulerDeps;
  stop(): Promise<void>;
}

/**
 * The real core (dispatcher, commands, services over a copy of the seeded demo on the run's engine) behind
 * the real Discord adapter, talking to the fake Discord on 127.0.0.1: the bot as `main.ts`
 * builds it, with the clock fixed and the adapter's notifier registered for the scheduler.
 */
export async function startDiscordBot(options: BotOptions = {}): Promise<DiscordBot> {
  const fake = await FakeDiscord.start();
  const { db, cleanup } = await seededDatabase(engineOfRun());
  const uploads = tempDir('rapport-discord-uploads-');
  const clock = new ManualClock(NOW);
  for (const [email, id] of Object.entries(DISCORD_USERS)) await db.kysely.updateTable('Rep').set({ discordUserId: id }).where('email', '=', email).execute();
  const notifiers = new Map<Platform, Notifier>();
  const { logger, lines } = recordingLogger();
  const services = servicesFor(db, clock, notifiers, uploads.dir);
  const app = createDispatcher({
    commands,
    services: options.services?.(services) ?? services,
    clock,
    logger,
    defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
  });
  const adapter = createDiscordAdapter({
    app,
    config: { botToken: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl, ...(options.http ? { publicKey: options.http.publicKey } : {}) },
    logger,
    clock,
    ...(options.http ? { http: options.http.server } : {}),
    deferAfterMs: options.deferAfterMs ?? 2_000,
    ...(options.uploadLimitBytes ? { uploadLimitBytes: options.uploadLimitBytes } : {}),
  });
  await adapter.start();
  notifiers.set('discord', adapter.notifier!);
  let scheduler: SchedulerDeps | undefined;
  return {
    fake,
    db,
    clock,
    app,
    adapter,
    lines,
    // Built when a test first runs a job: the tests that run no job need none.
    get scheduler() {
      scheduler ??= createSchedulerDeps({ db, notifiers, background: inProcessJobs(db), clock, logger, render: { currency: 'CNY', defaultLocale: 'en' } });
      return scheduler;
    },
    async stop() {
      await adapter.stop();
      await fake.stop();
      await cleanup();
      uploads.cleanup();
    },
  };
}
