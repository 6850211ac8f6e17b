import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { writeTransaction } from '../../../src/db/stores/store.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

describeEngines('a write transaction', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(() => db.cleanup());

  const team = (name: string) => ({ name, createdAt: 0 });
  const teams = async () => (await db.kysely.selectFrom('Team').select('name').orderBy('name').execute()).map((t) => t.name);

  it('does keep every write when the work succeeds, and return what it returns', async () => {
    const id = await writeTransaction(db, async (trx) => {
      await trx.insertInto('Team').values(team('East')).execute();
      return (await trx.insertInto('Team').values(team('West')).returning('id').executeTakeFirstOrThrow()).id;
    });
    expect(typeof id).toBe('number');
    expect(await teams()).toEqual(['East', 'West']);
  });

  it('does keep none of the writes when the work throws half-way, and rethrow', async () => {
    const failing = writeTransaction(db, async (trx) => {
      await trx.insertInto('Team').values(team('East')).execute();
      throw new Error('half-way');
    });
    await expect(failing).rejects.toThrow('half-way');
    expect(await teams()).toEqual([]);
    // The connection is usable afterwards: no transaction left open.
    await writeTransaction(db, (trx) => trx.insertInto('Team').values(team('North')).execute());
    expect(await teams()).toEqual(['North']);
  });

  if (engine === 'sqlite') {
    it('does take SQLite’s write lock at BEGIN (IMMEDIATE), so another connection cannot write meanwhile', async () => {
      if (db.engine !== 'sqlite') throw new Error('sqlite only');
      const other = new BetterSqlite3(db.file, { timeout: 0 });
      try {
        await writeTransaction(db, async (trx) => {
          await trx.selectFrom('Team').select('id').execute();
          expect(() => other.prepare("INSERT INTO Team (name, createdAt) VALUES ('Other', 0)").run()).toThrow(/locked|busy/i);
        });
      } finally {
        other.close();
      }
    });
  }
});
