import { Readable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { ManualClock } from '../../src/clock.js';
import { createCallbackBook } from '../../src/db/callback-book.js';
import { createCustomerDirectory } from '../../src/db/customer-directory.js';
import type { Database } from '../../src/db/database.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { createTeamDirectory } from '../../src/db/team-directory.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { cadenceIntervalMs, DEFAULT_CADENCE_DAYS, UNSCORED_TIER } from '../../src/domain/schedule/cadence.js';
import { isTier } from '../../src/domain/tier.js';
import { dedupeKey } from '../../src/domain/schedule/dedupe-keys.js';
import { parseScheduleSettings } from '../../src/domain/schedule/schedule-settings.js';
import { importStream, type ImportOptions } from '../../src/import/import-run.js';
import { undoImportRun } from '../../src/import/undo.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { tempDir } from '../helpers/temp-database.js';
import { DEMO_ASOF, demoDatabase } from '../scheduler/helpers.js';

type Db = Database & { cleanup: () => Promise<void> };

/**
 * The oracle: each customer's last touch and next check-in worked out in plain code from the
 * source rows, the way the cadence rule reads (db/check-ins.ts keeps them in SQL).
 */
function expectedCheckIns(sqlite: Database['sqlite']): Map<number, { lastTouchAt: number; checkInDueAt: number | null }> {
  const max = (sql: string) => new Map((sqlite.prepare(sql).all() as { id: number; at: number }[]).map((r) => [r.id, r.at]));
  const orders = max('SELECT customerId AS id, MAX(orderedAt) AS at FROM "Order" GROUP BY customerId');
  // A handover note is no contact.
  const interactions = max("SELECT customerId AS id, MAX(at) AS at FROM Interaction WHERE kind <> 'handover' GROUP BY customerId");
  const done = max("SELECT customerId AS id, MAX(completedAt) AS at FROM Callback WHERE status = 'done' GROUP BY customerId");
  const week = sqlite.prepare('SELECT MAX(week) FROM ScoreSnapshot').pluck().get() as string | null;
  const scores = new Map((sqlite.prepare('SELECT customerId AS id, tier, lifecycle FROM ScoreSnapshot WHERE week = ?').all(week) as { id: number; tier: string; lifecycle: string }[]).map((r) => [r.id, r]));
  const keys = new Set(sqlite.prepare('SELECT dedupeKey FROM Callback WHERE dedupeKey IS NOT NULL').pluck().all() as string[]);
  const teams = new Map((sqlite.prepare('SELECT id, settings FROM Team').all() as { id: number; settings: string }[]).map((t) => [t.id, parseScheduleSettings(t.settings)]));
  const customers = sqlite
    .prepare('SELECT c.id, c.createdAt, c.ownerId, r.teamId FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId')
    .all() as { id: number; createdAt: number; ownerId: number | null; teamId: number | null }[];
  const result = new Map<number, { lastTouchAt: number; checkInDueAt: number | null }>();
  for (const c of customers) {
    const touches = [orders.get(c.id), interactions.get(c.id), done.get(c.id)].filter((t): t is number => typeof t === 'number' && t > 0);
    const lastTouchAt = touches.length > 0 ? Math.max(...touches) : c.createdAt;
    const score = scores.get(c.id);
    const tier = isTier(score?.tier) ? score.tier : UNSCORED_TIER;
    const settings = (c.teamId === null ? undefined : teams.get(c.teamId)) ?? parseScheduleSettings('{}');
    // New customers, prospects and the won back keep their stage's cadence, everyone else their tier's.
    const lifecycle = score?.lifecycle ?? (orders.has(c.id) ? undefined : 'prospect');
    const stage = ({ new: 'new', prospect: 'prospect', won_back: 'won-back' } as const)[lifecycle as 'new' | 'prospect' | 'won_back'];
    const interval = stage ? settings.stageCadenceDays[stage] * DAY_MS : cadenceIntervalMs(tier, settings.cadenceDays ?? DEFAULT_CADENCE_DAYS);
    const planned = keys.has(dedupeKey.cadence(c.id, new Date(lastTouchAt)));
    result.set(c.id, { lastTouchAt, checkInDueAt: c.ownerId === null || planned ? null : lastTouchAt + interval });
  }
  return result;
}

function stored(sqlite: Database['sqlite']): Map<number, { lastTouchAt: number; checkInDueAt: number | null }> {
  const rows = sqlite.prepare('SELECT id, lastTouchAt, checkInDueAt FROM Customer').all() as { id: number; lastTouchAt: number; checkInDueAt: number | null }[];
  return new Map(rows.map((r) => [r.id, { lastTouchAt: r.lastTouchAt, checkInDueAt: r.checkInDueAt }]));
}

const clock = new ManualClock(DEMO_ASOF);
const importCsv = (db: Database, kind: ImportOptions['kind'], csv: string) =>
  importStream({ db, clock }, Readable.from([csv]), { kind, fileName: `${kind}.csv`, actor: 'test', rejectsPath: null });
const idOf = (db: Database, externalId: string) => db.sqlite.prepare('SELECT id FROM Customer WHERE externalId = ?').pluck().get(externalId) as number;

describe('stored check-ins', () => {
  let db: Db;
  beforeEach(async () => {
    db = await demoDatabase(60);
  });
  afterEach(async () => db.cleanup());

  const agrees = () => expect(stored(db.sqlite)).toEqual(expectedCheckIns(db.sqlite));

  it('does agree with the source rows after seeding, scoring and planning', async () => {
    agrees();
    await recomputeScores(db, DEMO_ASOF);
    agrees();
    const planning = await runPlanning(db, DEMO_ASOF);
    expect(planning.cadenceCallbacks).toBeGreaterThan(0);
    agrees();
    // Planned customers are out of the index until their next touch.
    const planned = db.sqlite.prepare("SELECT customerId FROM Callback WHERE source = 'cadence'").pluck().all() as number[];
    for (const id of planned) expect(stored(db.sqlite).get(id)!.checkInDueAt).toBeNull();
  });

  it('does move with every writer: imports, undo, notes, callbacks, reassignment, team cadences', async () => {
    await recomputeScores(db, DEMO_ASOF);
    await runPlanning(db, DEMO_ASOF);
    // Berlin keeps shorter cadences than Shanghai, so moving customers or reps between them shows.
    const berlin = db.sqlite.prepare("SELECT id FROM Team WHERE name = 'Berlin B2B'").pluck().get() as number;
    await createTeamDirectory(db, inProcessJobs(db)).update(berlin, { settings: JSON.stringify({ cadenceDays: { A: 3, B: 4, C: 5, D: 6 } }) });
    agrees();

    const orders = await importCsv(db, 'orders', 'external_id,customer,ordered_at,amount\nX-1,C000001,2027-01-03 10:00,100\nX-2,C000002,2026-12-30,50\n');
    expect(orders.status).toBe('applied');
    expect(stored(db.sqlite).get(idOf(db, 'C000001'))!.lastTouchAt).toBe(Date.parse('2027-01-03T10:00:00Z'));
    agrees();

    const interactions = await importCsv(db, 'interactions', 'customer,rep,kind,at,note\nC000003,zhang.wei@rapport.demo,call,2027-01-02 09:00,hi\n');
    expect(interactions.status).toBe('applied');
    agrees();

    const customers = await importCsv(db, 'customers', 'external_id,name,owner\nC000004,王芳,max.weber@rapport.demo\nN-1,New Customer,zhang.wei@rapport.demo\n');
    expect(customers.status).toBe('applied');
    expect(stored(db.sqlite).get(idOf(db, 'N-1'))!.checkInDueAt).not.toBeNull();
    agrees();

    const reps = await importCsv(db, 'reps', 'email,name,role,team\nliu.yang@rapport.demo,Liu Yang,rep,Berlin B2B\n');
    expect(reps.status).toBe('applied');
    agrees();

    const before = stored(db.sqlite).get(idOf(db, 'C000001'))!;
    expect(undoImportRun(db.sqlite, orders.runId!, clock)).toMatchObject({ ok: true });
    expect(stored(db.sqlite).get(idOf(db, 'C000001'))!.lastTouchAt).toBeLessThan(before.lastTouchAt);
    agrees();

    const directory = createCustomerDirectory(db.sqlite);
    await directory.addInteraction({ customerId: idOf(db, 'C000002'), repId: 1, kind: 'note', at: new Date(DEMO_ASOF.getTime() + DAY_MS), text: 'x', satisfaction: null });
    agrees();
    await directory.assign(idOf(db, 'C000003'), db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'max.weber@rapport.demo'").pluck().get() as number);
    agrees();

    const book = createCallbackBook(db.sqlite);
    const cadence = db.sqlite.prepare("SELECT id, customerId FROM Callback WHERE source = 'cadence' AND status = 'open' LIMIT 1").get() as { id: number; customerId: number };
    await book.complete(cadence.id, new Date(DEMO_ASOF.getTime() + 2 * DAY_MS));
    expect(stored(db.sqlite).get(cadence.customerId)!.checkInDueAt).not.toBeNull();
    agrees();

  });
});

describe('the check-ins migration', () => {
  it('does fill last touches and due check-ins of a database that had customers before it', () => {
    const { dir, cleanup } = tempDir();
    try {
      const sqlite = new BetterSqlite3(`${dir}/old.db`);
      const all = readMigrations();
      const at = all.findIndex((m) => m.name.endsWith('_check_ins'));
      migrate(sqlite, all.slice(0, at));
      sqlite.exec(`INSERT INTO Team (id, name, settings, createdAt) VALUES (1, 'T', '{"cadenceDays":{"D":10}}', 0);
        INSERT INTO Rep (id, email, name, teamId, createdAt, updatedAt) VALUES (1, 'r@x', 'R', 1, 0, 0);
        INSERT INTO Customer (id, externalId, name, ownerId, createdAt, updatedAt) VALUES (1, 'A', 'A', 1, 0, 0), (2, 'B', 'B', NULL, 0, 0);
        INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (1, ${5 * DAY_MS}, 100, 0);`);
      const report = migrate(sqlite, all);
      expect(report.applied).toEqual(all.slice(at).map((m) => m.name));
      expect(sqlite.prepare('SELECT id, lastTouchAt, checkInDueAt FROM Customer ORDER BY id').all()).toEqual([
        { id: 1, lastTouchAt: 5 * DAY_MS, checkInDueAt: 15 * DAY_MS },
        { id: 2, lastTouchAt: 0, checkInDueAt: null },
      ]);
      // Recorded once: a second start does not run it again.
      expect(sqlite.prepare("SELECT COUNT(*) FROM _rapport_migrations WHERE name LIKE '%_check_ins#data'").pluck().get()).toBe(1);
      expect(migrate(sqlite, all).applied).toEqual([]);
      sqlite.close();
    } finally {
      cleanup();
    }
  });
});
