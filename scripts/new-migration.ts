/**
 * `npm run migration:new -- <name>`: rewrites the files derived from prisma/schema.prisma (the
 * PostgreSQL schema and the Kysely table types), then writes, for each engine whose history is
 * behind its schema, `<migrations>/<UTC timestamp>_<name>/migration.sql` with the SQL that takes
 * that history's last schema snapshot to the schema: prisma/migrations for SQLite,
 * prisma/postgres/migrations for PostgreSQL. After a merge that brought SQLite migrations only,
 * it writes the PostgreSQL one that catches up. Then it regenerates the client. `prisma migrate
 * dev` cannot do this here: it needs a shadow database, which Prisma's JS schema engine cannot
 * create (README "Migrations"). Hand-written SQL (triggers, views, search tables) is added to
 * both files by hand.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, readMigrations } from '../src/db/migrate.js';
import { packageRoot } from '../src/package-root.js';
import { POSTGRES_SCHEMA, SCHEMA, writeDerivedFiles } from './schema-variants.js';

const SNAPSHOT = 'schema.prisma';
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('Usage: npm run migration:new -- <name in snake_case>\n');
  process.exit(2);
}

const prisma = path.join(packageRoot, 'node_modules', '.bin', 'prisma');
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const derived = writeDerivedFiles();
if (derived.length > 0) process.stdout.write(`Wrote ${derived.join(', ')}\n`);

/** The SQL from `dir`'s last snapshot to `schema`, or null when there is nothing to do. */
function pendingSql(dir: string, schema: string): string | null {
  const previous = readMigrations(dir)
    .map((m) => path.join(dir, m.name, SNAPSHOT))
    .filter((file) => fs.existsSync(file))
    .at(-1);
  const from = previous ? ['--from-schema-datamodel', previous] : ['--from-empty'];
  const sql = execFileSync(prisma, ['migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script'], {
    cwd: packageRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return /^\s*(CREATE|ALTER|DROP|INSERT|PRAGMA|UPDATE|DELETE)/im.test(sql) ? sql : null;
}

let written = 0;
for (const [dir, schema] of [[MIGRATIONS_DIR, SCHEMA], [POSTGRES_MIGRATIONS_DIR, POSTGRES_SCHEMA]] as const) {
  const sql = pendingSql(dir, schema);
  if (sql === null) continue;
  const target = path.join(dir, `${stamp}_${name}`);
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'migration.sql'), sql);
  fs.copyFileSync(schema, path.join(target, SNAPSHOT));
  process.stdout.write(`Wrote ${path.relative(packageRoot, target)}/migration.sql\n`);
  written++;
}
if (written === 0) {
  process.stdout.write('No schema changes since the last migrations.\n');
  process.exit(0);
}
execFileSync(prisma, ['generate', '--schema', SCHEMA], { cwd: packageRoot, stdio: 'inherit' });
