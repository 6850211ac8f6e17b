import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_TEAMS, demoCustomer, demoReps } from '../../src/db/seed/demo-data.js';
import { isDatabaseEmpty, seedDemoData } from '../../src/db/seed/seed.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { describeEngines, describePostgres, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const asOf = new Date('2026-11-23T00:00:00Z');

/** Every row the seed writes, read back through Kysely in id order. */
async function dump({ kysely }: StoreHandle) {
  return {
    teams: await kysely.selectFrom('Team').selectAll().orderBy('id').execute(),
    reps: await kysely.selectFrom('Rep').selectAll().orderBy('id').execute(),
    customers: await kysely.selectFrom('Customer').selectAll().orderBy('id').execute(),
    orders: await kysely.selectFrom('Order').selectAll().orderBy('id').execute(),
    interactions: await kysely.selectFrom('Interaction').selectAll().orderBy('id').execute(),
    callbacks: await kysely.selectFrom('Callback').selectAll().orderBy('id').execute(),
  };
}

/** Counts and money sums, as the analytics would first notice a lost or doubled row. */
async function totals({ kysely }: StoreHandle) {
  return kysely
    .selectNoFrom((eb) => [
      eb.selectFrom('Customer').select(eb.fn.countAll<number>().as('n')).as('customers'),
      eb.selectFrom('Order').select(eb.fn.countAll<number>().as('n')).as('orders'),
      eb.selectFrom('Order').select((o) => o.fn.sum<number>('amountMinor').as('s')).as('amountMinor'),
      eb.selectFrom('Order').select((o) => o.fn.sum<number>('marginMinor').as('s')).as('marginMinor'),
      eb.selectFrom('Interaction').select(eb.fn.countAll<number>().as('n')).as('interactions'),
      eb.selectFrom('Callback').select(eb.fn.countAll<number>().as('n')).as('callbacks'),
    ])
    .executeTakeFirstOrThrow();
}

const opened: TestStoreDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.cleanup()));
});

async function fresh(engine: TestStoreDatabase['engine']): Promise<TestStoreDatabase> {
  const db = await openTestDatabase(engine);
  opened.push(db);
  return db;
}

describeEngines('demo seed', (engine) => {
  it('does produce identical databases from the same options', async () => {
    const [a, b] = [await fresh(engine), await fresh(engine)];
    await seedDemoData(a, { customers: 120, seed: 7, asOf });
    await seedDemoData(b, { customers: 120, seed: 7, asOf });
    expect(await dump(a)).toEqual(await dump(b));
  });

  it('does give a realistic mix: two teams, Chinese and English names, rhythms, lapsed and prospects, spread birthdays', async () => {
    const db = await fresh(engine);
    const report = await seedDemoData(db, { customers: 300, seed: 42, asOf });
    expect(report.teams).toBe(DEMO_TEAMS.length);
    expect(report.customers).toBe(300);
    const { customers, orders, reps, interactions, callbacks } = await dump(db);
    expect({ customers: customers.length, orders: orders.length, interactions: interactions.length, callbacks: callbacks.length, reps: reps.length })
      .toEqual({ customers: report.customers, orders: report.orders, interactions: report.interactions, callbacks: report.callbacks, reps: report.reps });
    expect(customers.filter((c) => /[一-龥]/.test(c.name)).length).toBeGreaterThan(100);
    expect(customers.filter((c) => /[A-Za-z]/.test(c.name)).length).toBeGreaterThan(50);
    const buyers = new Set(orders.map((o) => o.customerId));
    expect(customers.filter((c) => !buyers.has(c.id)).length).toBeGreaterThan(5);
    const times = orders.map((o) => o.orderedAt);
    expect((Math.max(...times) - Math.min(...times)) / 86_400_000 / 365).toBeGreaterThan(2);
    expect(Math.max(...times)).toBeLessThanOrEqual(asOf.getTime());
    // Lapsed: bought regularly, then nothing for at least 60 days.
    const history = new Map<number, { count: number; last: number }>();
    for (const o of orders) {
      const seen = history.get(o.customerId) ?? { count: 0, last: 0 };
      history.set(o.customerId, { count: seen.count + 1, last: Math.max(seen.last, o.orderedAt) });
    }
    expect([...history.values()].filter((h) => h.count >= 3 && h.last < asOf.getTime() - 60 * 86_400_000).length).toBeGreaterThan(10);
    expect(new Set(customers.map((c) => c.birthdayMonth).filter((m) => m !== null)).size).toBe(12);
    expect(reps.filter((r) => r.role === 'manager')).toHaveLength(2);
    expect(customers.filter((c) => c.greetingOptOut).length).toBeGreaterThan(0);
    expect(callbacks.every((c) => c.timed && c.status === 'open')).toBe(true);
  });

  it('does refuse a database that already has data', async () => {
    const db = await fresh(engine);
    expect(await isDatabaseEmpty(db)).toBe(true);
    await seedDemoData(db, { customers: 5, seed: 1, asOf });
    expect(await isDatabaseEmpty(db)).toBe(false);
    await expect(seedDemoData(db, { customers: 5, seed: 1, asOf })).rejects.toThrow(/already has data/);
  });

  it('does count a database with only a team as not empty', async () => {
    const db = await fresh(engine);
    await db.kysely.insertInto('Team').values({ name: 'Solo', createdAt: 0 }).execute();
    expect(await isDatabaseEmpty(db)).toBe(false);
  });

  it('does leave the next team, rep and customer a new id after the ids it gave', async () => {
    const db = await fresh(engine);
    const report = await seedDemoData(db, { customers: 10, seed: 1, asOf });
    const team = await db.kysely.insertInto('Team').values({ name: 'Later', createdAt: 0 }).returning('id').executeTakeFirstOrThrow();
    const rep = await db.kysely.insertInto('Rep').values({ email: 'later@example.com', name: 'Later', createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow();
    const customer = await db.kysely.insertInto('Customer').values({ externalId: 'LATER', name: 'Later', createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow();
    expect([team.id, rep.id, customer.id]).toEqual([report.teams + 1, report.reps + 1, report.customers + 1]);
  });

  it('does write customers past one write batch, each with its own orders', async () => {
    const db = await fresh(engine);
    const report = await seedDemoData(db, { customers: 2300, seed: 3, asOf });
    const { customers, orders } = await dump(db);
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 2300 }, (_, i) => i + 1));
    expect(orders).toHaveLength(report.orders);
    // Orders name their customer: C004321-O1 belongs to customer 4321.
    expect(orders.every((o) => o.externalId!.startsWith(`${customers[o.customerId - 1]!.externalId}-O`))).toBe(true);
  });
});

describePostgres('demo seed on both engines', () => {
  it('does write the same rows on SQLite and PostgreSQL for one seed', async () => {
    const [sqlite, postgres] = [await fresh('sqlite'), await fresh('postgres')];
    const options = { customers: 700, seed: 11, asOf };
    expect(await seedDemoData(postgres, options)).toEqual({ ...(await seedDemoData(sqlite, options)), elapsedMs: expect.any(Number) });
    expect(await totals(postgres)).toEqual(await totals(sqlite));
    // Check-ins (lastTouchAt, checkInDueAt) included: both engines refresh them through the check-in store.
    const sqliteRows = await dump(sqlite);
    expect(sqliteRows.customers.some((c) => c.checkInDueAt !== null)).toBe(true);
    expect(await dump(postgres)).toEqual(sqliteRows);
  });
});

describe('demo data', () => {
  it('does generate each customer the same whatever the total count (bar the owner, as reps scale)', () => {
    const withoutOwner = ({ ownerEmail: _owner, ...rest }: ReturnType<typeof demoCustomer>) => rest;
    const small = demoCustomer(50, { customers: 100, seed: 1, asOf }, demoReps(100));
    const large = demoCustomer(50, { customers: 100_000, seed: 1, asOf }, demoReps(100_000));
    expect(withoutOwner(large)).toEqual(withoutOwner(small));
    expect(demoCustomer(50, { customers: 100, seed: 2, asOf }, demoReps(100))).not.toEqual(small);
  });

  it('does add reps as the customer count grows', () => {
    expect(demoReps(300)).toHaveLength(8);
    expect(demoReps(100_000).length).toBeGreaterThan(150);
  });
});
