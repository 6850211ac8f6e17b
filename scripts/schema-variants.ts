/**
 * The files derived from `prisma/schema.prisma`, the one source of truth of the data model:
 *
 * - `prisma/postgres/schema.prisma`, the PostgreSQL twin (a schema file has one provider):
 *   DateTime columns become `BigInt` epoch milliseconds, money (`…Minor`) `BigInt` minor units;
 * - `src/db/tables.ts`, the Kysely table types both engines' stores are written against
 *   (prisma-kysely), the same for SQLite and PostgreSQL.
 *
 * `npm run schema:derive` (and `npm run migration:new`) rewrites both; a test fails when a
 * committed file differs from what this derives (docs/ARCHITECTURE.md "Storage rules").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/package-root.js';

export const SCHEMA = path.join(packageRoot, 'prisma', 'schema.prisma');
export const POSTGRES_SCHEMA = path.join(packageRoot, 'prisma', 'postgres', 'schema.prisma');
export const TABLE_TYPES = path.join(packageRoot, 'src', 'db', 'tables.ts');
const PRISMA = path.join(packageRoot, 'node_modules', '.bin', 'prisma');

/** Epoch milliseconds now, PostgreSQL's default for what the SQLite schema defaults to now(). */
const EPOCH_MS_NOW = '(floor(extract(epoch from now()) * 1000))::bigint';

/** Rewrites every field line of every model with `field`; comments and block attributes stay as they are. */
function mapFields(schema: string, field: (line: { name: string; type: string; optional: string; rest: string }) => string): string {
  let inModel = false;
  return schema
    .split('\n')
    .map((line) => {
      if (/^model\s+\w+\s*\{/.test(line)) inModel = true;
      else if (/^\}/.test(line)) inModel = false;
      const m = inModel ? /^(\s+)(\w+)(\s+)(\w+)(\?|\[\])?(.*)$/.exec(line) : null;
      if (!m || line.trim().startsWith('//') || line.trim().startsWith('@@')) return line;
      const [, indent, name, gap, type, optional = '', rest] = m;
      return `${indent}${name}${gap}${field({ name: name!, type: type!, optional, rest: rest! })}`;
    })
    .join('\n');
}

function withoutBlock(schema: string, header: RegExp): string {
  const lines = schema.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return schema;
  const end = lines.findIndex((line, i) => i > start && /^\}/.test(line));
  // …and the blank line after it.
  const next = lines[end + 1]?.trim() === '' ? end + 2 : end + 1;
  return [...lines.slice(0, start), ...lines.slice(next)].join('\n');
}

const withProvider = (schema: string, provider: string) => schema.replace(/(datasource\s+db\s*\{[^}]*provider\s*=\s*)"[^"]+"/, `$1"${provider}"`);

/**
 * The PostgreSQL schema: the same models, indexes and uniques; DateTime as `BigInt` epoch ms (one
 * timestamp representation on both engines), `…Minor` money as `BigInt`; no client generator
 * (the stores use Kysely, not Prisma Client, on PostgreSQL).
 */
export function postgresSchema(schema: string): string {
  const body = mapFields(withoutBlock(schema, /^generator\s+client\s*\{/), ({ name, type, optional, rest }) => {
    if (type === 'DateTime') {
      const attributes = rest.replace(/\s*@updatedAt\b/, '').replace(/@default\(now\(\)\)/, `@default(dbgenerated("${EPOCH_MS_NOW}"))`);
      return `BigInt${optional}${attributes}`;
    }
    if (type === 'Int' && /Minor$/.test(name)) return `BigInt${optional}${rest}`;
    return `${type}${optional}${rest}`;
  });
  return [
    '// GENERATED from prisma/schema.prisma by `npm run schema:derive`: edit that file, not this one.',
    '// PostgreSQL: DateTime fields are BigInt epoch milliseconds and …Minor money is BigInt, as in',
    '// docs/ARCHITECTURE.md "Storage rules".',
    withProvider(body, 'postgresql'),
  ].join('\n');
}

/**
 * The schema prisma-kysely reads: DateTime as number (epoch ms), Boolean as boolean, BigInt as
 * number on both engines. `now()` defaults and `@updatedAt` are dropped so that inserting a row
 * without its timestamps does not type-check: SQLite's CURRENT_TIMESTAMP default would store text.
 */
export function kyselySchema(schema: string, output: string): string {
  const body = mapFields(withoutBlock(schema, /^generator\s+client\s*\{/), ({ type, optional, rest }) =>
    type === 'DateTime' ? `${type}${optional}${rest.replace(/\s*@updatedAt\b/, '').replace(/\s*@default\(now\(\)\)/, '')}` : `${type}${optional}${rest}`,
  );
  return `${body}
generator kysely {
  provider             = "prisma-kysely"
  output               = ${JSON.stringify(output)}
  fileName             = "tables.ts"
  dateTimeTypeOverride = "number"
  booleanTypeOverride  = "boolean"
  bigIntTypeOverride   = "number"
}
`;
}

/** Boolean fields of every model, by column name: SQLite stores them as 0/1. */
export function booleanColumns(schema: string): string[] {
  const names = new Set<string>();
  mapFields(schema, (field) => {
    if (field.type === 'Boolean') names.add(field.name);
    return `${field.type}${field.optional}${field.rest}`;
  });
  return [...names].sort();
}

/** src/db/tables.ts for `schema`: prisma-kysely's types, and the boolean columns (for the SQLite plugin). */
export function tableTypes(schema: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-kysely-'));
  try {
    const file = path.join(dir, 'schema.prisma');
    fs.writeFileSync(file, kyselySchema(schema, path.join(dir, 'out')));
    execFileSync(PRISMA, ['generate', '--schema', file], {
      cwd: packageRoot,
      // The Kysely generator alone would make Prisma fetch a query engine it does not need.
      env: { ...process.env, PRISMA_CLIENT_ENGINE_TYPE: 'client', PATH: `${path.join(packageRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const types = fs.readFileSync(path.join(dir, 'out', 'tables.ts'), 'utf8').trim();
    return `// GENERATED from prisma/schema.prisma by \`npm run schema:derive\` (prisma-kysely): do not edit.
// Timestamps are epoch milliseconds and money minor units on both engines (docs/ARCHITECTURE.md "Storage rules").
${types}

/** Columns of type Boolean, by name: SQLite stores them as 0/1 and src/db/sqlite-kysely.ts reads them back as booleans. */
export const BOOLEAN_COLUMNS: readonly string[] = ${JSON.stringify(booleanColumns(schema))};
`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the derived files; returns those that changed. */
export function writeDerivedFiles(): string[] {
  const schema = fs.readFileSync(SCHEMA, 'utf8');
  const changed: string[] = [];
  for (const [file, text] of [[POSTGRES_SCHEMA, postgresSchema(schema)], [TABLE_TYPES, tableTypes(schema)]] as const) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    changed.push(path.relative(packageRoot, file));
  }
  return changed;
}
