import { runBackgroundJob, type BackgroundJobs } from '../../src/background/background-jobs.js';
import type { Database } from '../../src/db/database.js';

/** The background jobs run in the test's own thread, on the test's connection: the same code the worker thread runs. */
export function inProcessJobs(db: Database): BackgroundJobs {
  return { run: (job) => runBackgroundJob(db, job) };
}
