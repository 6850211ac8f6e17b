import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coveringIdRanges, writeInSlices, type WriteSlicing } from '../../src/db/write-slices.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { DEMO_ASOF, demoDatabase } from '../scheduler/helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;

/** Spends `ms` of CPU, as a batch of real writes would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Slices of one batch each; `letOthersIn` runs the given check with the lock free. */
function slicing(between: () => void = () => {}): WriteSlicing & { pauses: number } {
  const s = { lockMs: 0, pauses: 0, othersWaiting: () => true, letOthersIn: () => (s.pauses++, between()) };
  return s;
}

const table = (db: Db, sql: string) => db.sqlite.prepare(sql).all();

describe('writeInSlices', () => {
  let db: Db;
  beforeEach(async () => {
    db = await demoDatabase(10);
  });
  afterEach(async () => db.cleanup());

  it('does commit at once when another writer waits, and leave the lock free while it writes', async () => {
    const other = new BetterSqlite3(db.file, { timeout: 0 });
    const insert = db.sqlite.prepare("INSERT INTO AppState (key, value) VALUES (?, 'job')");
    let waiting = false;
    const batches = Array.from({ length: 6 }, (_, i) => () => {
      insert.run(`job:${i}`);
      // After the third batch, the other writer starts waiting for the lock.
      if (i === 2) waiting = true;
    });
    const order: string[] = [];
    await writeInSlices(db, batches, {
      lockMs: 60_000,
      othersWaiting: () => waiting,
      letOthersIn: () => {
        // busy_timeout 0: a write that meets the lock fails at once with SQLITE_BUSY.
        other.prepare("INSERT INTO AppState (key, value) VALUES ('other', 'other')").run();
        order.push(...(db.sqlite.prepare('SELECT key FROM AppState ORDER BY rowid').pluck().all() as string[]));
        waiting = false;
      },
    });
    other.close();
    expect(order).toEqual(['job:0', 'job:1', 'job:2', 'other']);
    expect(table(db, "SELECT COUNT(*) AS n FROM AppState WHERE value = 'job'")).toEqual([{ n: 6 }]);
  });

  it('does commit after lockMs, keeping the slices before a failing one and rolling back only that one', async () => {
    const insert = db.sqlite.prepare("INSERT INTO AppState (key, value) VALUES (?, 'job')");
    // Each batch takes longer than lockMs, so each is a transaction of its own.
    const batches = [0, 1, 2, 3, 4].map((i) => () => {
      insert.run(`job:${i}`);
      if (i === 4) throw new Error('boom');
      busy(6);
    });
    const noneWaiting = { lockMs: 5, othersWaiting: () => false, letOthersIn: () => {} };
    await expect(writeInSlices(db, batches, noneWaiting)).rejects.toThrow('boom');
    expect(table(db, "SELECT key FROM AppState WHERE value = 'job' ORDER BY key").map((r) => (r as { key: string }).key)).toEqual(['job:0', 'job:1', 'job:2', 'job:3']);
    // Without slicing it is one transaction: nothing of it stays.
    db.sqlite.prepare("DELETE FROM AppState WHERE value = 'job'").run();
    await expect(writeInSlices(db, batches)).rejects.toThrow('boom');
    expect(table(db, "SELECT key FROM AppState WHERE value = 'job'")).toEqual([]);
  });

  it('does cover every id, also ones past the last and in the gaps, with ranges that join up', () => {
    const ranges = coveringIdRanges([3, 5, 9, 10, 20], 2);
    expect(ranges).toEqual([
      { from: 0, to: 2, range: [0, 5] },
      { from: 2, to: 4, range: [6, 10] },
      { from: 4, to: 5, range: [11, Number.MAX_SAFE_INTEGER] },
    ]);
    expect(coveringIdRanges([], 2)).toEqual([{ from: 0, to: 0, range: [0, Number.MAX_SAFE_INTEGER] }]);
  });
});

describe('rescoring and planning in slices', () => {
  let whole: Db;
  let sliced: Db;
  beforeEach(async () => {
    [whole, sliced] = await Promise.all([demoDatabase(1200), demoDatabase(1200)]);
  });
  afterEach(async () => Promise.all([whole.cleanup(), sliced.cleanup()]));

  const scores = (db: Db) => table(db, 'SELECT * FROM ScoreSnapshot ORDER BY customerId, week');
  const checkIns = (db: Db) => table(db, 'SELECT id, lastTouchAt, checkInDueAt FROM Customer ORDER BY id');

  it('does write the same scores and check-ins as one transaction, for a customer added meanwhile too', async () => {
    const added = (db: Db) =>
      db.sqlite
        .prepare(`INSERT INTO Customer (externalId, name, ownerId, status, lastTouchAt, createdAt, updatedAt)
          VALUES ('NEW1', 'Added meanwhile', 3, 'none', ?, ?, ?)`)
        .run(DEMO_ASOF.getTime(), DEMO_ASOF.getTime(), DEMO_ASOF.getTime());
    // The whole run gets its customer before it starts; the sliced one between two slices, after it read the base.
    added(whole);
    await recomputeScores(whole, DEMO_ASOF);
    let first = true;
    const s = slicing(() => (first ? added(sliced) : undefined, (first = false)));
    await recomputeScores(sliced, DEMO_ASOF, { writeSlicing: s });
    expect(s.pauses).toBeGreaterThan(1);
    expect(scores(sliced)).toHaveLength(1200);
    expect(scores(sliced)).toEqual(scores(whole).filter((row) => (row as { customerId: number }).customerId <= 1200));
    expect(checkIns(sliced)).toEqual(checkIns(whole));
    expect(table(sliced, "SELECT checkInDueAt IS NOT NULL AS due FROM Customer WHERE externalId = 'NEW1'")).toEqual([{ due: 1 }]);
  });

  it('does plan the same nudges, check-ins and win-backs as one transaction', async () => {
    for (const db of [whole, sliced]) await recomputeScores(db, DEMO_ASOF);
    const s = slicing();
    await runPlanning(whole, DEMO_ASOF);
    await runPlanning(sliced, DEMO_ASOF, 'all', s);
    expect(s.pauses).toBeGreaterThan(1);
    for (const sql of [
      'SELECT kind, dedupeKey, dueAt, targetKind, targetId, customerId, payload FROM Nudge ORDER BY dedupeKey',
      'SELECT customerId, ownerId, dueAt, dedupeKey FROM Callback ORDER BY id',
      'SELECT * FROM WinbackEpisode ORDER BY customerId, episode',
      'SELECT id, status, checkInDueAt FROM Customer ORDER BY id',
    ]) {
      expect(table(sliced, sql)).toEqual(table(whole, sql));
    }
    expect(table(whole, 'SELECT COUNT(*) AS n FROM WinbackEpisode')).not.toEqual([{ n: 0 }]);
  });
});
