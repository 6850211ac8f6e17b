import {
  Kysely,
  OperationNodeTransformer,
  PrimitiveValueListNode,
  SqliteDialect,
  ValueNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SqliteDatabase,
  type UnknownRow,
} from 'kysely';
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './sqlite.js';
import type { Schema } from './schema.js';
import { BOOLEAN_COLUMNS } from './tables.js';

const sqliteBoolean = (value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** better-sqlite3 binds no booleans: they go in as 1/0. */
class BooleansAsIntegers extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    if (typeof node.value !== 'boolean') return super.transformValue(node);
    return node.immediate ? ValueNode.createImmediate(sqliteBoolean(node.value)) : ValueNode.create(sqliteBoolean(node.value));
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some((value) => typeof value === 'boolean') ? PrimitiveValueListNode.create(node.values.map(sqliteBoolean)) : node;
  }
}

/**
 * SQLite has no boolean type: Boolean columns hold 0/1. This plugin writes booleans as 1/0 and
 * reads the schema's Boolean columns (by name, BOOLEAN_COLUMNS) back as booleans, so a store
 * sees `true`/`false` on SQLite as on PostgreSQL. A computed boolean under another name (an
 * `exists(…)` alias) still comes back 0/1 on SQLite: read such values with `Boolean(…)`.
 */
export class SqliteBooleans implements KyselyPlugin {
  readonly #writer = new BooleansAsIntegers();
  readonly #columns = new Set(BOOLEAN_COLUMNS);

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#writer.transformNode(args.node);
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

/** Statements kept per handle: a store's queries are few shapes; multi-row inserts of odd sizes add some. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The handle as Kysely's SQLite driver sees it, keeping each statement by its SQL: the driver
 * prepares every query anew, and preparing a join costs about as much as running a point lookup.
 * Sharing a statement is safe: the driver runs one query at a time on its one connection.
 */
function keepingStatements(sqlite: Sqlite): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const kept = statements.get(sql);
      if (kept) return kept;
      const statement = sqlite.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
      return statement;
    },
  };
}

/**
 * Kysely over an open better-sqlite3 handle, sharing it with the prepared statements. Destroying
 * it would close the handle: the database's own close() does that.
 */
export function createSqliteKysely(sqlite: Sqlite): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: keepingStatements(sqlite) }), plugins: [new SqliteBooleans()] });
}
