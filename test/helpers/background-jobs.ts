/** The background jobs run in the test's own thread, on the test's connection: the same code the worker thread runs. */
export { inThisThread as inProcessJobs } from '../../src/background/background-jobs.js';
