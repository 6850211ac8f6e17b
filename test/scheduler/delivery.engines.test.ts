import { execFile, fork } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/calendar.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/schedule/retry.js';
import { CLAIM_LEASE_MS, LATE_AFTER_MS } from '../../src/scheduler/delivery-worker.js';
import { NotifierError } from '../../src/scheduler/notifier.js';
import { createPlatformPauses } from '../../src/scheduler/notifier-router.js';
import { PLANNING_HORIZON_MS, runPlanning } from '../../src/scheduler/planning-run.js';
import { runJob, type SchedulerDeps } from '../../src/scheduler/scheduler.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { tempDir } from '../helpers/temp-database.js';
import { describeEngines, type TestEngine, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, nonEmpty, readLines } from './helpers.js';

type Db = TestStoreDatabase;
const MONDAY_NOON = new Date(DEMO_ASOF.getTime() + 12 * 3_600_000);

function rows(db: Db) {
  return db.kysely.selectFrom('Nudge').selectAll().orderBy('id').execute();
}

describeEngines('outbox delivery', (engine) => {
  let db: Db;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    await runPlanning(db, DEMO_ASOF);
  });
  afterEach(async () => db.cleanup());

  it('does plan each nudge once when planning runs twice or restarts', async () => {
    const before = (await rows(db)).length;
    expect(before).toBeGreaterThan(5);
    const again = await runPlanning(db, DEMO_ASOF);
    expect(again.nudges).toBe(0);
    expect(again.cadenceCallbacks).toBe(0);
    expect((await rows(db)).length).toBe(before);
    // An hour later only what the moved horizon newly covers is added.
    await runPlanning(db, new Date(DEMO_ASOF.getTime() + 3_600_000));
    const added = (await rows(db)).slice(before);
    expect(nonEmpty(added).every((r) => r.dueAt > DEMO_ASOF.getTime() + PLANNING_HORIZON_MS)).toBe(true);
  });

  // The tests that deliver render the nudges.
  it('does send each due nudge once and mark it sent', async () => {
    const notifier = new RecordingNotifier();
    await drain(MONDAY_NOON, deliveryDeps(db, notifier));
    const due = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime());
    const sent = due.filter((r) => r.status === 'sent');
    expect(sent.length).toBeGreaterThan(3);
    expect(nonEmpty(due).every((r) => r.status === 'sent' || r.status === 'skipped')).toBe(true);
    expect(notifier.sent.map((n) => n.dedupeKey).sort()).toEqual(sent.map((r) => r.dedupeKey).sort());
    expect(nonEmpty((await rows(db)).filter((r) => r.dueAt > MONDAY_NOON.getTime())).every((r) => r.status === 'pending')).toBe(true);
    await drain(MONDAY_NOON, deliveryDeps(db, notifier));
    expect(notifier.sent.length).toBe(sent.length);
  });

  it('does let a claim whose lease ran out be taken over, and never by two claims at once', async () => {
    const outbox = createOutboxStore(db);
    const a = await outbox.claimDue(MONDAY_NOON, 3, 'a', CLAIM_LEASE_MS);
    const b = await outbox.claimDue(MONDAY_NOON, 100, 'b', CLAIM_LEASE_MS);
    expect(a.length).toBe(3);
    expect(b.some((row) => a.some((x) => x.id === row.id))).toBe(false);
    expect(await outbox.claimDue(new Date(MONDAY_NOON.getTime() + CLAIM_LEASE_MS - 1), 100, 'c', CLAIM_LEASE_MS)).toEqual([]);
    const reclaimed = await outbox.claimDue(new Date(MONDAY_NOON.getTime() + CLAIM_LEASE_MS), 100, 'c', CLAIM_LEASE_MS);
    expect(reclaimed.length).toBe(a.length + b.length);
    expect(await outbox.markSent(a[0]!.id, 'a', MONDAY_NOON, false, null)).toBe(false);
  });

  it('does retry a failing nudge with growing, jittered delays and kill it after the last attempt', async () => {
    const notifier = new RecordingNotifier((n) => (n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === firstAgendaRep ? new Error('boom') : null));
    const firstAgendaRep = (await rows(db)).find((r) => r.kind === 'agenda' && r.dueAt <= MONDAY_NOON.getTime())!.targetId;
    const deps = deliveryDeps(db, notifier);
    let now = MONDAY_NOON;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= DEFAULT_RETRY_POLICY.maxAttempts; attempt++) {
      await drain(now, deps);
      const row = (await rows(db)).find((r) => r.kind === 'agenda' && r.targetId === firstAgendaRep && r.dueAt <= MONDAY_NOON.getTime())!;
      expect(row.attempts).toBe(attempt);
      if (attempt < DEFAULT_RETRY_POLICY.maxAttempts) {
        expect(row.status).toBe('pending');
        delays.push(row.nextAttemptAt! - now.getTime());
        now = new Date(row.nextAttemptAt!);
      } else {
        expect(row.status).toBe('dead');
        expect(row.lastError).toBe('boom');
      }
    }
    delays.forEach((delay, i) => {
      const ceiling = DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    });
    // The other nudges of the batches went out regardless.
    expect((await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime() && r.status === 'pending')).toEqual([]);
  });

  it('does mark a nudge dead at once when the platform says retrying cannot help', async () => {
    const notifier = new RecordingNotifier((n) => (n.kind === 'callback' ? new NotifierError('user not linked', { permanent: true }) : null));
    await drain(MONDAY_NOON, deliveryDeps(db, notifier));
    const callbacks = (await rows(db)).filter((r) => r.kind === 'callback' && r.dueAt <= MONDAY_NOON.getTime());
    expect(callbacks.length).toBeGreaterThan(0);
    expect(callbacks.every((r) => r.status === 'dead' && r.attempts === 1)).toBe(true);
  });

  it('does back off through a 429 storm, honour Retry-After, and lose nothing', async () => {
    // The platform accepts 2 messages, then answers 429 (retry after 30 s) to the next 3 tries, and so on.
    const notifier = new RecordingNotifier((_, attempt) => (attempt % 5 >= 3 || attempt % 5 === 0 ? new NotifierError('429', { retryAfterMs: 30_000 }) : null));
    const deps: SchedulerDeps = { db, background: inProcessJobs(db), owner: 'test', delivery: deliveryDeps(db, notifier), logger: { info() {}, warn() {}, error() {} } };
    const pauses = createPlatformPauses(db);
    const due = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime()).length;
    let now = MONDAY_NOON;
    const attemptsAtPause: number[] = [];
    for (let round = 0; round < 100; round++) {
      await runJob('deliver', now, deps);
      const paused = await pauses.pausedUntil('console', now);
      if (!paused) break;
      expect(paused.getTime() - now.getTime()).toBeGreaterThanOrEqual(30_000);
      attemptsAtPause.push(notifier.attempts);
      // Nothing is tried before Retry-After has passed, by this worker or a new one (the pause is stored).
      const restarted: SchedulerDeps = { ...deps, delivery: deliveryDeps(db, notifier) };
      await runJob('deliver', new Date(paused.getTime() - 1), restarted);
      expect(notifier.attempts).toBe(attemptsAtPause.at(-1));
      now = paused;
    }
    const settled = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime());
    expect(settled.length).toBe(due);
    expect(nonEmpty(settled).every((r) => r.status === 'sent' || r.status === 'skipped')).toBe(true);
    expect(settled.every((r) => r.attempts <= 1)).toBe(true);
    expect(new Set(notifier.sent.map((n) => n.dedupeKey)).size).toBe(notifier.sent.length);
    // One 429 per pause: the rest of the platform's rows wait instead of hammering it.
    expect(attemptsAtPause.length).toBeGreaterThan(2);
    expect(notifier.attempts - notifier.sent.length).toBe(attemptsAtPause.length);
  });

  it('does catch up after a 3-day outage: recent birthdays and due callbacks late, one agenda, nothing twice', async () => {
    await db.cleanup();
    db = await demoDatabase(300, DEMO_ASOF, engine);
    await runPlanning(db, DEMO_ASOF);
    const notifier = new RecordingNotifier();
    await drain(MONDAY_NOON, deliveryDeps(db, notifier));
    const sentBefore = notifier.sent.length;
    // Down from Monday noon until Thursday 15:00 UTC.
    const back = new Date(MONDAY_NOON.getTime() + 3 * DAY_MS + 3 * 3_600_000);
    const planned = await runPlanning(db, back);
    expect(planned.window.from.getTime()).toBe(back.getTime() - 3 * DAY_MS);
    await drain(back, deliveryDeps(db, notifier));
    const caughtUp = notifier.sent.slice(sentBefore);
    const keys = notifier.sent.map((n) => n.dedupeKey);
    expect(new Set(keys).size).toBe(keys.length);
    const all = await rows(db);
    expect(all.filter((r) => r.dueAt <= back.getTime() && (r.status === 'pending' || r.status === 'claimed'))).toEqual([]);
    for (const n of caughtUp) {
      const row = all.find((r) => r.dedupeKey === n.dedupeKey)!;
      expect(n.late).toBe(back.getTime() - row.dueAt > LATE_AFTER_MS);
      expect(row.late).toBe(n.late);
    }
    // Only today's agenda per rep; the missed Tuesday/Wednesday agendas are superseded.
    const agendas = caughtUp.filter((n) => n.kind === 'agenda');
    expect(new Set(agendas.map((n) => n.recipient.kind === 'rep' && n.recipient.repId)).size).toBe(agendas.length);
    expect(nonEmpty(agendas).every((n) => n.dedupeKey.endsWith('2027-01-07'))).toBe(true);
    expect(nonEmpty(all.filter((r) => r.kind === 'agenda' && /2027-01-0[56]$/.test(r.dedupeKey))).every((r) => r.status === 'skipped')).toBe(true);
    const lateBirthdays = caughtUp.filter((n) => n.kind === 'birthday' && n.late);
    const missedBirthdays = all.filter((r) => r.kind === 'birthday' && r.dueAt > MONDAY_NOON.getTime() && r.dueAt < back.getTime() - LATE_AFTER_MS);
    expect(missedBirthdays.length).toBeGreaterThan(0);
    expect(lateBirthdays.length).toBe(missedBirthdays.length);
    expect(caughtUp.some((n) => n.kind === 'callback' && n.late)).toBe(true);
    expect(missedBirthdays.every((r) => r.status === 'sent')).toBe(true);
    expect(caughtUp.find((n) => n.late)?.reply.blocks[0]).toMatchObject({ type: 'text', tone: 'muted' });
  });
});

const run = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'fixtures', 'delivery-child.ts');

async function child(db: Db, now: Date, record: string, killAt: string, nth: number): Promise<'exited' | 'killed'> {
  try {
    await run(process.execPath, ['--import', 'tsx', CHILD, db.url, now.toISOString(), record, killAt, String(nth)]);
    return 'exited';
  } catch (error) {
    if ((error as { signal?: string }).signal === 'SIGKILL') return 'killed';
    throw error;
  }
}

/** A fresh demo database planned at DEMO_ASOF and a directory for the children's record files, for each test. */
function plannedDemo(engine: TestEngine, customers: number): { db: () => Db; records: () => string } {
  let db: Db;
  let records: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    records = tempDir('rapport-delivery-records-');
    db = await demoDatabase(customers, DEMO_ASOF, engine);
    await runPlanning(db, DEMO_ASOF);
  });
  afterEach(async () => {
    await db.cleanup();
    records.cleanup();
  });
  return { db: () => db, records: () => records.dir };
}

// The children deliver, so they render.
describeEngines('delivery across a crash (SIGKILL)', (engine) => {
  const demo = plannedDemo(engine, 60);

  it.each([
    ['between claim and send', 'before-send', 0],
    ['between send and mark', 'after-send', 1],
  ])('does lose nothing and send at most the in-flight nudge twice when killed %s', async (_, killAt, duplicates) => {
    const db = demo.db();
    const record = path.join(demo.records(), 'sent.log');
    const due = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime()).length;
    expect(await child(db, MONDAY_NOON, record, killAt, 3)).toBe('killed');
    const inFlight = (await rows(db)).filter((r) => r.status === 'claimed');
    expect(inFlight.length).toBeGreaterThan(0);
    // Restarted before the lease ran out, the claimed rows wait; after it, they are taken over.
    expect(await child(db, new Date(MONDAY_NOON.getTime() + 60_000), record, 'none', 0)).toBe('exited');
    expect((await rows(db)).filter((r) => r.status === 'claimed').length).toBe(inFlight.length);
    expect(await child(db, new Date(MONDAY_NOON.getTime() + CLAIM_LEASE_MS + 60_000), record, 'none', 0)).toBe('exited');

    const finished = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime());
    expect(finished.length).toBe(due);
    expect(nonEmpty(finished).every((r) => r.status === 'sent' || r.status === 'skipped')).toBe(true);
    const lines = readLines(record);
    const sentKeys = finished.filter((r) => r.status === 'sent').map((r) => r.dedupeKey);
    expect(new Set(lines)).toEqual(new Set(sentKeys));
    expect(lines.length - new Set(lines).size).toBe(duplicates);
  });
});

const RACER = path.join(import.meta.dirname, 'fixtures', 'racing-deliverer.ts');

/** A delivery worker in a process of its own, stopped before its first claim until `go()`. */
function racer(db: Db, now: Date, record: string): { ready: Promise<void>; go: () => void; exited: Promise<number | null> } {
  const child = fork(RACER, [db.url, now.toISOString(), record], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return {
    ready: new Promise((resolve) => child.once('message', () => resolve())),
    go: () => child.send('go'),
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
}

describeEngines('two delivery workers in two processes', (engine) => {
  const demo = plannedDemo(engine, 300);
  beforeEach(async () => {
    // Enough due rows for several batches of 50 each, so the two take turns claiming: a
    // "won back" message for each of 250 customers, to their owner.
    const db = demo.db();
    const customers = await db.kysely.selectFrom('Customer').select(['id', 'ownerId']).orderBy('id').limit(250).execute();
    await createOutboxStore(db).insert(
      customers.map((c) => ({
        kind: 'winback', dedupeKey: `race:${c.id}`, dueAt: DEMO_ASOF, target: { kind: 'rep', id: c.ownerId! }, customerId: c.id,
        payload: { outcome: 'won', episode: 1, tier: 'B', orderedAt: DEMO_ASOF.toISOString() },
      })),
      DEMO_ASOF,
    );
  });

  it('does never let both claim or send the same row when they race for it', async () => {
    const db = demo.db();
    expect((await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime()).length).toBeGreaterThan(250);
    const records = ['a', 'b'].map((name) => path.join(demo.records(), `${name}.log`));
    const racers = records.map((record) => racer(db, MONDAY_NOON, record));
    await Promise.all(racers.map((r) => r.ready));
    racers.forEach((r) => r.go());
    expect(await Promise.all(racers.map((r) => r.exited))).toEqual([0, 0]);

    const [a, b] = records.map(readLines) as [string[], string[]];
    // Both got work: it was a race.
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.filter((key) => b.includes(key))).toEqual([]);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    const finished = (await rows(db)).filter((r) => r.dueAt <= MONDAY_NOON.getTime());
    expect(nonEmpty(finished).every((r) => r.status === 'sent' || r.status === 'skipped')).toBe(true);
    expect(new Set([...a, ...b])).toEqual(new Set(finished.filter((r) => r.status === 'sent').map((r) => r.dedupeKey)));
    // Every row was claimed once, by one of the two processes.
    expect(new Set(finished.map((r) => r.claimedBy!.split(':')[0])).size).toBe(2);
    expect(finished.every((r) => r.attempts === 1)).toBe(true);
  });
});
