import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, migrate, readMigrations } from '../../src/db/migrate.js';
import { migratePostgres } from '../../src/db/postgres/migrate-postgres.js';
import { packageRoot } from '../../src/package-root.js';
import { POSTGRES_SCHEMA, SCHEMA, TABLE_TYPES, postgresSchema, tableTypes } from '../../scripts/schema-variants.js';
import { describePostgres, describeSqlite } from '../helpers/engines.js';
import { asPostgres, postgresShape, sqliteShape, without, type SchemaShape } from '../helpers/schema-shape.js';
import { tempDir } from '../helpers/temp-database.js';
import { createEmptyPostgresDatabase } from '../helpers/temp-postgres.js';

/** The SQL Prisma writes for `schema` from nothing: what the schema file says the database is. */
function prismaScript(schema: string): string {
  return execFileSync(path.join(packageRoot, 'node_modules', '.bin', 'prisma'), ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', schema, '--script'], {
    cwd: packageRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Hand-written in both histories (search, callbacks, tickets and carried nudges following customers, the tag index, the
 * case-blind region index): Prisma's schema cannot express them.
 */
const HAND_WRITTEN_BOTH = {
  tables: ['CustomerNameGram', 'CustomerTag'],
  indexes: ['Customer_phone_tail_idx', 'Customer_region_nocase_idx'],
  views: ['CustomerViewer'],
  triggers: [
    'Customer_search_insert', 'Customer_search_update', 'Customer_search_delete', 'Customer_owner_moves_callbacks', 'Rep_book_moves_callbacks',
    'Customer_owner_moves_tickets', 'Customer_owner_moves_carried_nudges', 'Customer_tags_insert', 'Customer_tags_update', 'Customer_tags_delete',
  ],
};
/**
 * SQLite's name search is an FTS5 table (with its shadow tables), PostgreSQL's a pg_trgm index and two
 * covering indexes that read names in customer id order, as SQLite's indexes end in the rowid (migration customer_lookup_plans).
 */
const SQLITE_ONLY = { tables: ['CustomerNameTrigram', 'CustomerNameTrigram_config', 'CustomerNameTrigram_data', 'CustomerNameTrigram_docsize', 'CustomerNameTrigram_idx'] };
const POSTGRES_ONLY = { indexes: ['Customer_name_trgm_idx', 'Customer_id_name_idx', 'Customer_name_id_idx'] };
const handWritten = (extra: { tables?: string[]; indexes?: string[] }) => ({
  ...HAND_WRITTEN_BOTH,
  tables: [...HAND_WRITTEN_BOTH.tables, ...(extra.tables ?? [])],
  indexes: [...HAND_WRITTEN_BOTH.indexes, ...(extra.indexes ?? [])],
});

const work = tempDir();
afterAll(() => work.cleanup());

function sqliteFrom(name: string, apply: (sqlite: BetterSqlite3.Database) => void): SchemaShape {
  const sqlite = new BetterSqlite3(path.join(work.dir, `${name}.db`));
  try {
    apply(sqlite);
    return sqliteShape(sqlite);
  } finally {
    sqlite.close();
  }
}

describeSqlite('the files derived from prisma/schema.prisma', () => {
  it('does keep prisma/postgres/schema.prisma what the main schema derives (npm run schema:derive)', () => {
    expect(fs.readFileSync(POSTGRES_SCHEMA, 'utf8')).toBe(postgresSchema(fs.readFileSync(SCHEMA, 'utf8')));
  });

  it('does keep src/db/tables.ts what prisma-kysely generates from the schema (npm run schema:derive)', () => {
    expect(fs.readFileSync(TABLE_TYPES, 'utf8')).toBe(tableTypes(fs.readFileSync(SCHEMA, 'utf8')));
  });

  it.each([
    ['SQLite', MIGRATIONS_DIR, SCHEMA],
    ['PostgreSQL', POSTGRES_MIGRATIONS_DIR, POSTGRES_SCHEMA],
  ])('does end the %s history with a snapshot of its schema (npm run migration:new writes both)', (_engine, dir, schema) => {
    const last = readMigrations(dir).at(-1)!;
    expect(fs.readFileSync(path.join(dir, last.name, 'schema.prisma'), 'utf8')).toBe(fs.readFileSync(schema, 'utf8'));
  });
});

describeSqlite('the SQLite history', () => {
  it('does build the schema prisma/schema.prisma describes, plus its hand-written objects', () => {
    const history = sqliteFrom('history', (sqlite) => migrate(sqlite));
    const prisma = sqliteFrom('prisma', (sqlite) => sqlite.exec(prismaScript(SCHEMA)));
    expect(without(history, handWritten(SQLITE_ONLY))).toEqual(prisma);
    expect(history.views).toEqual(HAND_WRITTEN_BOTH.views);
    expect(history.triggers).toEqual([...HAND_WRITTEN_BOTH.triggers].sort());
  });
});

describePostgres('the PostgreSQL history', () => {
  const databases: { url: string; cleanup: () => Promise<void> }[] = [];
  let history: SchemaShape;
  let prisma: SchemaShape;

  async function postgresFrom(apply: (pool: pg.Pool) => Promise<unknown>): Promise<SchemaShape> {
    const database = await createEmptyPostgresDatabase();
    databases.push(database);
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await apply(pool);
      const client = await pool.connect();
      try {
        return await postgresShape(client);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  }

  beforeAll(async () => {
    history = await postgresFrom((pool) => migratePostgres(pool));
    prisma = await postgresFrom((pool) => pool.query(prismaScript(POSTGRES_SCHEMA)));
  });
  afterAll(async () => {
    for (const database of databases) await database.cleanup();
  });

  it('does build the schema prisma/postgres/schema.prisma describes, plus its hand-written objects', () => {
    expect(without(history, handWritten(POSTGRES_ONLY))).toEqual(prisma);
  });

  it('does build what the SQLite history builds, in PostgreSQL’s types: tables, columns, keys, indexes, uniques, views, triggers', () => {
    const sqlite = sqliteFrom('history-for-postgres', (db) => migrate(db));
    expect(without(history, POSTGRES_ONLY)).toEqual(asPostgres(without(sqlite, SQLITE_ONLY)));
  });
});
