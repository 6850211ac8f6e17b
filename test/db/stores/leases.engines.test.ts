import { fork } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { connectDatabase } from '../../../src/db/store-database.js';
import { createJobRunStore, type JobRunStore } from '../../../src/db/stores/job-run-store.js';
import { createLeaseStore, type LeaseStore } from '../../../src/db/stores/lease-store.js';
import { MAX_RUN_ATTEMPTS } from '../../../src/scheduler/job-runs.js';
import { keepLease, LEASE_TTL_MS, runOnce } from '../../../src/scheduler/leases.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { manualTimers } from '../../helpers/manual-timers.js';

const T0 = new Date('2026-12-01T02:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const claim = (owner: string, now = T0, leaseMs = 60_000) => ({ job: 'rescore', runKey: 'nightly:1', reason: 'nightly', owner, now, leaseMs });

const HOLDER = path.join(import.meta.dirname, 'fixtures', 'lease-holder.ts');

/** Starts a replica holding a role, waits until it holds it, SIGKILLs it and says when. */
async function holdThenKill(url: string, mode: 'lease' | 'job-run'): Promise<number> {
  const child = fork(HOLDER, [url, mode], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before holding`)));
  });
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await exited;
  return killedAt;
}

describeEngines('job runs and leases', (engine) => {
  let db: TestStoreDatabase;
  let runs: JobRunStore;
  let leases: LeaseStore;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    runs = createJobRunStore(db);
    leases = createLeaseStore(db);
  });
  afterEach(async () => db?.cleanup());

  it('does let one claim of a run win, and take it over only when done failed or its holder’s lease ran out', async () => {
    expect(await runs.claim(claim('a'))).toBe(true);
    expect(await runs.claim(claim('b'))).toBe(false);
    expect(await runs.claim(claim('b', later(59_999)))).toBe(false);
    expect(await runs.claim(claim('b', later(60_000)))).toBe(true);
    // The first holder woke up: it no longer owns the run, so it can neither renew nor finish it.
    expect(await runs.renew('rescore', 'nightly:1', 'a', later(60_001), 60_000)).toBe(false);
    await runs.finish('rescore', 'nightly:1', 'a', later(60_002), 'late failure');
    expect(await runs.coveredSince('rescore', later(60_000), later(60_003))).toBe(true);
    await runs.finish('rescore', 'nightly:1', 'b', later(70_000));
    expect(await runs.claim(claim('c', later(999_999_999)))).toBe(false);
    expect(await runs.coveredSince('rescore', later(60_000), later(999_999_999))).toBe(true);
    expect(await runs.coveredSince('rescore', later(60_001), later(999_999_999))).toBe(false);
  });

  it('does retry a failed run up to the attempt limit', async () => {
    for (let attempt = 1; attempt <= MAX_RUN_ATTEMPTS; attempt++) {
      expect(await runs.claim(claim(`w${attempt}`, later(attempt)))).toBe(true);
      expect(await runs.coveredSince('rescore', T0, later(attempt))).toBe(true);
      await runs.finish('rescore', 'nightly:1', `w${attempt}`, later(attempt), 'boom');
      expect(await runs.coveredSince('rescore', T0, later(attempt))).toBe(false);
    }
    expect(await runs.claim(claim('again', later(100)))).toBe(false);
  });

  it('does keep a renewed run from being taken over', async () => {
    expect(await runs.claim(claim('a'))).toBe(true);
    expect(await runs.renew('rescore', 'nightly:1', 'a', later(50_000), 60_000)).toBe(true);
    expect(await runs.claim(claim('b', later(60_000)))).toBe(false);
    expect(await runs.claim(claim('b', later(110_000)))).toBe(true);
  });

  it('does give a lease to one holder at a time, renewable by it, free to others once it expires or is released', async () => {
    expect(await leases.acquire('gateway', 'a', T0, 60_000)).toBe(true);
    expect(await leases.acquire('gateway', 'b', later(30_000), 60_000)).toBe(false);
    expect(await leases.acquire('gateway', 'a', later(30_000), 60_000)).toBe(true);
    expect(await leases.acquire('gateway', 'b', later(89_999), 60_000)).toBe(false);
    expect(await leases.holder('gateway', later(89_999))).toBe('a');
    expect(await leases.holder('gateway', later(90_000))).toBeNull();
    expect(await leases.acquire('gateway', 'b', later(90_000), 60_000)).toBe(true);
    const row = await db.kysely.selectFrom('Lease').selectAll().executeTakeFirstOrThrow();
    expect(row).toEqual({ name: 'gateway', holder: 'b', acquiredAt: later(90_000).getTime(), leaseUntil: later(150_000).getTime() });
    await leases.release('gateway', 'a');
    expect(await leases.holder('gateway', later(90_001))).toBe('b');
    await leases.release('gateway', 'b');
    expect(await leases.acquire('gateway', 'c', later(90_002), 60_000)).toBe(true);
  });

  it('does give a free lease to exactly one of many replicas asking at once', async () => {
    const other = await connectDatabase(db.url);
    try {
      const stores = [leases, createLeaseStore(other)];
      const won = await Promise.all(Array.from({ length: 16 }, (_, i) => stores[i % 2]!.acquire('gateway', `r${i}`, T0, 60_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await leases.holder('gateway', T0)).toBe(`r${won.indexOf(true)}`);
    } finally {
      await other.close();
    }
  });

  it('does keep a lease while renewing, hand it over when the holder stops or stops renewing', async () => {
    const clock = new ManualClock(T0);
    const timers = manualTimers();
    const changes: string[] = [];
    const a = keepLease(leases, { name: 'gateway', holder: 'a', clock, every: timers.every, onChange: (held) => changes.push(`a:${held}`) });
    expect(await a.renewNow()).toBe(true);
    const b = keepLease(leases, { name: 'gateway', holder: 'b', clock, every: timers.every, onChange: (held) => changes.push(`b:${held}`) });
    for (let i = 1; i <= 6; i++) {
      clock.set(later(i * 20_000));
      expect(await a.renewNow()).toBe(true);
      expect(await b.renewNow()).toBe(false);
    }
    // a hangs (no more renewals): b takes over once a's last lease has run out, not before.
    clock.set(later(6 * 20_000 + LEASE_TTL_MS - 1));
    expect(await b.renewNow()).toBe(false);
    clock.set(later(6 * 20_000 + LEASE_TTL_MS));
    expect(await b.renewNow()).toBe(true);
    expect(await a.renewNow()).toBe(false);
    await b.stop();
    expect(await a.renewNow()).toBe(true);
    await a.stop();
    expect(timers.count()).toBe(0);
    expect(changes).toEqual(['a:true', 'b:true', 'a:false', 'b:false', 'a:true', 'a:false']);
    expect(await leases.holder('gateway', clock.now())).toBeNull();
  });

  it('does run work once per run key, renewing its lease while it runs, and record failures', async () => {
    const clock = new ManualClock(T0);
    const timers = manualTimers();
    let release!: () => void;
    const running = runOnce(runs, claim('a'), clock, () => new Promise<string>((resolve) => (release = () => resolve('planned'))), timers.every);
    await expect.poll(() => timers.count()).toBe(1);
    clock.set(later(50_000));
    timers.tick();
    await expect.poll(async () => runs.claim(claim('b', later(60_000)))).toBe(false);
    expect(await runOnce(runs, claim('b', later(60_000)), clock, async () => 'twice', timers.every)).toEqual({ status: 'taken' });
    release();
    expect(await running).toEqual({ status: 'done', result: 'planned' });
    expect(timers.count()).toBe(0);
    const failing = runOnce(runs, { ...claim('c'), runKey: 'nightly:2' }, clock, async () => Promise.reject(new Error('no scores')), timers.every);
    await expect(failing).rejects.toThrow('no scores');
    const row = await db.kysely.selectFrom('JobRun').select(['status', 'error']).where('runKey', '=', 'nightly:2').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'failed', error: 'no scores' });
  });

  it('does free a lease within a minute of its holder’s death (SIGKILL), for the next replica to take', async () => {
    const killedAt = await holdThenKill(db.url, 'lease');
    const row = await db.kysely.selectFrom('Lease').selectAll().where('name', '=', 'gateway').executeTakeFirstOrThrow();
    expect(row.leaseUntil - killedAt).toBeLessThanOrEqual(LEASE_TTL_MS);
    expect(await leases.acquire('gateway', 'next', new Date(row.leaseUntil - 1), LEASE_TTL_MS)).toBe(false);
    expect(await leases.acquire('gateway', 'next', new Date(row.leaseUntil), LEASE_TTL_MS)).toBe(true);
  });

  it('does let another replica take a job run over within a minute of its holder’s death (SIGKILL)', async () => {
    const killedAt = await holdThenKill(db.url, 'job-run');
    const row = await db.kysely.selectFrom('JobRun').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('running');
    expect(row.leaseUntil - killedAt).toBeLessThanOrEqual(LEASE_TTL_MS);
    const next = { job: 'plan', runKey: 'slot-1', reason: 'takeover', owner: 'next', leaseMs: LEASE_TTL_MS };
    expect(await runs.claim({ ...next, now: new Date(row.leaseUntil - 1) })).toBe(false);
    expect(await runs.claim({ ...next, now: new Date(row.leaseUntil) })).toBe(true);
    expect(await db.kysely.selectFrom('JobRun').select(['owner', 'attempts']).executeTakeFirstOrThrow()).toEqual({ owner: 'next', attempts: 2 });
  });
});
