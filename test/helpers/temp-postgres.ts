import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.js';
import { openPostgresDatabase, type PostgresDatabase } from '../../src/db/postgres/postgres-database.js';

/**
 * PostgreSQL for tests: `TEST_POSTGRES_URL` names a server's maintenance database (.ci/run starts
 * a throwaway cluster and sets it). Each test gets a database of its own, created here and
 * dropped at cleanup. Without the variable, PostgreSQL tests skip and say why.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL?.trim() || undefined;

export const POSTGRES_SKIP_REASON = 'TEST_POSTGRES_URL is not set (.ci/run starts a throwaway PostgreSQL and sets it)';

function serverUrl(): string {
  if (!TEST_POSTGRES_URL) throw new Error(POSTGRES_SKIP_REASON);
  return TEST_POSTGRES_URL;
}

/** The URL of database `name` on the test server. */
export function postgresUrlOf(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A new empty database on the test server (nothing migrated), dropped by `cleanup`. */
export async function createEmptyPostgresDatabase(prefix = 'rapport_test'): Promise<{ name: string; url: string; cleanup: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withServer((client) => client.query(`CREATE DATABASE ${quoted(name)}`));
  return { name, url: postgresUrlOf(name), cleanup: () => dropPostgresDatabase(name) };
}

export async function dropPostgresDatabase(name: string): Promise<void> {
  await withServer((client) => client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}

/**
 * A migrated database per test, copied from `template` (a filledPostgresTemplate) or else from a template migrated once per version of the history
 * (CREATE DATABASE … TEMPLATE is a file copy: ~10x faster than migrating each time). Test
 * workers that start together create the template once, under an advisory lock.
 */
export async function openTempPostgres(template?: string): Promise<PostgresDatabase & { url: string; cleanup: () => Promise<void> }> {
  template ??= await migratedTemplate();
  const name = `rapport_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withServer((client) => client.query(`CREATE DATABASE ${quoted(name)} TEMPLATE ${quoted(template)}`));
  const url = postgresUrlOf(name);
  const db = await openPostgresDatabase(url);
  return {
    ...db,
    url,
    async cleanup() {
      await db.close();
      await dropPostgresDatabase(name);
    },
  };
}

/**
 * A migrated database filled by `fill`, to copy for each test with openTempPostgres(name): a
 * test file's seeded data, seeded once. No connection is left on it (a template must have none).
 */
export async function filledPostgresTemplate(fill: (db: PostgresDatabase) => Promise<void>): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `rapport_filled_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const migrated = await migratedTemplate();
  await withServer((client) => client.query(`CREATE DATABASE ${quoted(name)} TEMPLATE ${quoted(migrated)}`));
  try {
    const db = await openPostgresDatabase(postgresUrlOf(name));
    try {
      await fill(db);
    } finally {
      await db.close();
    }
    // The server may not have ended the closed connections yet; copying needs them gone.
    await withServer((client) => client.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1', [name]));
  } catch (error) {
    await dropPostgresDatabase(name);
    throw error;
  }
  return { name, drop: () => dropPostgresDatabase(name) };
}

let migrated: Promise<string> | undefined;

function migratedTemplate(): Promise<string> {
  migrated ??= (async () => {
    const history = createHash('sha256')
      .update(readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => `${m.name}:${m.checksum}`).join('\n'))
      .digest('hex')
      .slice(0, 12);
    const name = `rapport_template_${history}`;
    await withServer(async (client) => {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) {
          const building = `${name}_building_${process.pid}`;
          await client.query(`CREATE DATABASE ${quoted(building)}`);
          const db = await openPostgresDatabase(postgresUrlOf(building));
          await db.close();
          // The server may not have ended the closed connections yet; renaming needs them gone.
          await client.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1', [building]);
          // Renamed only once whole: a worker that died half-way leaves no template behind.
          await client.query(`ALTER DATABASE ${quoted(building)} RENAME TO ${quoted(name)}`);
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
    });
    return name;
  })();
  return migrated;
}
