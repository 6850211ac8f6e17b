/** The background worker thread's entry module (see background-worker.ts). */
import { runBackgroundJob } from './background-jobs.js';
import { serveJobs } from './job-server.js';

await serveJobs(runBackgroundJob);
