import { afterEach, beforeEach, expect, it } from 'vitest';
import type { BackgroundJobs } from '../../src/background/background-jobs.js';
import { createBackgroundWorker, type BackgroundWorker } from '../../src/background/background-worker.js';
import { ManualClock } from '../../src/clock.js';
import { connectDatabase, type StoreDatabase } from '../../src/db/store-database.js';
import { createLeaseStore } from '../../src/db/stores/lease-store.js';
import { createLogger } from '../../src/logger.js';
import { createJobRunStore } from '../../src/db/stores/job-run-store.js';
import { MAX_RUN_ATTEMPTS } from '../../src/scheduler/job-runs.js';
import { createRescoreSoon } from '../../src/scheduler/rescoring.js';
import { runJob, startScheduler, type SchedulerDeps } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase } from './helpers.js';

const MINUTE = 60_000;
const silent = { info() {}, warn() {}, error() {} };

function schedulerDeps(db: StoreDatabase, background: BackgroundJobs = inProcessJobs(db), owner = 'test'): SchedulerDeps {
  return { db, background, owner, delivery: deliveryDeps(db, new RecordingNotifier()), logger: silent };
}

const runs = (db: StoreDatabase) => db.kysely.selectFrom('JobRun').select(['runKey', 'reason', 'status', 'attempts', 'startedAt']).orderBy('id').execute();
/** When the scores were computed, and for how many customers. */
const computed = (db: StoreDatabase) =>
  db.kysely
    .selectFrom('ScoreSnapshot')
    .select((eb) => ['computedAt', eb.fn.countAll<number>().as('customers')])
    .groupBy('computedAt')
    .orderBy('computedAt')
    .execute();

describeEngines('job runs', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await demoDatabase(10, DEMO_ASOF, engine);
  });
  afterEach(async () => db.cleanup());

  it('does let one claim of a run win, and take over a dead holder\'s run after its lease', async () => {
    const jobRuns = createJobRunStore(db);
    const now = new Date('2027-01-05T01:00:00Z');
    const claim = (owner: string, at: Date) => jobRuns.claim({ job: 'rescore', runKey: 'k', reason: 'nightly', owner, now: at, leaseMs: 10 * MINUTE });
    expect(await claim('a', now)).toBe(true);
    expect(await claim('b', now)).toBe(false);
    expect(await claim('b', new Date(now.getTime() + 10 * MINUTE - 1))).toBe(false);
    // a died holding it: after the lease, b takes it; a's late finish no longer counts.
    expect(await claim('b', new Date(now.getTime() + 10 * MINUTE))).toBe(true);
    await jobRuns.finish('rescore', 'k', 'a', now);
    expect(await runs(db)).toMatchObject([{ status: 'running', attempts: 2 }]);
    await jobRuns.finish('rescore', 'k', 'b', now);
    expect(await runs(db)).toMatchObject([{ status: 'done', attempts: 2 }]);
    expect(await claim('c', new Date(now.getTime() + 60 * MINUTE))).toBe(false);
  });

  it('does try a failed run again up to the limit', async () => {
    const jobRuns = createJobRunStore(db);
    const now = new Date('2027-01-05T01:00:00Z');
    const outcomes: boolean[] = [];
    for (let attempt = 0; attempt < MAX_RUN_ATTEMPTS + 1; attempt++) {
      const claimed = await jobRuns.claim({ job: 'rescore', runKey: 'k', reason: 'nightly', owner: `o${attempt}`, now, leaseMs: MINUTE });
      outcomes.push(claimed);
      if (claimed) await jobRuns.finish('rescore', 'k', `o${attempt}`, now, 'disk full');
    }
    expect(outcomes).toEqual([true, true, true, false]);
    expect(await runs(db)).toMatchObject([{ status: 'failed', attempts: MAX_RUN_ATTEMPTS }]);
  });

  it('does count a slot as covered only by a run that started at or after it and finished or is still held', async () => {
    const jobRuns = createJobRunStore(db);
    const slot = new Date('2027-01-05T01:00:00Z');
    const claim = (runKey: string, at: Date) => jobRuns.claim({ job: 'rescore', runKey, reason: 'import', owner: 'o', now: at, leaseMs: MINUTE });
    await claim('before', new Date(slot.getTime() - 1));
    await jobRuns.finish('rescore', 'before', 'o', slot);
    expect(await jobRuns.coveredSince('rescore', slot, slot)).toBe(false);
    await claim('after', slot);
    expect(await jobRuns.coveredSince('rescore', slot, slot)).toBe(true);
    // Its holder died: the run no longer covers the slot once the lease is over.
    expect(await jobRuns.coveredSince('rescore', slot, new Date(slot.getTime() + MINUTE))).toBe(false);
    await jobRuns.finish('rescore', 'after', 'o', slot, 'crashed');
    expect(await jobRuns.coveredSince('rescore', slot, slot)).toBe(false);
    expect(await jobRuns.coveredSince('plan', slot, slot)).toBe(false);
  });
});

describeEngines('nightly rescoring', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
  });
  afterEach(async () => db.cleanup());

  it('does rescore once at each team\'s scoring hour, however often the quarter-hour trigger fires', async () => {
    const deps = schedulerDeps(db);
    const done: string[] = [];
    // Two nights, every quarter hour, as node-cron fires the job; each time twice (a double fire).
    for (let t = Date.parse('2027-01-04T12:00:00Z'); t <= Date.parse('2027-01-06T12:00:00Z'); t += 15 * MINUTE) {
      for (let fire = 0; fire < 2; fire++) {
        const outcome = await runJob('rescore', new Date(t), deps);
        if ('status' in outcome && outcome.status === 'done') done.push(new Date(t).toISOString());
      }
    }
    // 02:00 in Shanghai is 18:00 UTC the day before; 02:00 in Berlin (CET) is 01:00 UTC. The
    // first fire catches up on Berlin's night of the 4th, which no run covered yet.
    const nights = ['2027-01-04T18:00:00.000Z', '2027-01-05T01:00:00.000Z', '2027-01-05T18:00:00.000Z', '2027-01-06T01:00:00.000Z'];
    expect(done).toEqual(['2027-01-04T12:00:00.000Z', ...nights]);
    expect((await runs(db)).map((r) => [r.runKey, r.status])).toEqual(['2027-01-04T01:00:00.000Z', ...nights].map((n) => [`nightly:${n}`, 'done']));
    expect(await computed(db)).toEqual([{ computedAt: Date.parse(nights.at(-1)!), customers: 60 }]);
  });

  it('does rescore once a night for teams whose hours fall on the same instant', async () => {
    // 08:00 in Shanghai and 01:00 in Berlin are both 00:00 UTC in January.
    for (const team of await db.kysely.selectFrom('Team').select(['id', 'timeZone']).execute()) {
      const settings = JSON.stringify({ scoringHour: team.timeZone === 'Asia/Shanghai' ? 8 : 1 });
      await db.kysely.updateTable('Team').set({ settings }).where('id', '=', team.id).execute();
    }
    const deps = schedulerDeps(db);
    for (let t = Date.parse('2027-01-04T12:00:00Z'); t <= Date.parse('2027-01-06T12:00:00Z'); t += 15 * MINUTE) await runJob('rescore', new Date(t), deps);
    expect((await runs(db)).map((r) => r.runKey)).toEqual(['2027-01-04', '2027-01-05', '2027-01-06'].map((d) => `nightly:${d}T00:00:00.000Z`));
  });

  it('does rescore once when a second connection fires the same night\'s job', async () => {
    const other = await connectDatabase(db.url);
    try {
      const at = new Date('2027-01-05T01:05:00Z');
      const first = await runJob('rescore', at, schedulerDeps(db, inProcessJobs(db), 'one'));
      const second = await runJob('rescore', at, { ...schedulerDeps(db, inProcessJobs(db), 'two'), db: other });
      expect([first, second].map((o) => 'status' in o && o.status)).toEqual(['done', 'up-to-date']);
      expect(await runs(db)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('does rescore the night before a rescoreSoon called right after its trigger, whatever either awaits first', async () => {
    const deps = schedulerDeps(db);
    const at = new Date('2027-01-05T01:05:00Z');
    const soon = createRescoreSoon(deps, () => at);
    // The trigger first reads the teams' hours and the runs; the import's run would claim at once.
    const outcomes = await Promise.all([runJob('rescore', at, deps), soon('import')]);
    expect(outcomes.map((o) => 'status' in o && o.status)).toEqual(['done', 'done']);
    expect((await runs(db)).map((r) => [r.reason, r.status])).toEqual([
      ['nightly', 'done'],
      ['import', 'done'],
    ]);
  });

  it('does record a failed night and try it again at the next fires, up to the limit', async () => {
    let fail = true;
    const real = inProcessJobs(db);
    const flaky: BackgroundJobs = { run: (job) => (fail ? Promise.reject(new Error('disk I/O error')) : real.run(job)) };
    const deps = schedulerDeps(db, flaky);
    const at = (minutes: number) => new Date(Date.parse('2027-01-05T01:00:00Z') + minutes * MINUTE);
    await expect(runJob('rescore', at(0), deps)).rejects.toThrow('disk I/O error');
    expect(await runs(db)).toMatchObject([{ status: 'failed', attempts: 1 }]);
    fail = false;
    expect(await runJob('rescore', at(15), deps)).toMatchObject({ status: 'done' });
    expect(await runs(db)).toMatchObject([{ status: 'done', attempts: 2 }]);
    expect(await computed(db)).toEqual([{ computedAt: at(15).getTime(), customers: 60 }]);
  });
});

describeEngines('the scheduler with its background worker', (engine) => {
  let db: TestStoreDatabase;
  let worker: BackgroundWorker;
  const logger = createLogger('silent');
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    worker = createBackgroundWorker({ databaseUrl: db.url, logger });
  });
  afterEach(async () => {
    await worker.close();
    await db.cleanup();
  });

  const start = async (clock: ManualClock) =>
    startScheduler({
      db, background: worker, notifiers: new Map([['console', new RecordingNotifier()]]), clock, logger, render: { currency: 'CNY', defaultLocale: 'en' },
      leases: createLeaseStore(db),
    });

  it('does rescore at start after each night it was down for, across two nights', async () => {
    // Started after Berlin's 02:00 (01:00 UTC) with no run yet: catch up now.
    const clock = new ManualClock('2027-01-05T06:00:00Z');
    await (await start(clock)).stop();
    expect(await computed(db)).toEqual([{ computedAt: Date.parse('2027-01-05T06:00:00Z'), customers: 60 }]);
    // Restarted the same day: the night is covered.
    clock.set('2027-01-05T12:00:00Z');
    await (await start(clock)).stop();
    // Down over the next night, back the morning after: one more rescoring, not two.
    clock.set('2027-01-06T07:30:00Z');
    await (await start(clock)).stop();
    expect(await computed(db)).toEqual([{ computedAt: Date.parse('2027-01-06T07:30:00Z'), customers: 60 }]);
    expect((await runs(db)).map((r) => [r.runKey, r.status, new Date(r.startedAt).toISOString()])).toEqual([
      ['nightly:2027-01-05T01:00:00.000Z', 'done', '2027-01-05T06:00:00.000Z'],
      ['nightly:2027-01-06T01:00:00.000Z', 'done', '2027-01-06T07:30:00.000Z'],
    ]);
    // The catch-up plan's order after the scores: 'the scheduler’s catch-up at start' below (stopped at once, this bot plans nothing).
  });

  it('does rescore soon after an import, with one more run for calls made while one runs', async () => {
    const clock = new ManualClock('2027-01-05T12:00:00Z');
    const scheduler = await start(clock);
    const calls = [scheduler.rescoreSoon('import'), scheduler.rescoreSoon('import'), scheduler.rescoreSoon('import')];
    const outcomes = await Promise.all(calls);
    await scheduler.stop();
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done']);
    expect((await runs(db)).map((r) => [r.reason, r.status])).toEqual([
      ['nightly', 'done'],
      ['import', 'done'],
      ['import', 'done'],
    ]);
    // A run started after the night's slot covers it: the quarter-hour trigger does not rescore again.
    expect(await runJob('rescore', clock.now(), schedulerDeps(db, worker))).toMatchObject({ status: 'up-to-date' });
  });
});


describeEngines('the scheduler’s catch-up at start', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
  });
  afterEach(async () => db.cleanup());

  it('does queue the catch-up plan after the catch-up rescoring, so the plans are made from the fresh scores', async () => {
    const jobs = inProcessJobs(db);
    const queued: string[] = [];
    let planned!: () => void;
    const planQueued = new Promise<void>((resolve) => (planned = resolve));
    const background: BackgroundJobs = {
      run: (job) => {
        queued.push(job.kind);
        if (job.kind === 'plan') planned();
        return jobs.run(job);
      },
    };
    // Started after Berlin's 02:00 (01:00 UTC) with no run yet: both a rescoring and a plan are due.
    const scheduler = await startScheduler({
      db, background, notifiers: new Map([['console', new RecordingNotifier()]]), clock: new ManualClock('2027-01-05T06:00:00Z'),
      logger: createLogger('silent'), render: { currency: 'CNY', defaultLocale: 'en' }, leases: createLeaseStore(db), triggers: 'manual',
    });
    await planQueued;
    await scheduler.stop();
    expect(queued).toEqual(['rescore', 'plan']);
  });
});
