import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coveringIdRanges, writeInSlices, type WriteSlicing } from '../../src/db/write-slices.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { describeEngines, describeSqlite, type EngineTestDatabase, type TestEngine } from '../helpers/engines.js';
import { DEMO_ASOF, demoDatabase } from '../scheduler/helpers.js';

type Db = EngineTestDatabase<TestEngine>;

/** Spends `ms` of CPU, as a batch of real writes would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Slices of one batch each; `letOthersIn` runs the given check with the lock free. */
function slicing(between: () => void | Promise<void> = () => {}): WriteSlicing & { pauses: number } {
  const s = { lockMs: 0, pauses: 0, othersWaiting: () => true, letOthersIn: () => (s.pauses++, between()) };
  return s;
}

describeEngines('writeInSlices', (engine) => {
  let db: EngineTestDatabase<TestEngine>;
  beforeEach(async () => {
    db = await demoDatabase(10, DEMO_ASOF, engine);
  });
  afterEach(async () => db.cleanup());

  it('does commit after lockMs, keeping the slices before a failing one and rolling back only that one', async () => {
    // Each batch takes longer than lockMs, so each is a transaction of its own.
    const batches = [0, 1, 2, 3, 4].map((i) => async ({ kysely }: StoreHandle) => {
      await kysely.insertInto('AppState').values({ key: `job:${i}`, value: 'job' }).execute();
      if (i === 4) throw new Error('boom');
      busy(6);
    });
    const jobs = async () => (await db.kysely.selectFrom('AppState').select('key').where('value', '=', 'job').orderBy('key').execute()).map((r) => r.key);
    const noneWaiting = { lockMs: 5, othersWaiting: () => false, letOthersIn: () => {} };
    await expect(writeInSlices(db, batches, noneWaiting)).rejects.toThrow('boom');
    expect(await jobs()).toEqual(['job:0', 'job:1', 'job:2', 'job:3']);
    // Without slicing it is one transaction: nothing of it stays.
    await db.kysely.deleteFrom('AppState').where('value', '=', 'job').execute();
    await expect(writeInSlices(db, batches)).rejects.toThrow('boom');
    expect(await jobs()).toEqual([]);
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

// SQLite's write lock: a second connection that does not wait (busy_timeout 0) gets in between slices.
describeSqlite('writeInSlices beside another SQLite connection', () => {
  let db: EngineTestDatabase<'sqlite'>;
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
    expect(db.sqlite.prepare("SELECT COUNT(*) AS n FROM AppState WHERE value = 'job'").all()).toEqual([{ n: 6 }]);
  });
});

describeEngines('rescoring and planning in slices', (engine) => describe('the same as one transaction', () => {
  let whole: Db;
  let sliced: Db;
  beforeEach(async () => {
    [whole, sliced] = await Promise.all([demoDatabase(1200, DEMO_ASOF, engine), demoDatabase(1200, DEMO_ASOF, engine)]);
  });
  afterEach(async () => Promise.all([whole.cleanup(), sliced.cleanup()]));

  const scores = (db: Db) => db.kysely.selectFrom('ScoreSnapshot').selectAll().orderBy('customerId').orderBy('week').execute();
  const checkIns = (db: Db) => db.kysely.selectFrom('Customer').select(['id', 'lastTouchAt', 'checkInDueAt']).orderBy('id').execute();

  it('does write the same scores and check-ins as one transaction, for a customer added meanwhile too', async () => {
    const at = DEMO_ASOF.getTime();
    // letOthersIn is awaited, so the customer is in before the next slice.
    const added = async (db: Db) => {
      await db.kysely
        .insertInto('Customer')
        .values({ externalId: 'NEW1', name: 'Added meanwhile', ownerId: 3, status: 'none', lastTouchAt: at, createdAt: at, updatedAt: at })
        .execute();
    };
    // The whole run gets its customer before it starts; the sliced one between two slices, after it read the base.
    await added(whole);
    await recomputeScores(whole, DEMO_ASOF);
    let first = true;
    const s = slicing(async () => {
      if (first) await added(sliced);
      first = false;
    });
    await recomputeScores(sliced, DEMO_ASOF, { writeSlicing: s });
    expect(s.pauses).toBeGreaterThan(1);
    expect(await scores(sliced)).toHaveLength(1200);
    expect(await scores(sliced)).toEqual((await scores(whole)).filter((row) => row.customerId <= 1200));
    expect(await checkIns(sliced)).toEqual(await checkIns(whole));
    const addedMeanwhile = await sliced.kysely.selectFrom('Customer').select('checkInDueAt').where('externalId', '=', 'NEW1').executeTakeFirstOrThrow();
    expect(addedMeanwhile.checkInDueAt).not.toBeNull();
  });

  it('does plan the same nudges, check-ins and win-backs as one transaction', async () => {
    for (const db of [whole, sliced]) await recomputeScores(db, DEMO_ASOF);
    const s = slicing();
    await runPlanning(whole, DEMO_ASOF);
    await runPlanning(sliced, DEMO_ASOF, 'all', s);
    expect(s.pauses).toBeGreaterThan(1);
    const planned = async ({ kysely }: Db) => ({
      nudges: await kysely.selectFrom('Nudge').select(['kind', 'dedupeKey', 'dueAt', 'targetKind', 'targetId', 'customerId', 'payload']).orderBy('dedupeKey').execute(),
      callbacks: await kysely.selectFrom('Callback').select(['customerId', 'ownerId', 'dueAt', 'dedupeKey']).orderBy('id').execute(),
      plans: await kysely.selectFrom('WinbackEpisode').selectAll().orderBy('customerId').orderBy('episode').execute(),
      customers: await kysely.selectFrom('Customer').select(['id', 'status', 'checkInDueAt']).orderBy('id').execute(),
    });
    const wholeRun = await planned(whole);
    expect(await planned(sliced)).toEqual(wholeRun);
    expect(wholeRun.plans).not.toEqual([]);
  });
}));
