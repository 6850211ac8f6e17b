import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

// Prisma's native schema engine cannot be downloaded here, so the CLI runs its JS engine
// through the same driver adapter as the app (see README "Migrations").
// The schema reads DATABASE_URL; give it the app's default so `prisma generate` works without .env.
process.env.DATABASE_URL ??= `file:${path.join('data', 'rapport.db')}`;
const url = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    // The engine opens the database even to diff two schema files; a fresh clone has no data/ yet.
    fs.mkdirSync(path.dirname(path.resolve(url.replace(/^file:/, ''))), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
