import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { FatalError } from '../errors.js';
import { ensureFolder, unwritableFileReason } from '../file-checks.js';
import type { Kysely } from 'kysely';
import type { PrismaClient } from '../generated/prisma/client.js';
import { migrate, type MigrationReport } from './migrate.js';
import type { Schema } from './schema.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import type { Sqlite } from './sqlite.js';

export type { Sqlite } from './sqlite.js';

/**
 * One open SQLite database: Kysely for the stores (the same query layer as on PostgreSQL), and
 * the raw better-sqlite3 handle under it for the code not yet moved to stores and the bulk
 * paths (import, scoring, seeding); Prisma only for tools. DateTime columns hold Unix epoch
 * milliseconds (integers) in all three.
 */
export interface Database {
  readonly engine: 'sqlite';
  /** Kysely over `sqlite` (one connection: a store's transaction and a prepared statement never see each other half-done). */
  readonly kysely: Kysely<Schema>;
  /**
   * Prisma Client, loaded and connected on first use: loading it and its first query (the query
   * compiler) cost ~0.4 s, which no start should pay; the bot's own paths use prepared statements.
   */
  prisma(): Promise<PrismaClient>;
  sqlite: Sqlite;
  file: string;
  close(): Promise<void>;
}

const BUSY_TIMEOUT_MS = 5000;
/** Negative: KiB, per connection. */
export const CACHE_KIB = -65536;

export function sqliteFileFromUrl(url: string): string {
  if (!url.startsWith('file:')) {
    throw new Error(`DATABASE_URL ${url} is not a SQLite file: URL`);
  }
  return url.slice('file:'.length).split('?')[0]!;
}

/**
 * Opens (creating the file if needed) and migrates the database to the newest schema. A file
 * that cannot be Rapport's database (a folder, a device, a damaged or foreign file, read-only)
 * is refused here with one line (FatalError), not found out by the first command that writes.
 */
export async function openDatabase(url: string): Promise<Database & { migration: MigrationReport }> {
  const file = sqliteFileFromUrl(url);
  const refuse = (problem: string) => new FatalError(`DATABASE_URL ${url}: ${problem}`);
  const problem = file === ':memory:' ? null : databaseFileProblem(file);
  if (problem) throw refuse(problem);
  let sqlite: Sqlite | undefined;
  let migration: MigrationReport;
  try {
    sqlite = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // 64 MB of page cache instead of SQLite's 2 MB: the planner and check-in refreshes visit
    // customers in index order, i.e. pages all over the table (measured 2x at 1M customers).
    sqlite.pragma(`cache_size = ${CACHE_KIB}`);
    const foreign = foreignTables(sqlite);
    if (foreign.length > 0) {
      throw refuse(`${file} holds another application's tables (${foreign.join(', ')}); point DATABASE_URL at a new file or a Rapport database`);
    }
    migration = migrate(sqlite);
  } catch (error) {
    sqlite?.close();
    throw isSqliteError(error) ? refuse(`${file} ${sqliteProblem(error)} (${error.message})`) : error;
  }
  let prisma: Promise<PrismaClient> | undefined;
  return {
    prisma() {
      prisma ??= Promise.all([import('@prisma/adapter-better-sqlite3'), import('../generated/prisma/client.js')]).then(
        ([{ PrismaBetterSQLite3 }, { PrismaClient }]) =>
          new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: BUSY_TIMEOUT_MS }, { timestampFormat: 'unixepoch-ms' }) }),
      );
      return prisma;
    },
    engine: 'sqlite',
    kysely: createSqliteKysely(sqlite),
    sqlite,
    file,
    migration,
    async close() {
      if (prisma) await (await prisma).$disconnect();
      sqlite.close();
    },
  };
}

/** Why `file` cannot be opened as a writable database, or null; creates its folder when missing. */
function databaseFileProblem(file: string): string | null {
  // existsSync, not statSync: a path through a file ("a-file/x.db") throws ENOTDIR from stat.
  const stat = fs.existsSync(file) ? fs.statSync(file) : undefined;
  if (stat?.isDirectory()) return `${file} is a folder; name a database file in it, e.g. file:${path.join(file, 'rapport.db')}`;
  if (stat && !stat.isFile()) return `${file} is not a regular file`;
  const folder = path.dirname(path.resolve(file));
  try {
    ensureFolder(folder);
  } catch (error) {
    return `cannot create the folder ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  const unwritable = unwritableFileReason(file);
  // SQLite would open it read-only without a word, and every command that writes (all of them: the audit log) would fail.
  return unwritable ? `cannot write to it: ${unwritable}; Rapport writes to its database (migrations, the audit log)` : null;
}

/** Tables of a database that is not Rapport's (no migration record), so we never add ours to someone else's file. */
function foreignTables(sqlite: Sqlite): string[] {
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  return tables.length === 0 || tables.includes('_rapport_migrations') ? [] : tables.slice(0, 5);
}

const SQLITE_PROBLEMS: Record<string, string> = {
  SQLITE_NOTADB: 'is not a SQLite database, or is damaged',
  SQLITE_CORRUPT: 'is damaged',
  SQLITE_READONLY: 'cannot be written',
  SQLITE_CANTOPEN: 'cannot be opened',
  SQLITE_IOERR: 'cannot be read or written',
  SQLITE_FULL: 'cannot grow: the disk is full',
};

function isSqliteError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** SQLite's primary result code (SQLITE_IOERR of SQLITE_IOERR_SHORT_READ) in words. */
function sqliteProblem(error: { code: string }): string {
  const primary = Object.keys(SQLITE_PROBLEMS).find((code) => error.code === code || error.code.startsWith(`${code}_`));
  return primary ? SQLITE_PROBLEMS[primary]! : 'cannot be used';
}
