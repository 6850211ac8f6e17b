import { describe, expect, it } from 'vitest';
import { DEMO_TEAMS, demoCustomer, demoReps } from '../../src/db/seed/demo-data.js';
import { isDatabaseEmpty, seedDemoData } from '../../src/db/seed/seed.js';
import { openTempDatabase } from '../helpers/temp-database.js';

const asOf = new Date('2026-11-23T00:00:00Z');

function dump(sqlite: import('better-sqlite3').Database): unknown {
  return {
    customers: sqlite.prepare('SELECT * FROM Customer ORDER BY id').all(),
    orders: sqlite.prepare('SELECT customerId, externalId, orderedAt, amountMinor, marginMinor FROM "Order" ORDER BY id').all(),
    reps: sqlite.prepare('SELECT email, role, teamId FROM Rep ORDER BY id').all(),
  };
}

describe('demo seed', () => {
  it('does produce identical databases from the same options', async () => {
    const a = await openTempDatabase();
    const b = await openTempDatabase();
    seedDemoData(a.sqlite, { customers: 120, seed: 7, asOf });
    seedDemoData(b.sqlite, { customers: 120, seed: 7, asOf });
    expect(dump(a.sqlite)).toEqual(dump(b.sqlite));
    await a.cleanup();
    await b.cleanup();
  });

  it('does generate each customer the same whatever the total count (bar the owner, as reps scale)', () => {
    const withoutOwner = ({ ownerEmail: _owner, ...rest }: ReturnType<typeof demoCustomer>) => rest;
    const small = demoCustomer(50, { customers: 100, seed: 1, asOf }, demoReps(100));
    const large = demoCustomer(50, { customers: 100_000, seed: 1, asOf }, demoReps(100_000));
    expect(withoutOwner(large)).toEqual(withoutOwner(small));
    expect(demoCustomer(50, { customers: 100, seed: 2, asOf }, demoReps(100))).not.toEqual(small);
  });

  it('does give a realistic mix: two teams, Chinese and English names, rhythms, lapsed and prospects, spread birthdays', async () => {
    const db = await openTempDatabase();
    const report = seedDemoData(db.sqlite, { customers: 300, seed: 42, asOf });
    expect(report.teams).toBe(DEMO_TEAMS.length);
    expect(report.customers).toBe(300);
    const q = <T>(sql: string) => db.sqlite.prepare(sql).get() as T;
    expect(q<{ n: number }>("SELECT COUNT(*) n FROM Customer WHERE name GLOB '*[一-龥]*'").n).toBeGreaterThan(100);
    expect(q<{ n: number }>("SELECT COUNT(*) n FROM Customer WHERE name GLOB '*[A-Za-z]*'").n).toBeGreaterThan(50);
    expect(q<{ n: number }>('SELECT COUNT(*) n FROM Customer c WHERE NOT EXISTS (SELECT 1 FROM "Order" o WHERE o.customerId = c.id)').n).toBeGreaterThan(5);
    const span = q<{ first: number; last: number }>('SELECT MIN(orderedAt) first, MAX(orderedAt) last FROM "Order"');
    expect((span.last - span.first) / 86_400_000 / 365).toBeGreaterThan(2);
    expect(span.last).toBeLessThanOrEqual(asOf.getTime());
    // Lapsed: bought regularly, then nothing for at least 60 days.
    expect(q<{ n: number }>(`SELECT COUNT(*) n FROM (SELECT customerId, COUNT(*) c, MAX(orderedAt) last FROM "Order" GROUP BY customerId)
      WHERE c >= 3 AND last < ${asOf.getTime() - 60 * 86_400_000}`).n).toBeGreaterThan(10);
    expect(q<{ n: number }>('SELECT COUNT(DISTINCT birthdayMonth) n FROM Customer').n).toBe(12);
    expect(q<{ n: number }>("SELECT COUNT(*) n FROM Rep WHERE role = 'manager'").n).toBe(2);
    await db.cleanup();
  });

  it('does refuse a database that already has data', async () => {
    const db = await openTempDatabase();
    seedDemoData(db.sqlite, { customers: 5, seed: 1, asOf });
    expect(isDatabaseEmpty(db.sqlite)).toBe(false);
    expect(() => seedDemoData(db.sqlite, { customers: 5, seed: 1, asOf })).toThrow(/already has data/);
    await db.cleanup();
  });

  it('does add reps as the customer count grows', () => {
    expect(demoReps(300)).toHaveLength(8);
    expect(demoReps(100_000).length).toBeGreaterThan(150);
  });
});
