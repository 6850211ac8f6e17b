import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackgroundWorker } from '../../src/background/background-worker.js';
import { ManualClock } from '../../src/clock.js';
import type { Reply } from '../../src/commands/reply.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/main.js';
import { createOutbox } from '../../src/scheduler/outbox.js';
import { createSchedulerDeps, runJob } from '../../src/scheduler/scheduler.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { demoWithWorker, longestGaps, startHeartbeat, type TempDatabase } from '../helpers/event-loop-gaps.js';
import { RecordingNotifier } from '../scheduler/helpers.js';

const CUSTOMERS = 80_000;
/** A Monday: scores of this week, and the Shanghai manager's digest due at 08:00 there. */
const SEEDED_AT = new Date('2027-01-04T00:00:00Z');
const MONDAY_MORNING = new Date('2027-01-04T00:05:00Z');
const MANAGER = 'li.na@rapport.demo';
const BEAT_MS = 50;

/** The reply is a whole digest: its card, the care activity table, and the chart drawn. */
function expectWholeDigest(reply: Reply): void {
  expect(reply.blocks.filter((b) => b.type === 'text' && b.tone === 'error')).toEqual([]);
  expect(reply.blocks.map((b) => b.type)).toEqual(expect.arrayContaining(['card', 'table', 'image']));
  const image = reply.blocks.find((b) => b.type === 'image');
  expect(image && image.type === 'image' && image.png.length).toBeGreaterThan(1000);
}

/**
 * A manager's weekly digest of a big team (the team's churn picture, care activity of every
 * rep, the chart in Chinese) takes seconds: /digest and the Monday delivery build it on the
 * background worker, so the event loop keeps beating for the chat platforms' heartbeats.
 */
describe("the event loop while the bot builds a big team's weekly digest", () => {
  let db: TempDatabase;
  let worker: BackgroundWorker;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, worker, close } = await demoWithWorker(CUSTOMERS, SEEDED_AT, (db) => recomputeScores(db, SEEDED_AT)));
  }, 300_000);
  afterAll(async () => close());

  it('does keep every gap between 50 ms beats under 200 ms while /digest and the Monday delivery build the digest', async () => {
    const clock = new ManualClock(MONDAY_MORNING);
    const logger = createLogger('silent');
    const app = createApp(db, loadConfig({ DATABASE_URL: db.url }), clock, logger, new Map(), { background: worker, afterOrdersChanged() {} });
    const notifier = new RecordingNotifier();
    const deps = createSchedulerDeps({
      sqlite: db.sqlite, notifiers: new Map([['console', notifier]]), background: worker, clock, logger, render: { currency: 'CNY', defaultLocale: 'en' },
    });
    const managerId = db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(MANAGER) as number;
    createOutbox(db.sqlite).insert(
      [{ kind: 'digest', dedupeKey: 'digest:test', dueAt: MONDAY_MORNING, target: { kind: 'rep', id: managerId }, customerId: null, payload: { date: '2027-01-04' } }],
      MONDAY_MORNING,
    );

    const heartbeat = startHeartbeat(BEAT_MS);
    let asked: Reply;
    try {
      asked = await app.dispatch({ platform: 'console', userId: MANAGER, text: '/digest' });
      await runJob('deliver', MONDAY_MORNING, deps);
    } finally {
      heartbeat.stop();
    }
    // The work was real: the team's digest answered, and the Monday one delivered, each with its chart.
    expectWholeDigest(asked);
    expect(notifier.sent).toHaveLength(1);
    expectWholeDigest(notifier.sent[0]!.reply);
    // The bot's part of each gap: what is left when the time the OS kept us off the CPU is taken out.
    const { longest, botsLongest } = longestGaps(heartbeat.gaps);
    expect(botsLongest, `longest gap ${longest.toFixed(0)} ms, of which the bot's ${botsLongest.toFixed(0)} ms`).toBeLessThan(200);
    expect(heartbeat.gaps.length).toBeGreaterThan(5);
  }, 240_000);
});
