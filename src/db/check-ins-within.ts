import type { Kysely } from 'kysely';
import { FatalError } from '../errors.js';
import { refreshCheckIns } from './check-ins.js';
import type { Schema } from './schema.js';
import type { StoreDatabase } from './store-database.js';

/**
 * Refreshes these customers' check-ins inside a store's write transaction `tx`. The refresh is
 * still on SQLite's raw handle (src/db/check-ins.ts, moving to a store in issue 15): on SQLite it
 * runs on the connection `tx` holds, inside its BEGIN IMMEDIATE; PostgreSQL waits for the store.
 */
export async function refreshCheckInsWithin(db: StoreDatabase, _tx: Kysely<Schema>, customerIds: number[]): Promise<void> {
  if (db.engine === 'sqlite') return refreshCheckIns(db.sqlite, { customerIds });
  throw new FatalError('the check-in refresh runs on SQLite only in this version (issue 15)');
}
