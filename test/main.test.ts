import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatAdapter } from '../src/adapters/chat-adapter.js';
import { ManualClock } from '../src/clock.js';
import type { App } from '../src/commands/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { ChatPlatform } from '../src/domain/platform.js';
import { createLogger } from '../src/logger.js';
import { runBot, seedDemo, type AdapterFactory } from '../src/main.js';
import { NotifierError, type Notification } from '../src/scheduler/notifier.js';
import { RecordingNotifier } from './scheduler/helpers.js';
import { tempDir } from './helpers/temp-database.js';

const NOW = new Date('2026-11-23T02:00:00Z');

/** A chat platform as main sees one: started, stopped, a notifier; `app` is kept to talk to the core. */
function fakePlatform(platform: ChatPlatform, fail?: (n: Notification, attempt: number) => Error | null) {
  const notifier = new RecordingNotifier(fail, platform);
  const seen: { app?: App; started: boolean; stopped: boolean } = { started: false, stopped: false };
  const factory: AdapterFactory = async ({ app }): Promise<ChatAdapter> => ({
    platform,
    notifier,
    async start() {
      seen.app = app;
      seen.started = true;
    },
    async stop() {
      seen.stopped = true;
    },
  });
  return { notifier, seen, factory };
}

describe('the bot with several platforms in one process', () => {
  const work = tempDir('rapport-main-');
  afterEach(() => work.cleanup());

  it('does route each nudge to the recipient’s preferred platform only, and let a 429 on one platform not delay the other', async () => {
    const file = path.join(work.dir, 'bot.db');
    const clock = new ManualClock(NOW);
    const db = await openDatabase(`file:${file}`);
    await seedDemo(db, clock, 60);
    const rep = (email: string) => db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(email) as number;
    // 张伟 is on both and prefers Discord; 刘洋 only on Slack; Max Weber only on Discord.
    db.sqlite.prepare("UPDATE Rep SET slackUserId = 'U0ZHANG', discordUserId = '100000000000000001', preferredPlatform = 'discord' WHERE id = ?").run(rep('zhang.wei@rapport.demo'));
    db.sqlite.prepare("UPDATE Rep SET slackUserId = 'U0LIU' WHERE id = ?").run(rep('liu.yang@rapport.demo'));
    db.sqlite.prepare("UPDATE Rep SET discordUserId = '100000000000000002' WHERE id = ?").run(rep('max.weber@rapport.demo'));
    const callbackFor = (email: string) => {
      const owner = rep(email);
      const customer = db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ? ORDER BY id LIMIT 1').pluck().get(owner) as number;
      db.sqlite
        .prepare("INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (?, ?, ?, 1, 'call', 'open', 'manual', ?)")
        .run(customer, owner, NOW.getTime() - 60_000, NOW.getTime() - 3_600_000);
    };
    for (const email of ['zhang.wei@rapport.demo', 'liu.yang@rapport.demo', 'max.weber@rapport.demo']) callbackFor(email);
    await db.close();

    // Slack answers 429 (retry after a minute) to everything; Discord takes everything.
    const slack = fakePlatform('slack', () => new NotifierError('ratelimited', { retryAfterMs: 60_000 }));
    const discord = fakePlatform('discord');
    const input = new PassThrough();
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk) => (written += String(chunk)));
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const config = { ...loadConfig({ DATABASE_URL: `file:${file}`, RAPPORT_DEMO: 'off', PORT: '0' }), platforms: ['console', 'slack', 'discord'] as const };
    const running = runBot(
      { ...config, platforms: [...config.platforms] },
      { as: 'admin@rapport.demo' },
      clock,
      createLogger('silent'),
      { input, output, interactive: false, shutdown },
      { slack: slack.factory, discord: discord.factory },
    );
    input.end('/rapport whoami\n');

    const callbackPings = (sent: Notification[]) => sent.filter((n) => n.kind === 'callback');
    await vi.waitFor(() => expect(callbackPings(discord.notifier.sent).length).toBe(2), { timeout: 20_000, interval: 50 });
    // Discord got 张伟's (preferred) and Max's; Slack was asked once for 刘洋's, said 429, and nothing else went there.
    expect(callbackPings(discord.notifier.sent).map((n) => n.recipient.name).sort()).toEqual(['Max Weber', '张伟']);
    expect(discord.notifier.addresses).toEqual(expect.arrayContaining(['100000000000000001', '100000000000000002']));
    expect(slack.notifier.sent).toEqual([]);
    expect(slack.notifier.attempts).toBe(1);
    // The console answered beside them.
    await vi.waitFor(() => expect(written).toContain('You are Demo Admin'), { timeout: 5_000, interval: 50 });
    stop();
    expect(await running).toBe(0);
    expect(slack.seen.stopped && discord.seen.stopped).toBe(true);

    const after = await openDatabase(`file:${file}`);
    const liuPing = after.sqlite
      .prepare("SELECT n.status, n.nextAttemptAt, n.attempts FROM Nudge n JOIN Rep r ON r.id = n.targetId WHERE n.kind = 'callback' AND r.email = 'liu.yang@rapport.demo'")
      .get() as { status: string; nextAttemptAt: number; attempts: number };
    // 刘洋's ping waits for Slack's Retry-After, without spending an attempt; the pause is stored for the next start.
    expect(liuPing).toMatchObject({ status: 'pending', attempts: 0 });
    expect(liuPing.nextAttemptAt).toBeGreaterThanOrEqual(NOW.getTime() + 60_000);
    expect(after.sqlite.prepare("SELECT value FROM AppState WHERE key = 'delivery.pausedUntil.slack'").pluck().get()).toBe(String(liuPing.nextAttemptAt));
    const refs = after.sqlite.prepare("SELECT messagePlatform FROM Nudge WHERE kind = 'callback' AND status = 'sent' ORDER BY messagePlatform").pluck().all();
    expect(refs).toEqual(['discord', 'discord']);
    await after.close();
  });
});
