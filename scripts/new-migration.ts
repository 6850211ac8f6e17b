/**
 * `npm run migration:new -- <name>`: writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
 * with the SQL that takes the previous migration's schema snapshot to prisma/schema.prisma,
 * and regenerates the client. `prisma migrate dev` cannot do this here: it needs a shadow
 * database, which Prisma's JS schema engine cannot create for SQLite (README "Migrations").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, readMigrations } from '../src/db/migrate.js';
import { packageRoot } from '../src/package-root.js';

const SNAPSHOT = 'schema.prisma';
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('Usage: npm run migration:new -- <name in snake_case>\n');
  process.exit(2);
}

const schema = path.join(packageRoot, 'prisma', 'schema.prisma');
const previous = readMigrations()
  .map((m) => path.join(MIGRATIONS_DIR, m.name, SNAPSHOT))
  .filter((file) => fs.existsSync(file))
  .at(-1);
const prisma = path.join(packageRoot, 'node_modules', '.bin', 'prisma');
const from = previous ? ['--from-schema-datamodel', previous] : ['--from-empty'];
const sql = execFileSync(prisma, ['migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script'], {
  cwd: packageRoot,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (!/^\s*(CREATE|ALTER|DROP|INSERT|PRAGMA|UPDATE|DELETE)/im.test(sql)) {
  process.stdout.write('No schema changes since the last migration.\n');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
fs.copyFileSync(schema, path.join(dir, SNAPSHOT));
execFileSync(prisma, ['generate'], { cwd: packageRoot, stdio: 'inherit' });
process.stdout.write(`Wrote ${path.relative(packageRoot, dir)}/migration.sql\n`);
