import { parentPort, workerData } from 'node:worker_threads';
import { connectDatabase, type StoreDatabase } from '../db/store-database.js';
import type { WriteSlicing } from '../db/write-slices.js';
import type { BackgroundJob } from './background-jobs.js';
import { slicingFor } from './event-loop-pulse.js';

/** What the bot passes to a new worker thread. */
export interface WorkerData {
  databaseUrl: string;
  /** The bot's event-loop pulse (event-loop-pulse.ts). */
  pulse: SharedArrayBuffer;
}

/** Bot → worker: one job at a time, numbered. */
export interface JobMessage {
  id: number;
  job: BackgroundJob;
}

/** An error as data: its class name, message and the worker's stack survive the thread boundary. */
export interface ErrorData {
  name: string;
  message: string;
  stack: string | undefined;
  code: string | undefined;
}

/** Worker → bot: the job's result, or why it failed. A failed job leaves the worker running. */
export type ReplyMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

export type JobRunner = (db: StoreDatabase, job: BackgroundJob, slicing: WriteSlicing) => Promise<unknown>;

function errorData(error: unknown): ErrorData {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, stack: error.stack, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(error), stack: undefined, code: undefined };
}

/**
 * The worker thread's side: opens its own connection to the bot's database (SQLite or
 * PostgreSQL, as the URL says), then answers each job message with a reply. A job's error is
 * returned as data; only a failure outside a job (the database will not open) ends the thread,
 * which the bot reports as a crash.
 */
export async function serveJobs(runJob: JobRunner): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveJobs runs in a worker thread');
  const { databaseUrl, pulse } = workerData as WorkerData;
  const db = await connectDatabase(databaseUrl);
  const slicing = slicingFor(pulse);
  // Messages wait in the port until this listener starts it; the bot sends one job at a time.
  port.on('message', async ({ id, job }: JobMessage) => {
    let reply: ReplyMessage;
    try {
      reply = { id, ok: true, value: await runJob(db, job, slicing) };
    } catch (error) {
      reply = { id, ok: false, error: errorData(error) };
    }
    port.postMessage(reply);
  });
}
