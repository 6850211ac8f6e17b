import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { FatalError } from '../../errors.js';
import { redactUrl } from '../database-url.js';
import type { MigrationReport } from '../migrate.js';
import type { Schema } from '../schema.js';
import { migratePostgres } from './migrate-postgres.js';

/** A PostgreSQL database for the stores: Kysely over a pool of `pg` connections. */
export interface PostgresDatabase {
  readonly engine: 'postgres';
  readonly kysely: Kysely<Schema>;
  /** The URL without its password, for messages. */
  readonly url: string;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Timestamps (epoch ms), money (minor units) and counts are `bigint`, which `pg` hands over as
 * text: they come back as numbers, as on SQLite. Past 2^53 a number is no longer exact, so such
 * a value is an error rather than a silently rounded amount. NUMERIC (sums, averages) is a number too.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`the bigint ${text} is beyond what a JavaScript number holds exactly`);
  return value;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8) return parseInt8;
    if (oid === NUMERIC) return Number;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Problems a server reports before any work is done, in words an operator can act on. */
const SERVER_PROBLEMS: Record<string, string> = {
  '3D000': 'the database does not exist; create it first (docs/DEPLOY.md)',
  '28P01': 'the server refused the password',
  '28000': 'the server refused this user',
  '42501': 'the user lacks a privilege Rapport needs (it creates its tables, and the pg_trgm extension; docs/DEPLOY.md)',
  '57P03': 'the server is starting up or shutting down',
};

function openingProblem(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in SERVER_PROBLEMS) return `${SERVER_PROBLEMS[code]} (${error.message})`;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `cannot connect (${error.message || code})`;
  if (/timeout|terminated|Connection terminated/i.test(error.message)) return `cannot connect (${error.message})`;
  return null;
}

/**
 * Connects, refuses a database that holds another application's tables, and migrates (one
 * replica at a time, src/db/postgres/migrate-postgres.ts). What keeps Rapport from working is
 * one line naming DATABASE_URL (FatalError), as on SQLite.
 */
export async function openPostgresDatabase(url: string): Promise<PostgresDatabase & { migration: MigrationReport }> {
  const shown = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'rapport', types });
  // An idle connection the server dropped must not end the process: the next query opens a new one.
  pool.on('error', () => {});
  let migration: MigrationReport;
  try {
    const foreign = await foreignTables(pool);
    if (foreign.length > 0) {
      throw new FatalError(`DATABASE_URL ${shown}: the database holds another application's tables (${foreign.join(', ')}); point DATABASE_URL at a new database or a Rapport database`);
    }
    migration = await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    const problem = openingProblem(error);
    throw problem ? new FatalError(`DATABASE_URL ${shown}: ${problem}`) : error;
  }
  const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    kysely,
    url: shown,
    migration,
    // Ends the pool too.
    close: () => kysely.destroy(),
  };
}

/** Tables of a database that is not Rapport's (no migration record), so we never add ours to someone else's. */
async function foreignTables(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const names = rows.map((row) => row.name);
  return names.length === 0 || names.includes('_rapport_migrations') ? [] : names.slice(0, 5);
}
