import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { runBot } from '../../../src/main.js';
import { FakeSlack } from '../../fakes/slack/fake-slack.js';
import { sendToApp, slashCommand } from '../../fakes/slack/slack-requests.js';
import { databaseOfRun } from '../../helpers/engine-of-run.js';
import { tempDir } from '../../helpers/temp-database.js';
import { demoWithDueCallbacks, withDatabase } from '../bot-database.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** What `npm start` runs: the compiled build, rebuilt when src/ is newer. */
const LAUNCHER = path.join(ROOT, 'bin', 'rapport.mjs');
const SIGNING_SECRET = 'process-test-signing-secret';
const work = tempDir('rapport-slack-process-');
afterAll(() => work.cleanup());

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Asks until `probe` holds; the process needs a moment to start (and maybe build) and to react to a signal. */
async function until(probe: () => Promise<boolean>, what: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode} while waiting for ${what}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('npm start with Slack variables (the real process)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('does serve Slack, link a user by email, and on %s stop taking events, finish the reply in flight and exit 0', async (signal) => {
    const fake = await FakeSlack.start();
    const port = await freePort();
    const databaseUrl = await databaseOfRun(work.dir, `slack-${signal}`);
    const child = spawn(process.execPath, [LAUNCHER, 'bot'], {
      cwd: work.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: databaseUrl,
        SLACK_BOT_TOKEN: fake.options.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const eventsUrl = `http://127.0.0.1:${port}/slack/events`;
    try {
      await until(async () => (await fetch(eventsUrl)).status === 405, 'the bot to listen', child);
      expect(fake.callsTo('auth.test')).toHaveLength(1);

      // 张伟's Slack email names his rep: the first command links him, and the answer is his.
      fake.addUser({ id: 'U0ZHANGWEI', email: 'zhang.wei@rapport.demo' });
      const release = fake.holdResponses();
      const ack = await sendToApp(eventsUrl, slashCommand({ command: '/rapport', text: 'whoami', response_url: fake.responseUrl() }), { signingSecret: SIGNING_SECRET });
      expect(ack.status).toBe(200);
      const answer = await fake.nextResponse();
      expect(String(answer.body.text)).toContain('张伟');
      expect(fake.callsTo('users.info').map((c) => c.args.user)).toEqual(['U0ZHANGWEI']);

      // The answer is still in flight (Slack has not taken it) when the bot is told to stop.
      child.kill(signal);
      await until(async () => (await fetch(eventsUrl)).status === 503, 'the bot to refuse new events', child);
      const late = await sendToApp(eventsUrl, slashCommand({ response_url: fake.responseUrl() }), { signingSecret: SIGNING_SECRET });
      expect(late.status).toBe(503);
      expect(child.exitCode).toBeNull();
      release();
      expect(await exited(child)).toBe(0);
      expect(fake.responses).toHaveLength(1);
      // The log holds only the scheduler's word on reps nobody linked on Slack: nothing from the adapter, no stack.
      const logged = stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; platform?: string });
      expect(logged.filter((line) => line.platform === 'slack' || line.msg !== 'nudge is dead')).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
    } finally {
      child.kill('SIGKILL');
      await fake.stop();
    }
  }, 120_000);
});

describe('the bot with Slack configured (runBot, as npm start composes it)', () => {
  const NOW = new Date('2026-11-23T02:00:00Z');

  it('does load the Slack adapter, DM a due ping through the Slack notifier, and answer Slack until shutdown', async () => {
    const databaseUrl = await databaseOfRun(work.dir, 'run-bot');
    const zhang = await demoWithDueCallbacks(databaseUrl, NOW, { slackUserId: 'U0ZHANGWEI' }, { note: 'ask about the refill' });

    const fake = await FakeSlack.start();
    const port = await freePort();
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      RAPPORT_DEMO: 'off',
      SLACK_BOT_TOKEN: fake.options.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
    });
    expect(config.platforms).toEqual(['slack']);
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const pinged = fake.nextCall('chat.postMessage');
    const running = runBot(config, {}, new ManualClock(NOW), createLogger('silent'), { input: new PassThrough(), output: new PassThrough(), interactive: false, shutdown });
    try {
      const ping = await pinged;
      expect(ping.args.channel).toBe('D0ZHANGWEI');
      expect(JSON.stringify(ping.args.blocks)).toContain('ask about the refill');

      const eventsUrl = `http://127.0.0.1:${port}/slack/events`;
      await vi.waitFor(async () => expect((await fetch(eventsUrl)).status).toBe(405), { timeout: 30_000, interval: 100 });
      const answered = fake.nextResponse();
      const ack = await sendToApp(eventsUrl, slashCommand({ user_id: 'U0ZHANGWEI', command: '/rapport', text: 'whoami', response_url: fake.responseUrl() }), { signingSecret: SIGNING_SECRET });
      expect(ack.status).toBe(200);
      expect(String((await answered).body.text)).toContain('张伟');
    } finally {
      stop();
      expect(await running).toBe(0);
      await fake.stop();
    }
    const ping = await withDatabase(databaseUrl, (db) =>
      db.kysely.selectFrom('Nudge').select(['status', 'messagePlatform', 'messageChannel']).where('kind', '=', 'callback').where('targetId', '=', zhang).orderBy('id').executeTakeFirst(),
    );
    expect(ping).toEqual({ status: 'sent', messagePlatform: 'slack', messageChannel: 'D0ZHANGWEI' });
  }, 120_000);
});
