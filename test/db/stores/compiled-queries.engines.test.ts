import { afterEach, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { markCheckInsPlanned } from '../../../src/db/stores/check-in-store.js';
import { affectedRows, compiledOnce, compiledPerRowCount, ROWS_PER_STATEMENT } from '../../../src/db/stores/compiled-queries.js';
import { markReordersPlanned } from '../../../src/db/stores/reorder-store.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

const T = Date.parse('2026-12-07T00:30:00Z');

describeEngines('queries compiled once', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  const teams = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ name: `team ${from + i} 'quoted' 团队`, timeZone: i % 2 === 0 ? 'Asia/Shanghai' : 'Europe/Berlin', createdAt: T + from + i }));

  it('does put each row’s values in its own place, in statements of several lengths reused', async () => {
    const insert = compiledPerRowCount<{ name: string; timeZone: string; createdAt: number }>(['name', 'timeZone', 'createdAt'], (rows) =>
      db.kysely.insertInto('Team').values(rows.map((r) => ({ ...r, locale: 'en', settings: '{}' }))),
    );
    // 123 rows: statements of 50, 50 and 23; then 7; then 123 again on the compiled ones.
    const written = [...teams(0, 123), ...teams(1000, 7), ...teams(2000, 123)];
    // Five values a row: the three given and the two constants.
    expect(insert(teams(0, 123)).map((q) => q.parameters.length / 5)).toEqual([50, 50, 23]);
    expect(await affectedRows(db.kysely, insert(teams(0, 123)))).toBe(123);
    expect(await affectedRows(db.kysely, insert(teams(1000, 7)))).toBe(7);
    expect(await affectedRows(db.kysely, insert(teams(2000, 123)))).toBe(123);
    const stored = await db.kysely.selectFrom('Team').select(['name', 'timeZone', 'locale', 'createdAt']).orderBy('id').execute();
    expect(stored).toEqual(written.map((t) => ({ ...t, locale: 'en' })));
  });

  it('does split a list into statements of the number of rows asked, one text per length', async () => {
    const insert = compiledPerRowCount<{ name: string; timeZone: string; createdAt: number }>(
      ['name', 'timeZone', 'createdAt'],
      (rows) => db.kysely.insertInto('Team').values(rows.map((r) => ({ ...r, locale: 'en', settings: '{}' }))),
      2,
    );
    const statements = insert(teams(0, 5));
    expect(statements.map((q) => q.parameters.length / 5)).toEqual([2, 2, 1]);
    expect(new Set(statements.map((q) => q.sql)).size).toBe(2);
    expect(await affectedRows(db.kysely, statements)).toBe(5);
    expect(await db.kysely.selectFrom('Team').select(['name', 'createdAt']).orderBy('id').execute()).toEqual(teams(0, 5).map(({ name, createdAt }) => ({ name, createdAt })));
  });

  it('does run a query compiled once with each call’s own values', async () => {
    await db.kysely.insertInto('Team').values(teams(0, 5).map((t) => ({ ...t, locale: 'en', settings: '{}' }))).execute();
    const named = compiledOnce(2, (name, after) => db.kysely.selectFrom('Team').select('createdAt').where('name', '=', name).where('createdAt', '>', after).orderBy('id'));
    const run = async (name: string, after: number) => (await db.kysely.executeQuery<{ createdAt: number }>(named(name, after))).rows;
    expect(await run(`team 3 'quoted' 团队`, T)).toEqual([{ createdAt: T + 3 }]);
    expect(await run(`team 3 'quoted' 团队`, T + 3)).toEqual([]);
    expect(await run(`team 4 'quoted' 团队`, 0)).toEqual([{ createdAt: T + 4 }]);
  });

  it('does refuse to compile a query that leaves one of its values out or writes it into the text, at its first use', () => {
    const leftOut = compiledOnce(2, (a) => db.kysely.selectFrom('Team').select('id').where('id', '=', a));
    expect(() => leftOut(1, 2)).toThrow(/binds each of its 2 values/);
    const inlined = compiledOnce(1, (a) => db.kysely.selectFrom('Team').select('id').where('id', '=', sql.lit(a)));
    expect(() => inlined(1)).toThrow(/binds each of its 1 values/);
  });

  it('does compile nothing before its first use (a store made at start compiles none of what the start does not run)', () => {
    let built = 0;
    const byId = compiledOnce(1, (a) => (built++, db.kysely.selectFrom('Team').select('id').where('id', '=', a)));
    expect(built).toBe(0);
    expect(byId(7).parameters).toEqual([7]);
    expect(byId(8).parameters).toEqual([8]);
    expect(built).toBe(1);
  });

  it('does clear the planned due times of exactly the customers given, more than one statement’s worth', async () => {
    const k = db.kysely;
    const rep = await k.insertInto('Rep').values({ email: 'r@x', name: 'r', role: 'rep', agendaHour: 9, active: true, createdAt: T, updatedAt: T }).returning('id').executeTakeFirstOrThrow();
    const count = 2 * ROWS_PER_STATEMENT + 20;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const row = await k
        .insertInto('Customer')
        .values({ externalId: `C${i}`, name: `c${i}`, ownerId: rep.id, status: 'none', tags: '', greetingOptOut: false, createdAt: T, updatedAt: T, checkInDueAt: T + i, reorderDueAt: T + i })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    const cleared = ids.filter((_, i) => i % 3 !== 1).slice(0, ROWS_PER_STATEMENT + 17);
    await markCheckInsPlanned(db, cleared);
    await markReordersPlanned(db, cleared.slice(0, 5));
    const rows = await k.selectFrom('Customer').select(['id', 'checkInDueAt', 'reorderDueAt']).orderBy('id').execute();
    expect(rows).toEqual(
      ids.map((id, i) => ({ id, checkInDueAt: cleared.includes(id) ? null : T + i, reorderDueAt: cleared.slice(0, 5).includes(id) ? null : T + i })),
    );
  });
});
