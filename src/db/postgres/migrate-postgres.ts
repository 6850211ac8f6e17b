import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type pg from 'pg';
import { dataStepsDue, POSTGRES_MIGRATIONS_DIR, readMigrations, unapplied, type Migration, type MigrationReport } from '../migrate.js';
import type { Schema } from '../schema.js';

/** A data step on PostgreSQL: what SQL alone cannot compute for a migration, run once (see DATA_STEPS in ../migrate.ts). */
export type PostgresDataStep = (db: Kysely<Schema>) => Promise<void>;

/** None yet: PostgreSQL's history starts from today's schema, whose data steps ran on SQLite only. */
export const POSTGRES_DATA_STEPS: Readonly<Record<string, PostgresDataStep>> = {};

/**
 * The advisory lock that serialises migrations across processes: two replicas starting at once
 * both wait here, and the second finds nothing left to do. Any fixed 64-bit key, Rapport's own.
 */
export const MIGRATION_LOCK_KEY = 7_265_340_175_042_015n;

/**
 * Applies PostgreSQL's committed migrations (prisma/postgres/migrations) that this database has
 * not seen, with the rules of the SQLite runner (../migrate.ts): each migration and its record in
 * one transaction, an edited migration refused, then the data steps. Prisma's `migrate deploy`
 * cannot do it here (prisma/orm#27403). All of it runs on one connection that holds the
 * session-level advisory lock MIGRATION_LOCK_KEY; if the process dies, the server ends the
 * session and the lock with it.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly Migration[] = readMigrations(POSTGRES_MIGRATIONS_DIR),
  dataSteps: Readonly<Record<string, PostgresDataStep>> = POSTGRES_DATA_STEPS,
): Promise<MigrationReport> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS "_rapport_migrations" (
        "name" TEXT PRIMARY KEY NOT NULL,
        "checksum" TEXT NOT NULL,
        "appliedAt" BIGINT NOT NULL
      )`);
      const recorded = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM "_rapport_migrations"');
      const done = new Map(recorded.rows.map((row) => [row.name, row.checksum]));
      const record = (name: string, checksum: string) =>
        client.query('INSERT INTO "_rapport_migrations" (name, checksum, "appliedAt") VALUES ($1, $2, $3)', [name, checksum, Date.now()]);
      const applied: string[] = [];
      for (const migration of unapplied(migrations, done)) {
        await inTransaction(client, async () => {
          await client.query(migration.sql);
          await record(migration.name, migration.checksum);
        });
        applied.push(migration.name);
      }
      const steps = dataStepsDue(migrations, dataSteps, done);
      if (steps.length > 0) {
        const db = kyselyOn(client);
        for (const { name, step } of steps) {
          await inTransaction(client, async () => {
            await step(db);
            await record(name, '');
          });
        }
      }
      return { applied, alreadyApplied: migrations.filter((m) => done.has(m.name)).length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
}

async function inTransaction(client: pg.PoolClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Kysely on one connection (inside the migration's transaction); it never releases that connection. */
function kyselyOn(client: pg.PoolClient): Kysely<Schema> {
  const pool: PostgresPool = {
    connect: async () => ({ query: client.query.bind(client) as never, release: () => {} }),
    end: async () => {},
  };
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
