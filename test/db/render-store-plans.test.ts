import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeSqlite } from '../helpers/engines.js';
import type { Sqlite } from '../../src/db/database.js';
import type { Schema } from '../../src/db/schema.js';
import { cachingStatements, SqliteBooleans } from '../../src/db/sqlite-kysely.js';
import { createRenderStore } from '../../src/db/stores/render-store.js';
import { NOW, seededDatabase } from '../commands/helpers.js';

const DAY = 86_400_000;

/**
 * A rep's agenda lists on SQLite: each must read that rep's own customers or nudges, never every
 * open plan, score or due nudge of everyone (tens of ms per agenda at 100k customers, thousands of
 * agendas a morning). The bot never runs ANALYZE, so the planner guesses (PostgreSQL plans from
 * its own statistics: not tested here).
 */
describeSqlite('the agenda lists on SQLite', () => {
  let seeded: Awaited<ReturnType<typeof seededDatabase>>;
  let rep: number;
  beforeAll(async () => {
    seeded = await seededDatabase();
    rep = (await seeded.db.kysely.selectFrom('Customer').select('ownerId').where('ownerId', 'is not', null).orderBy('id').executeTakeFirstOrThrow()).ownerId!;
  });
  afterAll(async () => seeded.cleanup());

  /** The plan steps of the rep's agenda lists that read more than the rep's own rows. */
  async function widePlans(sqlite: Sqlite): Promise<string[]> {
    const ran: CompiledQuery[] = [];
    const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), plugins: [new SqliteBooleans()], log: (event) => void ran.push(event.query) });
    const store = createRenderStore({ engine: 'sqlite', kysely });
    const now = NOW.getTime();
    await store.winbacks(rep, now);
    await store.atRisk(rep, now - DAY);
    await store.lightTouch(rep);
    await store.reordersDue(rep, now);
    await store.greetingsPending(rep, now);
    await store.greetingsCarriedBy(rep, 1);
    await store.reordersCarriedBy(1);
    await store.agendaCallbacks(rep, now, now + DAY);
    await store.waitingCheckIns(rep, now + DAY);
    expect(ran).toHaveLength(9);
    // A step that reads a table or index by anything but the rep, a customer, a row id or the carrying agenda reads
    // everyone's rows; the newest scoring week is one end of its index (MAX), and so is the week before it.
    return ran.flatMap(({ sql, parameters }) =>
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(parameters.map((p) => (typeof p === 'boolean' ? Number(p) : p))) as { detail: string }[])
        .filter((row) => /^(SCAN|SEARCH) /.test(row.detail))
        .filter((row) => !/\((ownerId|customerId|rowid|carriedBy|kind=\? AND targetId)=?/.test(row.detail) && !/COVERING INDEX ScoreSnapshot_week_lifecycle_idx( \(week<\?\))?$/.test(row.detail))
        .map((row) => `${row.detail} in ${sql}`),
    );
  }

  it('does read only the rep’s own customers and nudges, before and after ANALYZE', async () => {
    const { sqlite } = seeded.db;
    expect(sqlite.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").pluck().get()).toBe(0);
    expect(await widePlans(sqlite)).toEqual([]);
    sqlite.exec('ANALYZE');
    expect(await widePlans(sqlite)).toEqual([]);
  });
});
