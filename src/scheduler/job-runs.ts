import type { Sqlite } from '../db/database.js';

/** A failed run of a slot is tried again at later fires, this many times in all. */
export const MAX_RUN_ATTEMPTS = 3;

export interface JobRunClaim {
  job: string;
  runKey: string;
  reason: string;
  owner: string;
  now: Date;
  /** Until then nobody else takes the run over, even if it still shows `running`. */
  leaseMs: number;
}

export interface JobRuns {
  /**
   * Takes the run for `runKey`: true when it is new, failed fewer than MAX_RUN_ATTEMPTS
   * times, or held by an owner whose lease ran out (it died). One claim wins, across
   * connections and processes: the (job, runKey) key is unique and SQLite writes one at a time.
   */
  claim(claim: JobRunClaim): boolean;
  finish(job: string, runKey: string, owner: string, now: Date, error?: string): void;
  /** Whether a run of `job` started at or after `since` finished, or is still held. */
  coveredSince(job: string, since: Date, now: Date): boolean;
}

export function createJobRuns(sqlite: Sqlite): JobRuns {
  const claim = sqlite.prepare(`INSERT INTO JobRun (job, runKey, reason, status, attempts, owner, startedAt, leaseUntil)
    VALUES (@job, @runKey, @reason, 'running', 1, @owner, @now, @leaseUntil)
    ON CONFLICT(job, runKey) DO UPDATE SET reason = excluded.reason, status = 'running', attempts = JobRun.attempts + 1,
      owner = excluded.owner, startedAt = excluded.startedAt, leaseUntil = excluded.leaseUntil, finishedAt = NULL, error = NULL
    WHERE (JobRun.status = 'failed' AND JobRun.attempts < ${MAX_RUN_ATTEMPTS}) OR (JobRun.status = 'running' AND JobRun.leaseUntil <= @now)`);
  const finish = sqlite.prepare(`UPDATE JobRun SET status = @status, finishedAt = @now, error = @error
    WHERE job = @job AND runKey = @runKey AND owner = @owner AND status = 'running'`);
  const covered = sqlite.prepare(`SELECT EXISTS (SELECT 1 FROM JobRun WHERE job = @job AND startedAt >= @since
    AND (status = 'done' OR (status = 'running' AND leaseUntil > @now)))`).pluck();
  return {
    claim: (c) =>
      claim.run({ job: c.job, runKey: c.runKey, reason: c.reason, owner: c.owner, now: c.now.getTime(), leaseUntil: c.now.getTime() + c.leaseMs })
        .changes === 1,
    finish(job, runKey, owner, now, error) {
      finish.run({ job, runKey, owner, now: now.getTime(), status: error === undefined ? 'done' : 'failed', error: error ?? null });
    },
    coveredSince: (job, since, now) => covered.get({ job, since: since.getTime(), now: now.getTime() }) === 1,
  };
}
