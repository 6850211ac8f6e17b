import { sql, type Kysely } from 'kysely';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';

/** What a store is built on: Kysely, and which engine it speaks to (for the few statements that differ). */
export interface StoreHandle {
  readonly engine: Engine;
  readonly kysely: Kysely<Schema>;
}

/** An interface with every method returning a promise: a store's async twin of a synchronous SQLite port. */
export type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };

/**
 * Runs `work` as one transaction that writes: all of it or none. Every query of `work` must go
 * through the `db` it is given.
 * - SQLite: `BEGIN IMMEDIATE` on Kysely's one connection (the bot's handle). Kysely's own
 *   transaction begins DEFERRED, and a deferred reader that then writes after another connection
 *   (the background worker, another process) committed fails at once with SQLITE_BUSY_SNAPSHOT;
 *   IMMEDIATE takes the write lock first and waits out the busy timeout instead.
 * - PostgreSQL: Kysely's transaction (READ COMMITTED) on a pooled connection.
 * `work` must await only its queries: on SQLite the handle is shared with the prepared statements
 * still used elsewhere, and nothing else may run on it between BEGIN and COMMIT.
 */
export async function writeTransaction<T>(db: StoreHandle, work: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
  if (db.engine === 'postgres') return db.kysely.transaction().execute(work);
  return db.kysely.connection().execute(async (connection) => {
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const result = await work(connection);
      await sql`COMMIT`.execute(connection);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(connection);
      throw error;
    }
  });
}
