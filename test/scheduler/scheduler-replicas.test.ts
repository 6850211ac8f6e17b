import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createLeaseStore } from '../../src/db/stores/lease-store.js';
import { createLogger } from '../../src/logger.js';
import { LEASE_TTL_MS, type Every } from '../../src/scheduler/leases.js';
import { readLastPlannedAt } from '../../src/scheduler/planning-run.js';
import { SCHEDULER_LEASE, startScheduler } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import type { ReplicaReport } from './fixtures/scheduler-replica.js';
import { engineOfRun } from '../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, demoDatabase, RecordingNotifier } from './helpers.js';

const REPLICA = path.join(import.meta.dirname, 'fixtures', 'scheduler-replica.ts');
const T0 = new Date('2027-01-05T06:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

type Replica = { child: ChildProcess; report: () => Promise<ReplicaReport>; kill: () => Promise<void> };

/** Forks a replica process on `url` at time `iso` and resolves once its scheduler runs. */
async function startReplica(url: string, iso: string): Promise<Replica> {
  const child = fork(REPLICA, [url, iso], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the replica exited (${code}) before its scheduler started`)));
  });
  return {
    child,
    report: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as ReplicaReport));
        child.send('report');
      }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('the scheduler in several processes on one database', () => {
  let db: TestStoreDatabase;
  const replicas: Replica[] = [];
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engineOfRun());
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.kill()));
    await db.cleanup();
  });

  it('does plan and score in one of two processes started at once, and in another only once the first is dead a minute (SIGKILL)', async () => {
    replicas.push(...(await Promise.all([startReplica(db.url, at(0)), startReplica(db.url, at(0))])));
    const first = await Promise.all(replicas.map((r) => r.report()));
    const leaderIndex = first.findIndex((r) => r.plans > 0);
    expect(leaderIndex).not.toBe(-1);
    const [leader, other] = [replicas[leaderIndex]!, replicas[1 - leaderIndex]!];
    // The catch-up after a night with no scoring: one planning run and one rescoring, by one process.
    expect(first[leaderIndex]).toMatchObject({ plans: 1, rescores: 1 });
    expect(first[1 - leaderIndex]).toMatchObject({ plans: 0, rescores: 0 });

    await leader.kill();
    // Within the dead holder's lease a new process still leaves planning to it; once it ran out, the next one plans.
    const early = await startReplica(db.url, at(LEASE_TTL_MS - 1_000));
    replicas.push(early);
    expect(await early.report()).toMatchObject({ plans: 0, rescores: 0 });
    const late = await startReplica(db.url, at(LEASE_TTL_MS));
    replicas.push(late);
    expect(await late.report()).toMatchObject({ plans: 1 });
    expect(await other.report()).toMatchObject({ plans: 0, rescores: 0 });
  });

  it('does catch up planning as soon as it takes the lease over from a process that died holding it, not at the next trigger', async () => {
    const leases = createLeaseStore(db);
    expect(await leases.acquire(SCHEDULER_LEASE, 'killed-process', T0, LEASE_TTL_MS)).toBe(true);
    const clock = new ManualClock(T0);
    const ticks = new Set<() => void>();
    const leaseTimers: Every = (_ms, tick) => (ticks.add(tick), () => ticks.delete(tick));
    const scheduler = await startScheduler({
      db, background: inProcessJobs(db), notifiers: new Map([['console', new RecordingNotifier()]]), clock,
      logger: createLogger('silent'), render: { currency: 'CNY', defaultLocale: 'en' }, leases, leaseTimers,
    });
    try {
      expect(await readLastPlannedAt(db)).toBeNull();
      clock.set(new Date(T0.getTime() + LEASE_TTL_MS));
      ticks.forEach((tick) => tick());
      await expect.poll(async () => (await readLastPlannedAt(db))?.toISOString()).toBe(at(LEASE_TTL_MS));
    } finally {
      await scheduler.stop();
    }
    expect(ticks.size).toBe(0);
  });
});
