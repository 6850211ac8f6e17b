/**
 * A bench base on PostgreSQL: every table of a filled SQLite bench database copied row for row
 * into a fresh, migrated PostgreSQL database with `COPY … FROM STDIN` (pg-copy-streams), so the
 * PostgreSQL parts of a bench query the very rows the SQLite parts did. Seeding a million
 * customers through the stores would take the better part of an hour; COPY takes minutes.
 * Derived tables (name grams, tag rows, viewers) are copied as SQLite's triggers filled them,
 * with PostgreSQL's triggers off for the session (`session_replication_role = replica`: the
 * throwaway test server's superuser may set it), then the id sequences are moved past the
 * copied ids and the tables analysed.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Database } from '../src/db/database.js';

/** The text format's escapes: backslash, and the tab, newline and carriage return that separate values and rows. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The rows of one SQLite table as COPY text, in chunks of about a megabyte. */
function* tableText(sqlite: Database['sqlite'], table: string, columns: string[]): Generator<string> {
  const select = sqlite.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`).raw(true);
  let chunk = '';
  for (const row of select.iterate() as Iterable<unknown[]>) {
    chunk += `${row.map(copyText).join('\t')}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Copies every table the two schemas share from `source` into the migrated, empty PostgreSQL
 * database at `url`; resolves with the rows copied and the seconds COPY took.
 */
export async function copyIntoPostgres(source: Database, url: string): Promise<{ rows: number; seconds: number }> {
  const [{ default: pg }, { from: copyFrom }] = await Promise.all([import('pg'), import('pg-copy-streams')]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: targetColumns } = await client.query<{ table_name: string; column_name: string }>(
      "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) " +
        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name NOT LIKE '\\_%'",
    );
    const columnsOf = new Map<string, Set<string>>();
    for (const { table_name, column_name } of targetColumns) {
      if (!columnsOf.has(table_name)) columnsOf.set(table_name, new Set());
      columnsOf.get(table_name)!.add(column_name);
    }
    const started = performance.now();
    let rows = 0;
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    for (const [table, target] of columnsOf) {
      const sourceColumns = (source.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).filter((c) => target.has(c));
      if (sourceColumns.length === 0) continue;
      await pipeline(
        Readable.from(tableText(source.sqlite, table, sourceColumns)),
        client.query(copyFrom(`COPY "${table}" (${sourceColumns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`)),
      );
      rows += source.sqlite.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
      // Serial ids go on after the copied ones (a text key has no sequence: NULL, nothing to move).
      const sequence = target.has('id') ? (await client.query<{ s: string | null }>("SELECT pg_get_serial_sequence($1, 'id') AS s", [`"${table}"`])).rows[0]!.s : null;
      if (sequence) await client.query(`SELECT setval($1, GREATEST(COALESCE(MAX(id), 0), 1)) FROM "${table}"`, [sequence]);
    }
    await client.query('COMMIT');
    const seconds = (performance.now() - started) / 1000;
    await client.query('ANALYZE');
    return { rows, seconds };
  } finally {
    await client.end();
  }
}
