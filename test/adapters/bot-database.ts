import { expect } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { connectDatabase, type StoreDatabase } from '../../src/db/store-database.js';
import { seedDemo } from '../../src/main.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';

/** Opens the database at `url` (either engine; migrated first, as the bot would), runs `work` on it, and closes it. */
export async function withDatabase<T>(url: string, work: (db: StoreDatabase) => Promise<T>): Promise<T> {
  const db = await connectDatabase(url);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/**
 * The demo as `npm start` seeds it (60 customers, scored) in the database at `url`, whose 张伟
 * is linked as `link` says, with `count` of his callbacks due a minute before `now` and their
 * pings planned, so the bot's first delivery run (at start) sends them. Resolves with 张伟's rep id.
 */
export async function demoWithDueCallbacks(
  url: string, now: Date, link: { slackUserId: string } | { discordUserId: string }, { count = 1, note }: { count?: number; note: string },
): Promise<number> {
  return withDatabase(url, async (db) => {
    await seedDemo(db, new ManualClock(now), 60);
    const { id: rep } = await db.kysely.selectFrom('Rep').select('id').where('email', '=', 'zhang.wei@rapport.demo').executeTakeFirstOrThrow();
    await db.kysely.updateTable('Rep').set(link).where('id', '=', rep).execute();
    const customers = await db.kysely.selectFrom('Customer').select('id').where('ownerId', '=', rep).orderBy('id').limit(count).execute();
    expect(customers).toHaveLength(count);
    await db.kysely
      .insertInto('Callback')
      .values(customers.map(({ id }) => ({ customerId: id, ownerId: rep, dueAt: now.getTime() - 60_000, timed: true, note, status: 'open', source: 'manual', createdAt: now.getTime() - 3_600_000 })))
      .execute();
    await runPlanning(db, now, 'callbacks');
    return rep;
  });
}
