import {
  Kysely,
  SqliteDialect,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SqliteDatabase,
  type SqliteStatement,
  type UnknownRow,
} from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { Sqlite } from './sqlite.js';
import type { Schema } from './schema.js';
import { BOOLEAN_COLUMNS } from './tables.js';

/**
 * SQLite has no boolean type: Boolean columns hold 0/1. Booleans are bound as 1/0 where the
 * statement runs (cachingStatements); this plugin reads the schema's Boolean columns (by name,
 * BOOLEAN_COLUMNS) back as booleans, so a store sees `true`/`false` on SQLite as on PostgreSQL.
 * A computed boolean under another name (an `exists(…)` alias) still comes back 0/1 on SQLite:
 * read such values with `Boolean(…)`.
 */
export class SqliteBooleans implements KyselyPlugin {
  readonly #columns = new Set(BOOLEAN_COLUMNS);

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { rows } = args.result;
    // Every row of a result has the first one's columns: find the Boolean ones once, not per row.
    const booleans = rows.length === 0 ? [] : Object.keys(rows[0]!).filter((key) => this.#columns.has(key));
    if (booleans.length === 0) return args.result;
    for (const row of rows) {
      for (const key of booleans) {
        if (row[key] === 0 || row[key] === 1) row[key] = row[key] === 1;
      }
    }
    return args.result;
  }
}

/** Distinct statements kept prepared per handle; an IN list of every length is its own statement, so the cache is bounded. */
export const STATEMENT_CACHE_SIZE = 500;

/** better-sqlite3 binds no booleans: they go in as 1/0 (a literal `true` in the SQL text SQLite reads as 1 itself). */
const bindable = (parameters: readonly unknown[]) =>
  parameters.some((value) => typeof value === 'boolean') ? parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value)) : parameters;

function bindingBooleans(statement: BetterSqlite3.Statement): SqliteStatement {
  return {
    reader: statement.reader,
    all: (parameters) => statement.all(bindable(parameters)),
    run: (parameters) => statement.run(bindable(parameters)),
    iterate: (parameters) => statement.iterate(bindable(parameters)),
  };
}

/**
 * The handle as Kysely's SQLite driver sees it, each statement prepared once: the driver
 * prepares every query it runs, which cost a one-row write (the outbox's mark sent) about as
 * much as running it. Least recently used statements are dropped past `size`. One statement is
 * never run twice at once: Kysely's driver runs one query at a time on its one connection.
 */
export function cachingStatements(sqlite: Sqlite, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      const cached = statements.get(text);
      // A Map keeps insertion order: deleted and set again, it is the most recently used.
      if (cached) statements.delete(text);
      const statement = cached ?? bindingBooleans(sqlite.prepare(text));
      statements.set(text, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/**
 * Kysely over an open better-sqlite3 handle, sharing it with the prepared statements. Destroying
 * it would close the handle: the database's own close() does that.
 */
export function createSqliteKysely(sqlite: Sqlite): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), plugins: [new SqliteBooleans()] });
}
