import type { WriteSlicing } from '../db/write-slices.js';

/**
 * Lets the background worker see whether the bot's event loop is stuck, so it never starves the
 * bot's own writes. While the worker holds SQLite's write lock, a bot write (an audit row, a
 * Done press, the outbox) waits synchronously in SQLite's busy handler, which sleeps 1, 2, 5,
 * … up to 100 ms between probes: a worker that commits and starts its next transaction at
 * once wins nearly every race (measured: waits of 0.7 s, and SQLITE_BUSY after 5 s). So the
 * bot beats a pulse into shared memory while a job runs; between two transactions the worker
 * checks it, and when the loop has missed its beats it waits, lock free, until the loop is
 * back, i.e. until the stuck write has gone through.
 */

/** How often the bot's event loop beats while a job runs. */
export const PULSE_EVERY_MS = 5;
/** No beat for this long: the loop is stuck (most likely on our lock). */
const STALLED_AFTER_MS = 2 * PULSE_EVERY_MS;
/** Longest wait for a stuck loop: beyond the busy handler's 100 ms probes, short of hurting the job. */
const MAX_WAIT_MS = 250;
/** The worker's transactions hold the write lock about this long. */
const LOCK_MS = 20;

const LAST_BEAT_AT = 0;
const BEATS = 2;

/** Shared memory: the time of the last beat (BigInt64 slot 0) and a beat counter (Int32 slot 2). */
export function createPulseBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(16);
}

/** The bot's side: beats while started; the timer never keeps the process alive. */
export function createPulse(buffer: SharedArrayBuffer): { start(): void; stop(): void } {
  const at = new BigInt64Array(buffer);
  const beats = new Int32Array(buffer);
  let timer: NodeJS.Timeout | null = null;
  const beat = () => {
    Atomics.store(at, LAST_BEAT_AT, BigInt(Date.now()));
    Atomics.add(beats, BEATS, 1);
    Atomics.notify(beats, BEATS);
  };
  return {
    start() {
      beat();
      timer ??= setInterval(beat, PULSE_EVERY_MS).unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** The worker's side: write slicing that commits and waits whenever the bot's event loop is stuck. */
export function slicingFor(buffer: SharedArrayBuffer): WriteSlicing {
  const at = new BigInt64Array(buffer);
  const beats = new Int32Array(buffer);
  return {
    lockMs: LOCK_MS,
    othersWaiting: () => Date.now() - Number(Atomics.load(at, LAST_BEAT_AT)) > STALLED_AFTER_MS,
    letOthersIn() {
      // The lock is free; wake at the next beat, which comes once the loop has done its write.
      Atomics.wait(beats, BEATS, Atomics.load(beats, BEATS), MAX_WAIT_MS);
    },
  };
}
