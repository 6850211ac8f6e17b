import { sql } from 'kysely';
import { FatalError } from '../errors.js';
import { openDatabase, type Database } from './database.js';
import { databaseEngine, redactUrl } from './database-url.js';
import type { MigrationReport } from './migrate.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';

export type { Engine } from './database-url.js';
export type { PostgresDatabase } from './postgres/postgres-database.js';

/**
 * What the stores run on, either engine: `kysely` on both (one query layer, both dialects), the
 * raw `sqlite` handle only on SQLite, where the code not yet moved to stores still uses it.
 */
export type StoreDatabase = Database | PostgresDatabase;

/**
 * Opens and migrates the database DATABASE_URL names, on either engine. The bot itself still
 * opens SQLite with openDatabase (its scheduler, import and scoring use the raw handle until
 * they move to stores); `pg` loads here, never on the bot's start path.
 */
export async function connectDatabase(url: string): Promise<StoreDatabase & { migration: MigrationReport }> {
  switch (databaseEngine(url)) {
    case 'postgres': {
      const { openPostgresDatabase } = await import('./postgres/postgres-database.js');
      return openPostgresDatabase(url);
    }
    case 'sqlite':
      return openDatabase(url);
    case null:
      throw new FatalError(`DATABASE_URL ${redactUrl(url)}: must be a SQLite file: URL such as file:data/rapport.db or a PostgreSQL URL such as postgresql://rapport@localhost/rapport`);
  }
}

/** Resolves when the database answers a query that reads it (the health check's probe). */
export async function pingDatabase(db: StoreDatabase): Promise<void> {
  await sql`SELECT 1 FROM "_rapport_migrations" LIMIT 1`.execute(db.kysely);
}
