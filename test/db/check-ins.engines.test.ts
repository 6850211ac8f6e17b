import { Readable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createCallbackBook } from '../../src/db/callback-book.js';
import { createCustomerDirectory } from '../../src/db/customer-directory.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
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
import { backgroundJobsFor, repIdOf } from '../commands/helpers.js';
import { describeEngines, describeSqlite, type EngineTestDatabase, type TestEngine } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { DEMO_ASOF, demoDatabase } from '../scheduler/helpers.js';

type CheckIns = Map<number, { lastTouchAt: number | null; checkInDueAt: number | null }>;

/**
 * The oracle: each customer's last touch and next check-in worked out in plain code from the
 * source rows, the way the cadence rule reads (the check-in store keeps them in SQL).
 */
async function expectedCheckIns({ kysely }: StoreHandle): Promise<CheckIns> {
  const latest = (rows: { id: number; at: number | null }[]) => new Map(rows.filter((r) => r.at !== null).map((r) => [r.id, r.at!]));
  const orders = latest(await kysely.selectFrom('Order').select((eb) => ['customerId as id', eb.fn.max('orderedAt').as('at')]).groupBy('customerId').execute());
  // A handover note is no contact.
  const interactions = latest(
    await kysely.selectFrom('Interaction').select((eb) => ['customerId as id', eb.fn.max('at').as('at')]).where('kind', '<>', 'handover').groupBy('customerId').execute(),
  );
  const done = latest(await kysely.selectFrom('Callback').select((eb) => ['customerId as id', eb.fn.max('completedAt').as('at')]).where('status', '=', 'done').groupBy('customerId').execute());
  const { week } = await kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week')).executeTakeFirstOrThrow();
  const scores = new Map(
    (week === null ? [] : await kysely.selectFrom('ScoreSnapshot').select(['customerId', 'tier', 'lifecycle']).where('week', '=', week).execute()).map((r) => [r.customerId, r]),
  );
  const keys = new Set((await kysely.selectFrom('Callback').select('dedupeKey').where('dedupeKey', 'is not', null).execute()).map((r) => r.dedupeKey));
  const teams = new Map((await kysely.selectFrom('Team').select(['id', 'settings']).execute()).map((t) => [t.id, parseScheduleSettings(t.settings)]));
  const customers = await kysely.selectFrom('Customer as c').leftJoin('Rep as r', 'r.id', 'c.ownerId').select(['c.id', 'c.createdAt', 'c.ownerId', 'r.teamId']).execute();
  const result: CheckIns = new Map();
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

async function stored({ kysely }: StoreHandle): Promise<CheckIns> {
  const rows = await kysely.selectFrom('Customer').select(['id', 'lastTouchAt', 'checkInDueAt']).execute();
  return new Map(rows.map((r) => [r.id, { lastTouchAt: r.lastTouchAt, checkInDueAt: r.checkInDueAt }]));
}

const clock = new ManualClock(DEMO_ASOF);
const importCsv = (db: StoreDatabase, kind: ImportOptions['kind'], csv: string) =>
  importStream({ db, clock }, Readable.from([csv]), { kind, fileName: `${kind}.csv`, actor: 'test', rejectsPath: null });
const idOf = async ({ kysely }: StoreHandle, externalId: string) =>
  (await kysely.selectFrom('Customer').select('id').where('externalId', '=', externalId).executeTakeFirstOrThrow()).id;

describeEngines('stored check-ins', (engine) => describe('with scores and plans', () => {
  let db: EngineTestDatabase<TestEngine>;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
  });
  afterEach(async () => db.cleanup());

  const agrees = async () => expect(await stored(db)).toEqual(await expectedCheckIns(db));

  it('does agree with the source rows after seeding, scoring and planning', async () => {
    await agrees();
    await recomputeScores(db, DEMO_ASOF);
    await agrees();
    const planning = await runPlanning(db, DEMO_ASOF);
    expect(planning.cadenceCallbacks).toBeGreaterThan(0);
    await agrees();
    // Planned customers are out of the index until their next touch.
    const planned = await db.kysely.selectFrom('Callback').select('customerId').where('source', '=', 'cadence').execute();
    const now = await stored(db);
    for (const { customerId } of planned) expect(now.get(customerId)!.checkInDueAt).toBeNull();
  });

  it('does move with every writer: imports, undo, notes, callbacks, reassignment, team cadences', async () => {
    await recomputeScores(db, DEMO_ASOF);
    await runPlanning(db, DEMO_ASOF);
    // Berlin keeps shorter cadences than Shanghai, so moving customers or reps between them shows.
    const { id: berlin } = await db.kysely.selectFrom('Team').select('id').where('name', '=', 'Berlin B2B').executeTakeFirstOrThrow();
    await createTeamDirectory(db, backgroundJobsFor(db)).update(berlin, { settings: JSON.stringify({ cadenceDays: { A: 3, B: 4, C: 5, D: 6 } }) });
    await agrees();

    const orders = await importCsv(db, 'orders', 'external_id,customer,ordered_at,amount\nX-1,C000001,2027-01-03 10:00,100\nX-2,C000002,2026-12-30,50\n');
    expect(orders.status).toBe('applied');
    expect((await stored(db)).get(await idOf(db, 'C000001'))!.lastTouchAt).toBe(Date.parse('2027-01-03T10:00:00Z'));
    await agrees();

    const interactions = await importCsv(db, 'interactions', 'customer,rep,kind,at,note\nC000003,zhang.wei@rapport.demo,call,2027-01-02 09:00,hi\n');
    expect(interactions.status).toBe('applied');
    await agrees();

    const customers = await importCsv(db, 'customers', 'external_id,name,owner\nC000004,王芳,max.weber@rapport.demo\nN-1,New Customer,zhang.wei@rapport.demo\n');
    expect(customers.status).toBe('applied');
    expect((await stored(db)).get(await idOf(db, 'N-1'))!.checkInDueAt).not.toBeNull();
    await agrees();

    const reps = await importCsv(db, 'reps', 'email,name,role,team\nliu.yang@rapport.demo,Liu Yang,rep,Berlin B2B\n');
    expect(reps.status).toBe('applied');
    await agrees();

    const before = (await stored(db)).get(await idOf(db, 'C000001'))!;
    expect(await undoImportRun(db, orders.runId!, clock)).toMatchObject({ ok: true });
    expect((await stored(db)).get(await idOf(db, 'C000001'))!.lastTouchAt).toBeLessThan(before.lastTouchAt!);
    await agrees();

    const directory = createCustomerDirectory(db);
    await directory.addInteraction({ customerId: await idOf(db, 'C000002'), repId: 1, kind: 'note', at: new Date(DEMO_ASOF.getTime() + DAY_MS), text: 'x', satisfaction: null });
    await agrees();
    await directory.assign(await idOf(db, 'C000003'), await repIdOf(db, 'max.weber@rapport.demo'));
    await agrees();

    const book = createCallbackBook(db);
    const cadence = await db.kysely.selectFrom('Callback').select(['id', 'customerId']).where('source', '=', 'cadence').where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
    await book.complete(cadence.id, new Date(DEMO_ASOF.getTime() + 2 * DAY_MS));
    expect((await stored(db)).get(cadence.customerId)!.checkInDueAt).not.toBeNull();
    await agrees();
  });
}));

// SQLite's own migration history (PostgreSQL's schema starts from the squashed one).
describeSqlite('the check-ins migration', () => {
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
