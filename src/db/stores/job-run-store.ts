import { MAX_RUN_ATTEMPTS, type JobRuns } from '../../scheduler/job-runs.js';
import type { Async, StoreHandle } from './store.js';

/**
 * The job runs of src/scheduler/job-runs.ts, async and on either engine, plus `renew`: a holder
 * renews its run's lease while it works, so the lease can be short (a minute) and a run whose
 * holder died is taken over within that minute, not after the longest run.
 */
export interface JobRunStore extends Async<JobRuns> {
  /** Extends the lease of a run `owner` still holds; false when it no longer does (another process took it over). */
  renew(job: string, runKey: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
}

/**
 * One claim wins across processes on both engines: the (job, runKey) key is unique, and the
 * claim is one INSERT … ON CONFLICT DO UPDATE … WHERE <takeable>, which SQLite runs under its
 * writer lock and PostgreSQL under the row's lock (a second claimer waits, then re-checks).
 */
export function createJobRunStore({ kysely }: StoreHandle): JobRunStore {
  return {
    async claim(c) {
      const now = c.now.getTime();
      const result = await kysely
        .insertInto('JobRun')
        .values({ job: c.job, runKey: c.runKey, reason: c.reason, status: 'running', attempts: 1, owner: c.owner, startedAt: now, leaseUntil: now + c.leaseMs })
        .onConflict((oc) =>
          oc
            .columns(['job', 'runKey'])
            .doUpdateSet((eb) => ({
              reason: eb.ref('excluded.reason'),
              status: 'running',
              attempts: eb('JobRun.attempts', '+', 1),
              owner: eb.ref('excluded.owner'),
              startedAt: eb.ref('excluded.startedAt'),
              leaseUntil: eb.ref('excluded.leaseUntil'),
              finishedAt: null,
              error: null,
            }))
            .where((eb) =>
              eb.or([
                eb.and([eb('JobRun.status', '=', 'failed'), eb('JobRun.attempts', '<', MAX_RUN_ATTEMPTS)]),
                eb.and([eb('JobRun.status', '=', 'running'), eb('JobRun.leaseUntil', '<=', now)]),
              ]),
            ),
        )
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    async finish(job, runKey, owner, now, error) {
      await kysely
        .updateTable('JobRun')
        .set({ status: error === undefined ? 'done' : 'failed', finishedAt: now.getTime(), error: error ?? null })
        .where('job', '=', job)
        .where('runKey', '=', runKey)
        .where('owner', '=', owner)
        .where('status', '=', 'running')
        .execute();
    },
    async coveredSince(job, since, now) {
      const row = await kysely
        .selectFrom('JobRun')
        .select('id')
        .where('job', '=', job)
        .where('startedAt', '>=', since.getTime())
        .where((eb) => eb.or([eb('status', '=', 'done'), eb.and([eb('status', '=', 'running'), eb('leaseUntil', '>', now.getTime())])]))
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    async renew(job, runKey, owner, now, leaseMs) {
      const result = await kysely
        .updateTable('JobRun')
        .set({ leaseUntil: now.getTime() + leaseMs })
        .where('job', '=', job)
        .where('runKey', '=', runKey)
        .where('owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
