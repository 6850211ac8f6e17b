import {
  Kysely,
  OperationNodeTransformer,
  PrimitiveValueListNode,
  SqliteDialect,
  type SqliteDatabase,
  ValueNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
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

/**
 * Kysely over an open better-sqlite3 handle, sharing it with the prepared statements. Destroying
 * it would close the handle: the database's own close() does that.
 */
export function createSqliteKysely(sqlite: Sqlite): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [new SqliteBooleans()] });
}

/** Statements kept prepared: the planner's per-rep reads and the stores' point lookups repeat a few texts. */
const CACHED_STATEMENTS = 256;

/**
 * The handle as Kysely's driver sees it, preparing each SQL text once: preparing costs about
 * half of running a small indexed query (measured on the planner's per-rep read), and Kysely's
 * driver prepares on every execution. Least recently used texts go past CACHED_STATEMENTS.
 */
function withStatementCache(sqlite: Sqlite): SqliteDatabase {
  const statements = new Map<string, ReturnType<Sqlite['prepare']>>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (statement) statements.delete(text);
      else statement = sqlite.prepare(text);
      statements.set(text, statement);
      if (statements.size > CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}
