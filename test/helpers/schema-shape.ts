import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** What a database's schema looks like, in terms both engines share, for comparing them. */
export interface SchemaShape {
  /** table → column → "type" or "type not null" */
  columns: Record<string, Record<string, string>>;
  /** table → its primary key's columns */
  primaryKeys: Record<string, string[]>;
  /** "table: name (col, col) unique?", primary keys left out; an expression is `<expr>` */
  indexes: string[];
  /** "table (cols) → table (cols) on delete X on update Y" */
  foreignKeys: string[];
  views: string[];
  triggers: string[];
}

/** Tables a migration runner keeps for itself. */
const BOOKKEEPING = new Set(['_rapport_migrations']);

export function sqliteShape(sqlite: BetterSqlite3.Database): SchemaShape {
  const objects = sqlite.prepare("SELECT type, name, tbl_name AS tableName FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as {
    type: string;
    name: string;
    tableName: string;
  }[];
  const tables = objects.filter((o) => o.type === 'table' && !BOOKKEEPING.has(o.name)).map((o) => o.name);
  const shape: SchemaShape = { columns: {}, primaryKeys: {}, indexes: [], foreignKeys: [], views: [], triggers: [] };
  for (const table of tables) {
    const columns = sqlite.prepare('SELECT name, type, "notnull" AS "notNull", pk FROM pragma_table_info(?)').all(table) as {
      name: string;
      type: string;
      notNull: number;
      pk: number;
    }[];
    shape.columns[table] = Object.fromEntries(columns.map((c) => [c.name, `${c.type.toLowerCase()}${c.notNull || c.pk ? ' not null' : ''}`]));
    shape.primaryKeys[table] = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const indexes = sqlite.prepare('SELECT name, "unique", origin FROM pragma_index_list(?)').all(table) as { name: string; unique: number; origin: string }[];
    for (const index of indexes.filter((i) => i.origin !== 'pk')) {
      const columnNames = (sqlite.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(index.name) as { name: string | null }[]).map(
        (c) => c.name ?? '<expr>',
      );
      shape.indexes.push(`${table}: ${index.name} (${columnNames.join(', ')})${index.unique ? ' unique' : ''}`);
    }
    const keys = sqlite.prepare('SELECT id, "from", "to", "table", on_update AS onUpdate, on_delete AS onDelete FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(table) as {
      id: number;
      from: string;
      to: string;
      table: string;
      onUpdate: string;
      onDelete: string;
    }[];
    for (const id of new Set(keys.map((k) => k.id))) {
      const parts = keys.filter((k) => k.id === id);
      const first = parts[0]!;
      shape.foreignKeys.push(
        `${table} (${parts.map((p) => p.from).join(', ')}) → ${first.table} (${parts.map((p) => p.to).join(', ')}) on delete ${first.onDelete.toLowerCase()} on update ${first.onUpdate.toLowerCase()}`,
      );
    }
  }
  shape.views = objects.filter((o) => o.type === 'view').map((o) => o.name);
  shape.triggers = objects.filter((o) => o.type === 'trigger').map((o) => o.name);
  return sorted(shape);
}

export async function postgresShape(client: pg.ClientBase): Promise<SchemaShape> {
  const shape: SchemaShape = { columns: {}, primaryKeys: {}, indexes: [], foreignKeys: [], views: [], triggers: [] };
  const columns = await client.query<{ table: string; name: string; type: string; notNull: boolean }>(`
    SELECT c.table_name AS table, c.column_name AS name, c.data_type AS type, c.is_nullable = 'NO' AS "notNull"
    FROM information_schema.columns c JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`);
  for (const c of columns.rows.filter((row) => !BOOKKEEPING.has(row.table))) {
    (shape.columns[c.table] ??= {})[c.name] = `${c.type}${c.notNull ? ' not null' : ''}`;
  }
  const indexes = await client.query<{ table: string; name: string; unique: boolean; primary: boolean; columns: string[] }>(`
    SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
      array(SELECT CASE WHEN u.k = 0 THEN '<expr>' ELSE a.attname END
            FROM unnest(ix.indkey) WITH ORDINALITY AS u(k, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = u.k ORDER BY u.ord)::text[] AS columns
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()`);
  for (const index of indexes.rows.filter((row) => !BOOKKEEPING.has(row.table))) {
    if (index.primary) shape.primaryKeys[index.table] = index.columns;
    else shape.indexes.push(`${index.table}: ${index.name} (${index.columns.join(', ')})${index.unique ? ' unique' : ''}`);
  }
  const keys = await client.query<{ table: string; definition: string }>(`
    SELECT c.conrelid::regclass::text AS table, pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()`);
  for (const key of keys.rows) {
    const m = /^FOREIGN KEY \((.+)\) REFERENCES (.+)\((.+)\)(?: ON UPDATE (\w+(?: \w+)?))?(?: ON DELETE (\w+(?: \w+)?))?$/.exec(key.definition);
    if (!m) throw new Error(`unexpected foreign key ${key.definition}`);
    const names = (list: string) => list.split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
    shape.foreignKeys.push(
      `${names(key.table)[0]} (${names(m[1]!).join(', ')}) → ${names(m[2]!)[0]} (${names(m[3]!).join(', ')}) on delete ${(m[5] ?? 'no action').toLowerCase()} on update ${(m[4] ?? 'no action').toLowerCase()}`,
    );
  }
  shape.views = (await client.query<{ name: string }>('SELECT table_name AS name FROM information_schema.views WHERE table_schema = current_schema()')).rows.map((r) => r.name);
  shape.triggers = (
    await client.query<{ name: string }>(
      'SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()',
    )
  ).rows.map((r) => r.name);
  return sorted(shape);
}

function sorted(shape: SchemaShape): SchemaShape {
  return {
    columns: Object.fromEntries(Object.entries(shape.columns).sort(([a], [b]) => a.localeCompare(b)).map(([t, c]) => [t, Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)))])),
    primaryKeys: Object.fromEntries(Object.entries(shape.primaryKeys).sort(([a], [b]) => a.localeCompare(b))),
    indexes: [...shape.indexes].sort(),
    foreignKeys: [...shape.foreignKeys].sort(),
    views: [...shape.views].sort(),
    triggers: [...shape.triggers].sort(),
  };
}

/** `shape` without the named tables, indexes (by name), views and triggers. */
export function without(shape: SchemaShape, objects: { tables?: string[]; indexes?: string[]; views?: string[]; triggers?: string[] }): SchemaShape {
  const tables = new Set(objects.tables ?? []);
  const indexes = new Set(objects.indexes ?? []);
  return {
    columns: Object.fromEntries(Object.entries(shape.columns).filter(([t]) => !tables.has(t))),
    primaryKeys: Object.fromEntries(Object.entries(shape.primaryKeys).filter(([t]) => !tables.has(t))),
    indexes: shape.indexes.filter((i) => !tables.has(i.split(':')[0]!) && !indexes.has(/: (\S+) /.exec(i)![1]!)),
    foreignKeys: shape.foreignKeys.filter((k) => !tables.has(k.split(' ')[0]!)),
    views: shape.views.filter((v) => !(objects.views ?? []).includes(v)),
    triggers: shape.triggers.filter((t) => !(objects.triggers ?? []).includes(t)),
  };
}

/** PostgreSQL's longest identifier (NAMEDATALEN - 1 bytes). */
const POSTGRES_NAME_LIMIT = 63;

/** An index name as Prisma writes it for PostgreSQL: one past the limit keeps its suffix (`_idx`, `_key`) and loses the end of its columns. */
function postgresIndexName(name: string): string {
  if (name.length <= POSTGRES_NAME_LIMIT) return name;
  const suffix = /_[a-z]+$/.exec(name)?.[0] ?? '';
  return name.slice(0, POSTGRES_NAME_LIMIT - suffix.length) + suffix;
}

/**
 * A SQLite shape in PostgreSQL's words, by the rules of the derived schema (scripts/schema-variants.ts):
 * DateTime (SQLite DATETIME) is bigint epoch ms, `…Minor` money bigint, Int integer, Float double precision;
 * index names cut to PostgreSQL's 63 characters as Prisma cuts them.
 */
export function asPostgres(shape: SchemaShape): SchemaShape {
  const type = (column: string, sqliteType: string) => {
    const [base, ...rest] = sqliteType.split(' ');
    const mapped =
      base === 'datetime' ? 'bigint'
      : base === 'integer' ? (/Minor$/.test(column) ? 'bigint' : 'integer')
      : base === 'real' ? 'double precision'
      : base;
    return [mapped, ...rest].join(' ');
  };
  return sorted({
    ...shape,
    columns: Object.fromEntries(
      Object.entries(shape.columns).map(([table, columns]) => [table, Object.fromEntries(Object.entries(columns).map(([name, t]) => [name, type(name, t)]))]),
    ),
    indexes: shape.indexes.map((index) => index.replace(/^(\S+: )(\S+)/, (_, table: string, name: string) => table + postgresIndexName(name))),
  });
}
