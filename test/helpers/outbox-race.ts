import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDatabase } from '../../src/db/store-database.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import type { PlannedNudge } from '../../src/scheduler/outbox.js';
import { tempDir } from './temp-database.js';

const RACER = path.join(import.meta.dirname, '..', 'db', 'stores', 'fixtures', 'outbox-racer.ts');

export interface RaceReport {
  durationMs: number;
  /** Rows each worker sent. */
  perWorker: number[];
  /** Sends in all, and how many rows were sent more than once. */
  sends: number;
  duplicates: number;
  /** Rows a worker sent but could not mark sent (its claim was no longer its own). */
  lost: number;
  /** Rows marked sent in the database, against the distinct rows the workers sent. */
  sentInDatabase: number;
  distinctSent: number;
  /** Claimed and never finished: must be 0, every worker finishes its batch. */
  leftClaimed: number;
  rowsPerSecond: number;
}

/**
 * Separate processes racing claims on the same due rows of one outbox for `durationMs`, while
 * this process keeps rows coming (a planner's part). Used by the race test (a few seconds) and
 * `npm run bench -- outbox` (30 s).
 */
export async function raceOutboxClaims(url: string, options: { durationMs: number; workers?: number; batch?: number }): Promise<RaceReport> {
  const workers = options.workers ?? 2;
  const db = await connectDatabase(url);
  const outbox = createOutboxStore(db);
  const work = tempDir('rapport-race-');
  let planned = 0;
  const plan = (count: number) =>
    outbox.insert(
      Array.from({ length: count }, (): PlannedNudge => {
        planned++;
        return { kind: 'birthday', dedupeKey: `race:${planned}`, dueAt: new Date(Date.now() - 60_000), target: { kind: 'rep', id: 1 }, customerId: null, payload: {} };
      }),
      new Date(),
    );
  try {
    await plan(5000);
    const reports = Array.from({ length: workers }, (_, i) => path.join(work.dir, `worker-${i}.json`));
    const children = reports.map((report) => fork(RACER, [url, String(options.batch ?? 10), report], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
    const exited = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', resolve)));
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const started = Date.now();
    const deadline = started + options.durationMs;
    children.forEach((child) => child.send(String(deadline)));
    while (Date.now() < deadline) {
      if ((await outbox.depth(new Date())).due < 3000) await plan(5000);
      await sleep(50);
    }
    const codes = await Promise.all(exited);
    if (codes.some((code) => code !== 0)) throw new Error(`a racing worker failed (exit codes ${codes.join(', ')})`);
    const done = reports.map((report) => JSON.parse(fs.readFileSync(report, 'utf8')) as { sent: number[]; lost: number[] });
    const all = done.flatMap((d) => d.sent);
    const distinct = new Set(all);
    const counts = await outbox.countsByStatus();
    return {
      durationMs: Date.now() - started,
      perWorker: done.map((d) => d.sent.length),
      sends: all.length,
      duplicates: all.length - distinct.size,
      lost: done.reduce((n, d) => n + d.lost.length, 0),
      sentInDatabase: counts.sent,
      distinctSent: distinct.size,
      leftClaimed: counts.claimed,
      rowsPerSecond: all.length / (options.durationMs / 1000),
    };
  } finally {
    await db.close();
    work.cleanup();
  }
}
