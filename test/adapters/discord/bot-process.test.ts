import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/database.js';
import { runBot, seedDemo } from '../../../src/main.js';
import { runPlanning } from '../../../src/scheduler/planning-run.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { chatInput } from '../../fakes/discord/interactions.js';
import { tempDir } from '../../helpers/temp-database.js';
import { interact, recordingLogger } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** What `npm start` runs: the compiled build, rebuilt when src/ is newer. */
const LAUNCHER = path.join(ROOT, 'bin', 'rapport.mjs');
const NOW = new Date('2026-11-23T02:00:00Z');
const ZHANG = '53908232506183680';
/** A bot in another process may first build and migrate: give it time on a loaded machine. */
const START_LIMIT_MS = 60_000;

/** A demo database whose 张伟 is the fixtures' Discord user, with the pings of `count` callbacks due a minute ago planned. */
async function demoWithDueCallback(file: string, count = 1): Promise<void> {
  const db = await openDatabase(`file:${file}`);
  await seedDemo(db, new ManualClock(NOW), 60);
  const rep = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
  db.sqlite.prepare('UPDATE Rep SET discordUserId = ? WHERE id = ?').run(ZHANG, rep);
  const customers = db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ? ORDER BY id LIMIT ?').pluck().all(rep, count) as number[];
  expect(customers).toHaveLength(count);
  const callback = db.sqlite.prepare(
    "INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (?, ?, ?, 1, 'refill', 'open', 'manual', ?)",
  );
  for (const customer of customers) callback.run(customer, rep, NOW.getTime() - 60_000, NOW.getTime() - 3_600_000);
  // Planned already, so the bot's first delivery run (at start) sends it.
  await runPlanning(db, NOW, 'callbacks');
  await db.close();
}

describe('the bot with Discord configured', () => {
  const work = tempDir('rapport-discord-bot-');
  let fake: FakeDiscord;
  beforeEach(async () => {
    fake = await FakeDiscord.start();
  });
  afterEach(async () => {
    await fake.stop();
    work.cleanup();
  });

  const envFor = (file: string) => ({
    DATABASE_URL: `file:${file}`,
    RAPPORT_DEMO: 'off',
    DISCORD_BOT_TOKEN: 'fake-bot-token',
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    PORT: '0',
  });

  it('does load the Discord adapter, run the scheduler with its notifier and answer interactions until shutdown', async () => {
    const file = path.join(work.dir, 'bot.db');
    await demoWithDueCallback(file);
    const config = loadConfig(envFor(file));
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
    const file = path.join(work.dir, 'process.db');
    await demoWithDueCallback(file);
    const child = spawn(process.execPath, [LAUNCHER, 'bot'], {
      cwd: work.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(file) },
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
    const file = path.join(work.dir, 'sigterm.db');
    await demoWithDueCallback(file, 5);
    // The five pings planned here (the bot's own catch-up planning may add later ones while it starts).
    const pingsOf = (db: Awaited<ReturnType<typeof openDatabase>>, ids?: number[]) =>
      (db.sqlite
        .prepare("SELECT n.id, n.status, n.attempts, n.claimedBy FROM Nudge n JOIN Rep r ON r.id = n.targetId WHERE n.kind = 'callback' AND r.discordUserId = ? ORDER BY n.id")
        .all(ZHANG) as { id: number; status: string; attempts: number; claimedBy: string | null }[]).filter((n) => !ids || ids.includes(n.id));
    const before = await openDatabase(`file:${file}`);
    const planned = pingsOf(before).map((n) => n.id);
    await before.close();
    expect(planned).toHaveLength(5);
    const dms = { method: 'POST', path: new RegExp(`^/channels/dm-${ZHANG}/messages$`) };
    const held = fake.holdNext(dms);
    const child = spawn(process.execPath, [LAUNCHER, 'bot'], {
      cwd: work.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(file) },
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
    const db = await openDatabase(`file:${file}`);
    try {
      expect(pingsOf(db, planned).map(({ id: _, ...ping }) => ping)).toEqual([
        { status: 'sent', attempts: 1, claimedBy: expect.any(String) },
        ...Array.from({ length: 4 }, () => ({ status: 'pending', attempts: 0, claimedBy: null })),
      ]);
      expect(db.sqlite.prepare('SELECT name, holder FROM Lease').all()).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('does register the commands and make invite codes from the command line (npm run discord:register, rapport invite)', async () => {
    const file = path.join(work.dir, 'cli.db');
    await demoWithDueCallback(file);
    const rapport = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd: work.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envFor(file) } });
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
