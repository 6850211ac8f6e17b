import { writeTransaction, type StoreHandle } from './stores/store.js';

/**
 * How a long job shares the write lock with other writers (SQLite has one for the whole file;
 * on PostgreSQL short transactions keep row locks short): it commits after holding the lock
 * about `lockMs`, or at once when `othersWaiting()`, and then, with the lock free,
 * `letOthersIn()` waits until they had their turn (see src/background/event-loop-pulse.ts).
 */
export interface WriteSlicing {
  lockMs: number;
  othersWaiting(): boolean;
  /** Resolves when the others had their turn (the worker waits synchronously; a test may write meanwhile). */
  letOthersIn(): void | Promise<void>;
}

/**
 * One unit of a sliced job. It gets the transaction to write through; on SQLite a batch of a
 * module not yet on stores may also run its prepared statements on the raw handle, which is the
 * same connection, inside the same transaction.
 */
export type WriteBatch = (db: StoreHandle) => Promise<void> | void;

/**
 * Runs the batches in order, inside write transactions: all in one without `slicing` (the CLI
 * and tests, where nobody else writes), else as many as fit in `slicing.lockMs` per
 * transaction. Each batch should take a few milliseconds, and must leave the database
 * consistent on its own: a crash between two transactions keeps the batches before it.
 */
export async function writeInSlices(db: StoreHandle, batches: readonly WriteBatch[], slicing?: WriteSlicing): Promise<void> {
  let next = 0;
  while (next < batches.length) {
    // writeTransaction: BEGIN IMMEDIATE on SQLite, so a slice never fails half-way on a busy database.
    await writeTransaction(db, async (kysely) => {
      const within: StoreHandle = { engine: db.engine, kysely };
      const started = performance.now();
      do await batches[next++]!(within);
      while (next < batches.length && (!slicing || (performance.now() - started < slicing.lockMs && !slicing.othersWaiting())));
    });
    if (slicing && next < batches.length && slicing.othersWaiting()) await slicing.letOthersIn();
  }
}

/**
 * Splits ascending `ids` into groups of `size` (positions [from, to)) with id ranges that join
 * up: together they cover every id, also one inserted while a table-wide job works through.
 */
export function coveringIdRanges(ids: ArrayLike<number>, size: number): { from: number; to: number; range: [number, number] }[] {
  if (ids.length === 0) return [{ from: 0, to: 0, range: [0, Number.MAX_SAFE_INTEGER] }];
  const groups: { from: number; to: number; range: [number, number] }[] = [];
  for (let from = 0; from < ids.length; from += size) {
    const to = Math.min(from + size, ids.length);
    const first = from === 0 ? 0 : ids[from - 1]! + 1;
    const last = to === ids.length ? Number.MAX_SAFE_INTEGER : ids[to - 1]!;
    groups.push({ from, to, range: [first, last] });
  }
  return groups;
}

/** `items` in groups of `size`, the last one shorter. */
export function inGroups<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
