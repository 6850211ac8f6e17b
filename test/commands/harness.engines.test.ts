import { afterEach, expect, it } from 'vitest';
import type { StoreDatabase } from '../../src/db/store-database.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { describeEngines, describePostgres, filledOnce } from '../helpers/engines.js';
import { DEMO_CUSTOMERS, NOW, seededDatabase } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** What the command tests start from, read back through Kysely. */
async function seededRows({ kysely }: StoreHandle) {
  return {
    customers: await kysely.selectFrom('Customer').selectAll().orderBy('id').execute(),
    orders: await kysely.selectFrom('Order').selectAll().orderBy('id').execute(),
    scores: await kysely.selectFrom('ScoreSnapshot').selectAll().orderBy('id').execute(),
    plans: await kysely.selectFrom('WinbackEpisode').selectAll().orderBy('id').execute(),
  };
}

let fills = 0;
const countedCopy = filledOnce(async (db: StoreDatabase) => {
  fills++;
  await db.kysely.insertInto('Team').values({ name: `filled ${fills}`, createdAt: 0 }).execute();
});

describeEngines('the command test harness', (engine) => {
  it('does give each test a copy of the seeded demo: customers, scores for this week, win-back plans for the at-risk and lapsed', async () => {
    const { db, cleanup } = await seededDatabase(engine);
    cleanups.push(cleanup);
    const { customers, orders, scores, plans } = await seededRows(db);
    expect(customers).toHaveLength(DEMO_CUSTOMERS);
    expect(scores.map((s) => [s.customerId, s.week, s.asOf])).toEqual(customers.map((c) => [c.id, '2026-W48', NOW.getTime()]));
    const spend = (id: number) => orders.filter((o) => o.customerId === id).reduce((sum, o) => sum + o.amountMinor, 0);
    expect(scores.every((s) => s.lifetimeMinor === spend(s.customerId))).toBe(true);
    expect(scores.some((s) => s.categories.startsWith('|'))).toBe(true);
    const atRisk = scores.filter((s) => s.lifecycle === 'at_risk' || s.lifecycle === 'lapsed').map((s) => s.customerId);
    expect(plans.length).toBeGreaterThan(10);
    expect(plans.map((p) => p.customerId).sort((a, b) => a - b)).toEqual(atRisk.sort((a, b) => a - b));
    expect(plans.every((p) => p.status === 'open' && p.deadline === NOW.getTime() + 29 * 86_400_000)).toBe(true);
  });

  it('does keep one test’s writes out of the next test’s copy', async () => {
    const first = await seededDatabase(engine);
    cleanups.push(first.cleanup);
    await first.db.kysely.deleteFrom('WinbackEpisode').execute();
    const second = await seededDatabase(engine);
    cleanups.push(second.cleanup);
    expect((await seededRows(second.db)).plans.length).toBeGreaterThan(10);
  });

  it('does fill a template once per file and engine, and copy it for each test', async () => {
    const before = fills;
    const a = await countedCopy(engine);
    const b = await countedCopy(engine);
    cleanups.push(a.cleanup, b.cleanup);
    expect(fills - before).toBeLessThanOrEqual(1);
    await a.kysely.insertInto('Team').values({ name: 'only in a', createdAt: 0 }).execute();
    expect((await b.kysely.selectFrom('Team').select('name').execute()).map((t) => t.name)).toEqual([expect.stringMatching(/^filled \d$/)]);
  });
});

describePostgres('the command test harness on both engines', () => {
  it('does seed the same customers, orders, scores and plans on SQLite and PostgreSQL', async () => {
    const sqlite = await seededDatabase('sqlite');
    const postgres = await seededDatabase('postgres');
    cleanups.push(sqlite.cleanup, postgres.cleanup);
    expect(await seededRows(postgres.db)).toEqual(await seededRows(sqlite.db));
  });
});
