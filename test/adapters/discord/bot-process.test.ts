import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import type { StoreDatabase } from '../../../src/db/store-database.js';
import { runBot } from '../../../src/main.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { chatInput } from '../../fakes/discord/interactions.js';
import { databaseOfRun } from '../../helpers/engine-of-run.js';
import { tempDir } from '../../helpers/temp-database.js';
import { demoWithDueCallbacks, withDatabase } from '../bot-database.js';
import { interact, recordingLogger } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** What `npm start` runs: the compiled build, rebuilt when src/ is newer. */
const LAUNCHER = path.join(ROOT, 'bin', 'rapport.mjs');
const NOW = new Date('2026-11-23T02:00:00Z');
const ZHANG = '53908232506183680';
/** A bot in another process may first build and migrate: give it time on a loaded machine. */
const START_LIMIT_MS = 60_000;

const work = tempDir('rapport-discord-bot-');

/** A demo database on the run's engine whose 张伟 is the fixtures' Discord user, with the pings of `count` callbacks due a minute ago planned; its URL. */
async function discordDemo(name: string, count = 1): Promise<string> {
  const url = await databaseOfRun(work.dir, name);
  await demoWithDueCallbacks(url, NOW, { discordUserId: ZHANG }, { count, note: 'refill' });
  return url;
}

describe('the bot with Discord configured', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    // Each test's bot runs in the folder (its cwd) the previous test's cleanup removed.
    fs.mkdirSync(work.dir, { recursive: true });
    fake = await FakeDiscord.start();
  });
  afterEach(async () => {
    await fake.stop();
    work.cleanup();
  });

  const envFor = (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    RAPPORT_DEMO: 'off',
    DISCORD_BOT_TOKEN: 'fake-bot-token',
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    PORT: '0',
  });

  it('does load the Discord adapter, run the scheduler with its notifier and answer interactions until shutdown', async () => {
    const config = loadConfig(envFor(await discordDemo('bot')));
    expect(config.platforms).toEqual(['discord']);
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const io = { input: new PassThrough(), output: new PassThrough(), interactive: false, shutdown };
    const running = runBot(config, {}, new ManualClock(NOW), recordingLogger().logger, io);
    // The scheduler's first delivery run sends the due ping as a DM.
    const dm = await fake.nextRequest({ method: 'POST', path: new RegExp(`^/channels/dm-${ZHANG}/messages$`) });
    expect(JSON.stringify(dm.body)).toContain('refill');
    const answered = await interact(fake, chatInput('rapport whoami'));
    expect(answered.body).toMatchObject({ type: 4, data: { flags: 64 } });
    stop();
    expect(await running).toBe(0);
    expect(await fake.gateway.waitForClientClose()).toBe(1000);
  });

  it('does run as npm start does: DM the due ping, log a rejection discord.js leaves unhandled and keep serving, and on SIGTERM finish the reply in flight before it exits 0', async () => {
    const databaseUrl = await discordDemo('process');
    const child = spawn(process.execPath, [LAUNCHER, 'bot'], {
      cwd: work.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(databaseUrl) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await fake.gateway.waitForIdentify(1, START_LIMIT_MS);
      // npm start runs the scheduler with the Discord notifier: the planned ping goes out as a DM.
      await fake.nextRequest({ method: 'POST', path: new RegExp(`^/channels/dm-${ZHANG}/messages$`) }, 1, START_LIMIT_MS);
      // discord.js reads `data.type` of every interaction it is sent: a null data rejects inside it.
      const malformed = { ...chatInput('rapport whoami'), data: null };
      await interact(fake, malformed);
      expect((await interact(fake, chatInput('rapport whoami'))).body).toMatchObject({ type: 4, data: { flags: 64 } });
      expect(stderr).toContain('unhandled rejection (the bot keeps serving)');

      const inFlight = chatInput('callbacks');
      const held = fake.holdNext({ method: 'POST', path: new RegExp(`^/interactions/${inFlight.id}/`) });
      await interact(fake, inFlight);
      child.kill('SIGTERM');
      // Still connected while its reply waits: the bot stops taking events but finishes this one.
      const early = await Promise.race([fake.gateway.waitForClientClose(1, 1_000).then(() => 'closed'), exited.then(() => 'exited')]).catch(() => 'waiting');
      expect(early).toBe('waiting');
      held.release();
      expect(await fake.gateway.waitForClientClose(1, START_LIMIT_MS)).toBe(1000);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('does on SIGTERM claim nothing more, finish the ping it is sending, give the rest of its batch back, hand the scheduler lease over and exit 0 within 10 s', async () => {
    const databaseUrl = await discordDemo('sigterm', 5);
    // The five pings planned here (the bot's own catch-up planning may add later ones while it starts).
    const pingsOf = async (db: StoreDatabase, ids?: number[]) =>
      (
        await db.kysely
          .selectFrom('Nudge as n')
          .innerJoin('Rep as r', 'r.id', 'n.targetId')
          .select(['n.id', 'n.status', 'n.attempts', 'n.claimedBy'])
          .where('n.kind', '=', 'callback')
          .where('r.discordUserId', '=', ZHANG)
          .orderBy('n.id')
          .execute()
      ).filter((n) => !ids || ids.includes(n.id));
    const planned = (await withDatabase(databaseUrl, (db) => pingsOf(db))).map((n) => n.id);
    expect(planned).toHaveLength(5);
    const dms = { method: 'POST', path: new RegExp(`^/channels/dm-${ZHANG}/messages$`) };
    const held = fake.holdNext(dms);
    const child = spawn(process.execPath, [LAUNCHER, 'bot'], {
      cwd: work.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(databaseUrl) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // The start's first delivery run claimed the five pings and is sending the first.
      await fake.nextRequest(dms, 1, START_LIMIT_MS);
      const signalled = performance.now();
      child.kill('SIGTERM');
      setTimeout(() => held.release(), 500);
      expect(await exited).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(10_000);
    } finally {
      child.kill('SIGKILL');
    }
    expect(fake.matching(dms)).toHaveLength(1);
    const { pings, leases } = await withDatabase(databaseUrl, async (db) => ({
      pings: await pingsOf(db, planned),
      leases: await db.kysely.selectFrom('Lease').select(['name', 'holder']).orderBy('name').execute(),
    }));
    expect(pings.map(({ id: _, ...ping }) => ping)).toEqual([
      { status: 'sent', attempts: 1, claimedBy: expect.any(String) },
      ...Array.from({ length: 4 }, () => ({ status: 'pending', attempts: 0, claimedBy: null })),
    ]);
    expect(leases).toEqual([]);
  }, 120_000);

  it('does register the commands and make invite codes from the command line (npm run discord:register, rapport invite)', async () => {
    const databaseUrl = await discordDemo('cli');
    const rapport = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd: work.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(databaseUrl) } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += String(chunk)));
        child.stderr.on('data', (chunk) => (stderr += String(chunk)));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const registered = await rapport(['discord-register', '--guild', '290926798626357999']);
    expect(registered).toMatchObject({ code: 0, stderr: '' });
    expect(registered.stdout).toMatch(/^Registered 10 commands with \d+ subcommands in server 290926798626357999\.\n$/);
    expect(fake.registeredCommands('290926798626357999')).toHaveLength(10);
    const invited = await rapport(['invite', 'max.weber@rapport.demo']);
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/^Invite code for Max Weber <max\.weber@rapport\.demo>: [0-9A-Z]{5}-[0-9A-Z]{5}\n/);
  }, 120_000);
});
