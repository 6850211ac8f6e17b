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
   * connections and processes on either engine (src/db/stores/job-run-store.ts): the (job, runKey) key is unique.
   */
  claim(claim: JobRunClaim): boolean;
  finish(job: string, runKey: string, owner: string, now: Date, error?: string): void;
  /** Whether a run of `job` started at or after `since` finished, or is still held. */
  coveredSince(job: string, since: Date, now: Date): boolean;
}
