import type { Kysely } from 'kysely';
import { FatalError } from '../errors.js';
import { openDatabase, type Database } from './database.js';
import { databaseEngine, redactUrl } from './database-url.js';
import type { MigrationReport } from './migrate.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import type { Schema } from './schema.js';

export type { Engine } from './database-url.js';
export type { PostgresDatabase } from './postgres/postgres-database.js';

/** SQLite for the stores: the bot's database with Kysely over the same handle. */
export type SqliteStoreDatabase = Database & { readonly engine: 'sqlite'; readonly kysely: Kysely<Schema> };

/**
 * What the stores run on, either engine: `kysely` on both (one query layer, both dialects), the
 * raw `sqlite` handle only on SQLite, where the code not yet moved to stores still uses it.
 */
export type StoreDatabase = SqliteStoreDatabase | PostgresDatabase;

/**
 * Opens and migrates the database DATABASE_URL names, on either engine. The bot itself still
 * opens SQLite with openDatabase (its scheduler, import and scoring use the raw handle until
 * they move to stores); Kysely and `pg` load here, never on the bot's start path.
 */
export async function connectDatabase(url: string): Promise<StoreDatabase & { migration: MigrationReport }> {
  switch (databaseEngine(url)) {
    case 'postgres': {
      const { openPostgresDatabase } = await import('./postgres/postgres-database.js');
      return openPostgresDatabase(url);
    }
    case 'sqlite': {
      const db = await openDatabase(url);
      try {
        return { ...(await withKysely(db)), migration: db.migration };
      } catch (error) {
        await db.close();
        throw error;
      }
    }
    case null:
      throw new FatalError(`DATABASE_URL ${redactUrl(url)}: must be a SQLite file: URL such as file:data/rapport.db or a PostgreSQL URL such as postgresql://rapport@localhost/rapport`);
  }
}

const withKyselies = new WeakMap<Database, Promise<SqliteStoreDatabase>>();

/** The bot's SQLite database with Kysely over its handle, loaded on first use (Kysely costs ~0.3 s to load unbundled). */
export function withKysely(db: Database): Promise<SqliteStoreDatabase> {
  let opened = withKyselies.get(db);
  if (!opened) {
    opened = import('./sqlite-kysely.js').then(({ createSqliteKysely }) => ({ ...db, engine: 'sqlite' as const, kysely: createSqliteKysely(db.sqlite) }));
    withKyselies.set(db, opened);
  }
  return opened;
}

/** Resolves when the database answers a query that reads it (the health check's probe). */
export async function pingDatabase(db: Database | StoreDatabase): Promise<void> {
  if ('sqlite' in db) {
    db.sqlite.prepare('SELECT 1 FROM "_rapport_migrations" LIMIT 1').get();
    return;
  }
  const { sql } = await import('kysely');
  await sql`SELECT 1 FROM "_rapport_migrations" LIMIT 1`.execute(db.kysely);
}
