import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackgroundWorker } from '../../src/background/background-worker.js';
import { ManualClock } from '../../src/clock.js';
import type { Reply } from '../../src/commands/reply.js';
import { loadConfig } from '../../src/config.js';
import { createAuditTrail } from '../../src/db/audit-trail.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/main.js';
import { createRawOutbox } from '../helpers/raw-outbox.js';
import { createSchedulerDeps, runJob } from '../../src/scheduler/scheduler.js';
import { RecordingNotifier, deliveryDeps } from '../scheduler/helpers.js';
import { demoWithWorker, longestGaps, startHeartbeat, type TempDatabase } from '../helpers/event-loop-gaps.js';

const CUSTOMERS = 200_000;
const SEEDED_AT = new Date('2027-01-04T00:00:00Z');
/** The next night, after Berlin's scoring hour: the rescore job is due. */
const NIGHT = new Date('2027-01-05T01:00:00Z');
const BEAT_MS = 50;
/** The Shanghai manager: the digest of a 200k-customer base's team. */
const MANAGER = 'li.na@rapport.demo';

/** The reply is a whole digest: its card, the care activity table, and the chart drawn. */
function expectWholeDigest(reply: Reply): void {
  expect(reply.blocks.filter((b) => b.type === 'text' && b.tone === 'error')).toEqual([]);
  expect(reply.blocks.map((b) => b.type)).toEqual(expect.arrayContaining(['card', 'table', 'image']));
  const image = reply.blocks.find((b) => b.type === 'image');
  expect(image && image.type === 'image' && image.png.length).toBeGreaterThan(1000);
}

/**
 * Issue 10's acceptance: a chat platform's heartbeat (Discord's gateway) and 3-second
 * acknowledgement (Slack) need the event loop. Here it beats every 50 ms while the bot rescores
 * 200,000 customers and plans a day, and writes an audit row on every beat, as lookups do
 * (better-sqlite3 writes are synchronous: a write that waits for the worker's write lock
 * stops the loop). Then, on the same base, a manager's weekly digest of a big team, which
 * takes seconds: /digest and the weekly delivery build it on the background worker too.
 */
describe('the event loop while the bot rescores 200k customers, plans a day and builds a digest', () => {
  let db: TempDatabase;
  let worker: BackgroundWorker;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, worker, close } = await demoWithWorker(CUSTOMERS, SEEDED_AT));
  }, 300_000);
  afterAll(async () => close());

  it('does keep every gap between 50 ms beats under 200 ms, with an audit row written on each beat', async () => {
    const deps = { db, sqlite: db.sqlite, background: worker, owner: 'test', delivery: deliveryDeps(db.sqlite, new RecordingNotifier()), logger: { info() {}, warn() {}, error() {} } };
    const audit = createAuditTrail(db);
    let beats = 0;
    const heartbeat = startHeartbeat(BEAT_MS, (beat) => {
      beats = beat;
      void audit.record({ at: new Date(), repId: 1, action: 'heartbeat', target: `beat:${beat}`, detail: '' });
    });
    let rescored: Awaited<ReturnType<typeof runJob>>;
    let planned: Awaited<ReturnType<typeof runJob>>;
    try {
      rescored = await runJob('rescore', NIGHT, deps);
      planned = await runJob('plan', NIGHT, deps);
    } finally {
      heartbeat.stop();
    }
    // The work was real: every customer scored as of that night, the day's nudges and check-ins planned.
    expect(rescored).toMatchObject({ status: 'done', report: { customers: CUSTOMERS } });
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM ScoreSnapshot WHERE computedAt = ?').pluck().get(NIGHT.getTime())).toBe(CUSTOMERS);
    expect(planned).toMatchObject({ failures: [] });
    expect((planned as { nudges: number }).nudges).toBeGreaterThan(1000);
    expect((planned as { cadenceCallbacks: number }).cadenceCallbacks).toBeGreaterThan(1000);
    // Long enough to mean something, and every beat's write landed.
    expect(heartbeat.gaps.length).toBeGreaterThan(40);
    expect(db.sqlite.prepare("SELECT COUNT(*) FROM AuditLog WHERE action = 'heartbeat'").pluck().get()).toBe(beats);
    // The bot's part of each gap: what is left when the time the OS kept us off the CPU is taken out.
    const { longest, botsLongest } = longestGaps(heartbeat.gaps);
    expect(botsLongest, `longest gap ${longest.toFixed(0)} ms, of which the bot's ${botsLongest.toFixed(0)} ms`).toBeLessThan(200);
    // A bound for a stuck run, not a speed target: 200k customers take ~30 s here, several times that on a loaded machine.
  }, 240_000);

  it('does keep every gap between 50 ms beats under 200 ms while /digest and the weekly delivery build the digest', async () => {
    const clock = new ManualClock(NIGHT);
    const logger = createLogger('silent');
    const app = createApp(db, loadConfig({ DATABASE_URL: db.url }), clock, logger, new Map(), { background: worker, afterOrdersChanged() {} });
    const notifier = new RecordingNotifier();
    const deps = createSchedulerDeps({
      db, notifiers: new Map([['console', notifier]]), background: worker, clock, logger, render: { currency: 'CNY', defaultLocale: 'en' },
    });
    const managerId = db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(MANAGER) as number;
    // The day just planned stays for later: this delivery run is the digest's alone.
    db.sqlite.prepare("UPDATE Nudge SET dueAt = dueAt + ? WHERE status = 'pending'").run(30 * 86_400_000);
    createRawOutbox(db.sqlite).insert(
      [{ kind: 'digest', dedupeKey: 'digest:test', dueAt: NIGHT, target: { kind: 'rep', id: managerId }, customerId: null, payload: { date: '2027-01-04' } }],
      NIGHT,
    );

    const heartbeat = startHeartbeat(BEAT_MS);
    let asked: Reply;
    try {
      asked = await app.dispatch({ platform: 'console', userId: MANAGER, text: '/digest' });
      await runJob('deliver', NIGHT, deps);
    } finally {
      heartbeat.stop();
    }
    // The work was real: the team's digest answered, and the weekly one delivered, each with its chart.
    expectWholeDigest(asked);
    expect(notifier.sent).toHaveLength(1);
    expectWholeDigest(notifier.sent[0]!.reply);
    // The bot's part of each gap: what is left when the time the OS kept us off the CPU is taken out.
    const { longest, botsLongest } = longestGaps(heartbeat.gaps);
    expect(botsLongest, `longest gap ${longest.toFixed(0)} ms, of which the bot's ${botsLongest.toFixed(0)} ms`).toBeLessThan(200);
    expect(heartbeat.gaps.length).toBeGreaterThan(5);
  }, 240_000);
});
