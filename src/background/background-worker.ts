import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { BackgroundJob, BackgroundJobs, BackgroundResult } from './background-jobs.js';
import { createPulse, createPulseBuffer } from './event-loop-pulse.js';
import type { ErrorData, JobMessage, ReplyMessage, WorkerData } from './job-server.js';

export interface BackgroundWorkerOptions {
  databaseUrl: string;
  logger: Pick<Logger, 'error'>;
  /**
   * The thread's entry module. Default: `background-thread` beside this module — the `.ts`
   * source under tsx and vitest, the `.js` file when compiled (a bundler must emit it as an
   * entry of its own, next to the module that holds this code).
   */
  entry?: URL;
}

/** The bot's background worker: one thread with its own database connection, one job at a time. */
export interface BackgroundWorker extends BackgroundJobs {
  /**
   * Ends the thread now. Queued jobs are refused; a running one is cut short, and SQLite rolls
   * back its open transaction (every job is safe to run again).
   */
  close(): Promise<void>;
}

/** A job failed inside the worker; the stack is the worker's, where it failed. The worker goes on. */
export class BackgroundJobError extends Error {
  override readonly name = 'BackgroundJobError';
  readonly code: string | undefined;
  constructor(
    readonly job: BackgroundJob['kind'],
    cause: ErrorData,
  ) {
    super(`${job} job failed: ${cause.name}: ${cause.message}`);
    this.code = cause.code;
    this.stack = `${this.name}: ${this.message}\n${(cause.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
}

/** The worker thread died (out of memory, an uncaught error); the next job starts a new one. */
export class BackgroundWorkerCrash extends Error {
  override readonly name = 'BackgroundWorkerCrash';
  constructor(
    readonly exitCode: number,
    readonly job: BackgroundJob['kind'] | null,
    cause: Error | null,
  ) {
    super(`background worker exited with code ${exitCode}${job ? ` during a ${job} job` : ''}${cause ? `: ${cause.message}` : ''}`, { cause });
  }
}

export class BackgroundWorkerClosed extends Error {
  override readonly name = 'BackgroundWorkerClosed';
  constructor(job: BackgroundJob['kind']) {
    super(`background worker closed; ${job} job not run to the end`);
  }
}

interface RunningJob {
  id: number;
  kind: BackgroundJob['kind'];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const SOURCE_ENTRY = import.meta.url.endsWith('.ts');
const DEFAULT_ENTRY = new URL(SOURCE_ENTRY ? './background-thread.ts' : './background-thread.js', import.meta.url);

/**
 * Starts a thread for `entry`. TypeScript sources need tsx's loader inside the thread first
 * (Node 20 ignores `--import` in a worker's execArgv), so they start through a one-line module
 * that registers it; compiled JavaScript starts directly.
 */
function spawn(entry: URL, data: WorkerData): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: data });
}

/**
 * The bot's side of the background worker. Jobs run one after another in the order given; a
 * job's error rejects its `run` with `BackgroundJobError`. When the thread dies, the crash is
 * logged, the job it was running rejects with `BackgroundWorkerCrash`, and the next job starts
 * a fresh thread. The thread is created on the first job and does not keep the process alive
 * while idle.
 */
export function createBackgroundWorker(options: BackgroundWorkerOptions): BackgroundWorker {
  const entry = options.entry ?? DEFAULT_ENTRY;
  let thread: Worker | null = null;
  let running: RunningJob | null = null;
  let closed = false;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  const pulseBuffer = createPulseBuffer();
  const pulse = createPulse(pulseBuffer);

  function start(): Worker {
    const worker = spawn(entry, { databaseUrl: options.databaseUrl, pulse: pulseBuffer });
    let uncaught: Error | null = null;
    worker.unref();
    worker.on('message', (reply: ReplyMessage) => {
      const job = running;
      if (!job || reply.id !== job.id) return;
      running = null;
      worker.unref();
      pulse.stop();
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new BackgroundJobError(job.kind, reply.error));
    });
    // An uncaught error in the thread: 'exit' follows.
    worker.on('error', (error) => (uncaught = error));
    worker.on('exit', (exitCode) => {
      if (thread === worker) thread = null;
      const job = running;
      running = null;
      pulse.stop();
      if (closed) return job?.reject(new BackgroundWorkerClosed(job.kind));
      const crash = new BackgroundWorkerCrash(exitCode, job?.kind ?? null, uncaught);
      options.logger.error({ err: crash }, 'background worker crashed; the next job starts a new one');
      job?.reject(crash);
    });
    return worker;
  }

  function execute(job: BackgroundJob): Promise<unknown> {
    if (closed) return Promise.reject(new BackgroundWorkerClosed(job.kind));
    const worker = (thread ??= start());
    return new Promise((resolve, reject) => {
      running = { id: nextId++, kind: job.kind, resolve, reject };
      // Referenced while a job runs, so a caller awaiting it keeps the process alive.
      worker.ref();
      pulse.start();
      worker.postMessage({ id: running.id, job } satisfies JobMessage);
    });
  }

  return {
    run<J extends BackgroundJob>(job: J): Promise<BackgroundResult<J>> {
      const result = queue.then(() => execute(job));
      queue = result.catch(() => {});
      return result as Promise<BackgroundResult<J>>;
    },
    async close() {
      closed = true;
      await thread?.terminate();
      await queue;
    },
  };
}
