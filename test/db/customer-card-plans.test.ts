import type { Statement } from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sqlite } from '../../src/db/database.js';
import { createCustomerDirectory } from '../../src/db/customer-directory.js';
import { createSqliteKysely } from '../../src/db/sqlite-kysely.js';
import { seededDatabase } from '../commands/helpers.js';
import { describeSqlite } from '../helpers/engines.js';

/** The database as a directory sees it, recording each statement it runs with its arguments. */
function recording(sqlite: Sqlite, ran: { sql: string; args: unknown[] }[]): Sqlite {
  const wrap = (statement: Statement, sql: string): Statement =>
    new Proxy(statement, {
      get(target, name) {
        const value = Reflect.get(target, name, target) as unknown;
        if (typeof value !== 'function') return value;
        if (name === 'pluck' || name === 'raw' || name === 'expand') return (...args: unknown[]) => (value.apply(target, args), wrap(target, sql));
        if (name === 'get' || name === 'all' || name === 'iterate') return (...args: unknown[]) => (ran.push({ sql, args }), value.apply(target, args));
        return value.bind(target);
      },
    });
  return new Proxy(sqlite, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (name === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// SQLite's query planner (EXPLAIN QUERY PLAN, ANALYZE): SQLite alone.
describeSqlite('the customer card on an analysed database', () => {
  let seeded: Awaited<ReturnType<typeof seededDatabase>>;
  beforeAll(async () => {
    seeded = await seededDatabase();
  });
  afterAll(async () => seeded.cleanup());

  /** The plans of every statement a card runs that read more than this customer's rows. */
  async function widePlans(sqlite: Sqlite): Promise<string[]> {
    const ran: { sql: string; args: unknown[] }[] = [];
    const recorded = recording(sqlite, ran);
    const card = await createCustomerDirectory({ ...seeded.db, sqlite: recorded, kysely: createSqliteKysely(recorded) }).card(1, new Date('2026-12-01T09:00:00Z'));
    expect(card?.externalId).toBe('C000001');
    expect(ran.length).toBeGreaterThan(5);
    // A scan reads the whole table; a search of a customer's rows by anything but the customer
    // (open callbacks by due date) reads everyone's.
    return ran.flatMap(({ sql, args }) =>
      // Kysely hands its parameters over as one array.
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .filter((row) => /^SCAN /.test(row.detail) || (/customerId = /.test(sql) && /^SEARCH /.test(row.detail) && !/customerId=|rowid=|\(id=/.test(row.detail)))
        .map((row) => `${row.detail} in ${sql.replace(/\s+/g, ' ')}`),
    );
  }

  it('does read every part of a card through the customer’s own index entries, before and after ANALYZE', async () => {
    const { sqlite } = seeded.db;
    // The bot never runs ANALYZE: the planner guesses.
    expect(sqlite.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").pluck().get()).toBe(0);
    expect(await widePlans(sqlite)).toEqual([]);
    // Nobody was referred yet: every referredById is NULL, which ANALYZE records as one value for all rows.
    expect(sqlite.prepare('SELECT COUNT(*) FROM Customer WHERE referredById IS NOT NULL').pluck().get()).toBe(0);
    sqlite.exec('ANALYZE');
    expect(await widePlans(sqlite)).toEqual([]);
  });
});
