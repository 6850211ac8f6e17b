import type { Sqlite } from './database.js';

/**
 * How a long job shares SQLite's single write lock with other writers: it commits after
 * holding the lock about `lockMs`, or at once when `othersWaiting()`, and then, with the lock
 * free, `letOthersIn()` waits until they had their turn (see src/background/event-loop-pulse.ts).
 */
export interface WriteSlicing {
  lockMs: number;
  othersWaiting(): boolean;
  letOthersIn(): void;
}

/**
 * Runs the batches in order, inside write transactions: all in one without `slicing` (the CLI
 * and tests, where nobody else writes), else as many as fit in `slicing.lockMs` per
 * transaction. Each batch should take a few milliseconds, and must leave the database
 * consistent on its own: a crash between two transactions keeps the batches before it.
 */
export function writeInSlices(sqlite: Sqlite, batches: readonly (() => void)[], slicing?: WriteSlicing): void {
  if (!slicing) {
    sqlite.transaction(() => batches.forEach((batch) => batch()))();
    return;
  }
  let next = 0;
  const slice = sqlite.transaction(() => {
    const started = performance.now();
    do batches[next++]!();
    while (next < batches.length && performance.now() - started < slicing.lockMs && !slicing.othersWaiting());
  });
  while (next < batches.length) {
    // IMMEDIATE: take the write lock at the start, so a slice never fails half-way on a busy database.
    slice.immediate();
    if (next < batches.length && slicing.othersWaiting()) slicing.letOthersIn();
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
