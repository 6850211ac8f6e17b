import {
  Kysely,
  SqliteDialect,
  type SqliteDatabase,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './sqlite.js';
import type { Schema } from './schema.js';
import { BOOLEAN_COLUMNS } from './tables.js';

const sqliteBoolean = (value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** Prepared statements kept per SQL text; past this many, the least recently used goes. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The handle as Kysely's SQLite dialect sees it: each SQL text prepared once and kept (preparing
 * costs more than running a point query: ~80 µs against ~10 µs here), booleans bound as 1/0
 * (better-sqlite3 binds no booleans). A statement still being iterated is not shared: a query
 * run meanwhile gets one of its own.
 */
function statementCache(sqlite: Sqlite): SqliteDatabase {
  const statements = new Map<string, Statement<unknown[]>>();
  const bound = (parameters: readonly unknown[]) => (parameters.some((value) => typeof value === 'boolean') ? parameters.map(sqliteBoolean) : (parameters as unknown[]));
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined || statement.busy) {
        statement = sqlite.prepare<unknown[]>(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      } else {
        statements.delete(sql);
      }
      statements.set(sql, statement);
      const prepared = statement;
      return {
        reader: prepared.reader,
        all: (parameters) => prepared.all(...bound(parameters)),
        run: (parameters) => prepared.run(...bound(parameters)),
        iterate: (parameters) => prepared.iterate(...bound(parameters)),
      };
    },
  };
}

/**
 * SQLite has no boolean type: Boolean columns hold 0/1. Booleans go in as 1/0 (statementCache);
 * this plugin reads the schema's Boolean columns (by name, BOOLEAN_COLUMNS) back as booleans, so a store
 * sees `true`/`false` on SQLite as on PostgreSQL. A computed boolean under another name (an
 * `exists(…)` alias) still comes back 0/1 on SQLite: read such values with `Boolean(…)`.
 */
export class SqliteBooleans implements KyselyPlugin {
  readonly #columns = new Set(BOOLEAN_COLUMNS);

  // Bound booleans become 1/0 where they are bound (statementCache); a literal `true`/`false` SQLite reads as 1/0
  // itself. Walking each query's tree here would cost about as much as building it.
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows) {
      for (const key of Object.keys(row)) {
        if (this.#columns.has(key) && (row[key] === 0 || row[key] === 1)) row[key] = row[key] === 1;
      }
    }
    return args.result;
  }
}

/**
 * Kysely over an open better-sqlite3 handle, sharing it with the prepared statements. Destroying
 * it would close the handle: the database's own close() does that.
 */
export function createSqliteKysely(sqlite: Sqlite): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: statementCache(sqlite) }), plugins: [new SqliteBooleans()] });
}
