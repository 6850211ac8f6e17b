import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCustomerDirectory } from '../../src/db/customer-directory.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { createPlanningStore } from '../../src/db/stores/planning-store.js';
import { buildWeeklyDigest } from '../../src/scheduler/weekly-digest.js';
import { ensureScoresCurrent, recomputeScores } from '../../src/scoring/recompute.js';
import { SCORES_USAGE } from '../../src/scoring/scores-cli.js';
import { latestSnapshot } from '../../src/scoring/snapshots.js';
import { runScores } from './scores-helpers.js';
import { openTempDatabase, tempDir } from '../helpers/temp-database.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const DAY = 86_400_000;
let db: Awaited<ReturnType<typeof openTempDatabase>>;
let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  db = await openTempDatabase();
  dir = tempDir();
});
afterEach(async () => {
  await db.cleanup();
  dir.cleanup();
});

const scores = (argv: string[]) => runScores(db, argv, NOW);

const weeks = () => db.sqlite.prepare('SELECT DISTINCT week FROM ScoreSnapshot ORDER BY week').pluck().all();

/** The week each reader of scores shows: the card's, the list's, the digest's and the planner's. */
async function weeksReadersShow(): Promise<string[]> {
  const id = db.sqlite.prepare('SELECT customerId FROM ScoreSnapshot LIMIT 1').pluck().get() as number;
  const card = await createCustomerDirectory(db).card(id, NOW);
  const list = await createCustomerDirectory(db).list({}, { kind: 'all' }, { offset: 0, limit: 1 });
  const listed = db.sqlite.prepare('SELECT week FROM ScoreSnapshot WHERE customerId = ? ORDER BY week DESC').pluck().all(list.rows[0]!.id) as string[];
  const digest = await buildWeeklyDigest(db, { kind: 'all' }, NOW, 'UTC');
  // The planner's win-back candidates come from the current week: make one customer at risk there, everyone elsewhere lapsed.
  db.sqlite.prepare("UPDATE ScoreSnapshot SET lifecycle = CASE WHEN week = '2026-W48' THEN (CASE WHEN customerId = ? THEN 'at_risk' ELSE 'active' END) ELSE 'lapsed' END").run(id);
  const planned = await createPlanningStore(db).winbackCandidates();
  const plannedAsOf = planned.map((p) => `${p.customerId === id ? 'that customer' : 'another'} ${p.latestScore?.lifecycle} as of ${new Date(p.latestScore!.asOf).toISOString().slice(0, 10)}`);
  return [card!.score!.week, listed.includes(card!.score!.week) ? card!.score!.week : 'other', digest.week ?? 'none', ...plannedAsOf];
}

describe('scores as of other days', () => {
  beforeEach(async () => {
    await seedDemoData(db, { customers: 60, seed: 42, asOf: NOW });
  });

  it('does refuse an as-of in the future, write nothing and keep today’s scores current', async () => {
    expect((await scores([])).code).toBe(0);
    const future = await scores(['--as-of', '2099-01-01']);
    expect(future.code).toBe(2);
    expect(future.text.split('\n')[0]).toBe('--as-of 2099-01-01 is in the future: scores are computed up to today (2026-11-23)');
    expect(future.text).toContain(SCORES_USAGE);
    expect(weeks()).toEqual(['2026-W48']);
    expect(await weeksReadersShow()).toEqual(['2026-W48', '2026-W48', '2026-W48', 'that customer at_risk as of 2026-11-23']);
  });

  it('does run a past as-of as a what-if that writes nothing, and file it under its week only with --write', async () => {
    expect((await scores([])).code).toBe(0);
    const whatIf = await scores(['--as-of', '2026-08-03']);
    expect(whatIf.code).toBe(0);
    expect(whatIf.text).toContain('as of 2026-08-03, week 2026-W32, in');
    expect(whatIf.text).toContain('a what-if, nothing written (add --write to file it under week 2026-W32)');
    expect(weeks()).toEqual(['2026-W48']);
    const written = await scores(['--as-of', '2026-08-03', '--write']);
    expect(written.text).toContain('(filed under that week)');
    expect(weeks()).toEqual(['2026-W32', '2026-W48']);
    // Every reader still shows the latest real run's scores.
    expect(await weeksReadersShow()).toEqual(['2026-W48', '2026-W48', '2026-W48', 'that customer at_risk as of 2026-11-23']);
  });

  it('does refuse to --write a past day of the current week, which would replace today’s scores', async () => {
    const wednesday = new Date('2026-11-25T09:00:00Z');
    expect((await runScores(db, [], wednesday)).code).toBe(0);
    const monday = await runScores(db, ['--as-of', '2026-11-23', '--write'], wednesday);
    expect(monday.code).toBe(2);
    expect(monday.text.split('\n')[0]).toBe(
      '--write files a past day under its week, but 2026-11-23 is in this week (2026-W48), which holds today’s scores: pick a day before 2026-11-23, or leave out --write for a what-if',
    );
    const id = db.sqlite.prepare('SELECT customerId FROM ScoreSnapshot LIMIT 1').pluck().get() as number;
    expect((await latestSnapshot(db, id))!.asOf).toEqual(wednesday);
    expect((await runScores(db, ['--as-of', '2026-11-23'], wednesday)).code).toBe(0);
  });

  it('does export a what-if without writing it, every cell escaped against formula injection', async () => {
    db.sqlite.prepare("UPDATE Customer SET name = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE id = 1").run();
    const file = path.join(dir.dir, 'what-if.csv');
    expect((await scores(['--as-of', '2026-10-01', '--export', file])).code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(61);
    expect(lines[1]).toMatch(/^C000001,"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",/);
    expect(weeks()).toEqual(['2026-W48']);
  });

  it('does say in one line that the export folder does not exist, before computing anything', async () => {
    // A FatalError: the CLI prints its message as one line and exits 1 (test/cli.e2e.test.ts).
    await expect(scores(['--export', path.join(dir.dir, 'missing', 'scores.csv')])).rejects.toThrow(/^--export .*missing\/scores\.csv: cannot write there: /);
    expect(weeks()).toEqual([]);
  });

  it('does print the usage and exit 0 on --help', async () => {
    const result = await scores(['--help']);
    expect(result.code).toBe(0);
    expect(result.text).toContain(SCORES_USAGE);
    expect(weeks()).toEqual([]);
  });
});

describe('data an older version stored', () => {
  it('does migrate away future scores, keep orders from before 1970 and score them without failing', async () => {
    const file = path.join(dir.dir, 'old.db');
    const sqlite = new BetterSqlite3(file);
    const all = readMigrations();
    const at = all.findIndex((m) => m.name.endsWith('_order_refunds_and_occurrences'));
    migrate(sqlite, all.slice(0, at));
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
    sqlite.exec(`INSERT INTO Customer (id, externalId, name, createdAt, updatedAt) VALUES (1, 'OLD', 'Old timer', 0, 0), (2, 'NEW', 'Newer', 0, 0);
      INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES
        (1, ${day('1900-01-01')}, 1000, 0), (1, ${day('1969-12-31')}, 1000, 0), (1, ${day('2026-10-01')}, 1000, 0),
        (2, ${day('2026-09-01')}, 500, 0), (2, ${day('2026-09-01')}, 500, 0);
      INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, frequency, monetaryMinor, lifetimeMinor, orderCount, tier, valueBand, lifecycle)
        VALUES (1, '2099-W01', ${NOW.getTime()}, ${day('2099-01-01')}, 0, 0, 0, 3, 'D', 'low', 'lapsed'),
               (1, '2026-W47', ${NOW.getTime() - 7 * DAY}, ${NOW.getTime() - 7 * DAY}, 1, 1000, 3000, 3, 'B', 'mid', 'active');`);
    sqlite.close();

    const old = await openDatabase(`file:${file}`);
    try {
      expect(old.migration.applied).toEqual(all.slice(at).map((m) => m.name));
      expect(old.sqlite.prepare('SELECT week FROM ScoreSnapshot').pluck().all()).toEqual(['2026-W47']);
      // The two identical orders without an id (stored by an older import) are occurrences 1 and 2.
      expect(old.sqlite.prepare('SELECT occurrence FROM "Order" WHERE customerId = 2 ORDER BY id').pluck().all()).toEqual([1, 2]);
      expect(await ensureScoresCurrent(old, NOW)).toEqual({ recomputed: true, reason: 'never_scored' });
      const report = await recomputeScores(old, NOW);
      expect(report.customers).toBe(2);
      expect(await latestSnapshot(old, 1)).toMatchObject({ week: '2026-W48', orderCount: 3, lifetimeMinor: 3000, lastOrderAt: new Date(day('2026-10-01')) });
    } finally {
      await old.close();
    }
  });
});
