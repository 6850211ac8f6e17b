import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempDatabase } from '../helpers/temp-database.js';

describe('Kysely over the SQLite handle', () => {
  let db: Awaited<ReturnType<typeof openTempDatabase>>;
  beforeEach(async () => {
    db = await openTempDatabase();
  });
  afterEach(async () => db.cleanup());

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
