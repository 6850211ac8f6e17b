import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { cachingStatements } from '../../src/db/sqlite-kysely.js';
import { openTempDatabase } from '../helpers/temp-database.js';
import { describeSqlite } from '../helpers/engines.js';

// Kysely's driver over better-sqlite3 (its statement cache): SQLite alone.
describeSqlite('Kysely on SQLite', () => {
  let db: Database & { cleanup: () => Promise<void> };
  beforeEach(async () => {
    db = await openTempDatabase();
  });
  afterEach(async () => db.cleanup());

  it('does prepare each statement once, however often it runs', async () => {
    const prepared: string[] = [];
    const prepare = db.sqlite.prepare.bind(db.sqlite);
    db.sqlite.prepare = ((text: string) => (prepared.push(text), prepare(text))) as typeof db.sqlite.prepare;
    for (let i = 0; i < 5; i++) await db.kysely.selectFrom('Team').select('id').where('id', '=', i).execute();
    expect(prepared.filter((text) => text.includes('"Team"'))).toHaveLength(1);
  });

  it('does drop the least recently used statement past its size and prepare it again when it comes back', () => {
    const prepared: string[] = [];
    const prepare = db.sqlite.prepare.bind(db.sqlite);
    db.sqlite.prepare = ((text: string) => (prepared.push(text), prepare(text))) as typeof db.sqlite.prepare;
    const cache = cachingStatements(db.sqlite, 2);
    for (const text of ['SELECT 1', 'SELECT 2', 'SELECT 1', 'SELECT 3', 'SELECT 1', 'SELECT 2']) cache.prepare(text);
    expect(prepared).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
  });

  it('does bind booleans as 1/0 in values, conditions and lists, and read Boolean columns back as booleans', async () => {
    const { id } = await db.kysely.insertInto('Team').values({ name: 'A', createdAt: 1 }).returning('id').executeTakeFirstOrThrow();
    await db.kysely
      .insertInto('Rep')
      .values([
        { name: 'on', email: 'on@x.test', teamId: id, role: 'rep', active: true, createdAt: 1, updatedAt: 1 },
        { name: 'off', email: 'off@x.test', teamId: id, role: 'rep', active: false, createdAt: 1, updatedAt: 1 },
      ])
      .execute();
    expect(db.sqlite.prepare('SELECT name, active FROM Rep ORDER BY name').all()).toEqual([
      { name: 'off', active: 0 },
      { name: 'on', active: 1 },
    ]);
    expect(await db.kysely.selectFrom('Rep').select(['name', 'active']).where('active', '=', true).execute()).toEqual([{ name: 'on', active: true }]);
    expect((await db.kysely.selectFrom('Rep').select('name').where('active', 'in', [false]).execute()).map((r) => r.name)).toEqual(['off']);
    expect((await db.kysely.selectFrom('Rep').select('name').where('active', '=', sql.lit(true)).execute()).map((r) => r.name)).toEqual(['on']);
  });

  it('does answer each query afresh when it reuses statements, also past the number it keeps and after the schema changed', async () => {
    const names = (above: number) => db.kysely.selectFrom('Team').select('name').where('id', '>', above).orderBy('id').execute();
    await db.kysely.insertInto('Team').values([{ name: 'A', createdAt: 0 }, { name: 'B', createdAt: 0 }]).execute();
    expect(await names(0)).toEqual([{ name: 'A' }, { name: 'B' }]);
    expect(await names(1)).toEqual([{ name: 'B' }]);
    // 600 shapes of query (IN lists of every length) push the first statements out.
    for (let n = 1; n <= 600; n++) {
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      expect(await db.kysely.selectFrom('Team').select('id').where('id', 'in', ids).execute()).toHaveLength(Math.min(n, 2));
    }
    db.sqlite.exec('ALTER TABLE "Team" ADD COLUMN "extra" TEXT');
    await db.kysely.insertInto('Team').values({ name: 'C', createdAt: 0 }).execute();
    expect(await names(0)).toEqual([{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
    expect(Object.keys((await db.kysely.selectFrom('Team').selectAll().executeTakeFirstOrThrow()))).toContain('extra');
  });
});
