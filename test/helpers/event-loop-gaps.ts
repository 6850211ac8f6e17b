import fs from 'node:fs';
import { createBackgroundWorker, type BackgroundWorker } from '../../src/background/background-worker.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { openTempDatabase } from './temp-database.js';

/**
 * How long this process's runnable threads have waited for a CPU so far, in ms (Linux
 * schedstat; 0 elsewhere). On a shared machine with more busy threads than cores, the OS
 * alone stretches a gap (an idle process here saw 100–140 ms); that time is not the bot's.
 */
function offCpuMs(): number {
  if (!fs.existsSync('/proc/self/task')) return 0;
  let waitedNs = 0;
  for (const task of fs.readdirSync('/proc/self/task')) {
    try {
      waitedNs += Number(fs.readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return waitedNs / 1e6;
}

/** One gap between two beats, and how much of it the OS kept this process off the CPU. */
export interface BeatGap {
  ms: number;
  offCpuMs: number;
}

/**
 * Beats every `everyMs` on the event loop, as a chat platform's heartbeat needs it to, and
 * records each gap; `onBeat` runs on every beat (a write, as lookups do). `stop` ends it.
 */
export function startHeartbeat(everyMs: number, onBeat: (beat: number) => void = () => {}): { gaps: BeatGap[]; stop(): void } {
  const gaps: BeatGap[] = [];
  let beats = 0;
  let last = performance.now();
  let lastOffCpu = offCpuMs();
  const timer = setInterval(() => {
    const now = performance.now();
    const offCpu = offCpuMs();
    gaps.push({ ms: now - last, offCpuMs: offCpu - lastOffCpu });
    last = now;
    lastOffCpu = offCpu;
    onBeat(++beats);
  }, everyMs);
  return { gaps, stop: () => clearInterval(timer) };
}

/** The longest gap, and the bot's part of the longest: what is left when the time off the CPU is taken out. */
export function longestGaps(gaps: readonly BeatGap[]): { longest: number; botsLongest: number } {
  return { longest: Math.max(...gaps.map((g) => g.ms)), botsLongest: Math.max(...gaps.map((g) => g.ms - g.offCpuMs)) };
}

export type TempDatabase = Awaited<ReturnType<typeof openTempDatabase>>;

/**
 * A temporary database of `customers` demo customers as of `asOf`, then `prepare`d (scored,
 * say), with the bot's background worker on it; `close` ends both.
 */
export async function demoWithWorker(
  customers: number, asOf: Date, prepare: (db: TempDatabase) => Promise<unknown> = async () => {},
): Promise<{ db: TempDatabase; worker: BackgroundWorker; close(): Promise<void> }> {
  const db = await openTempDatabase();
  await seedDemoData(db, { customers, seed: 42, asOf });
  await prepare(db);
  const worker = createBackgroundWorker({ databaseUrl: db.url, logger: { error() {} } });
  return {
    db,
    worker,
    async close() {
      await worker.close();
      await db.cleanup();
    },
  };
}
