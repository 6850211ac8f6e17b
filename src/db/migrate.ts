import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { packageRoot } from '../package-root.js';
import { refreshCheckIns } from './check-ins.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Data a migration's new columns need that SQL alone cannot compute (it depends on parsed team
 * settings). Each runs once, after every schema migration is applied, so it is the current
 * code against the current schema; it is recorded as `<migration>#data`, so a crash between
 * the two only delays it to the next start.
 */
export const DATA_STEPS: Readonly<Record<string, (sqlite: BetterSqlite3.Database) => void>> = {
  '20261123063410_check_ins': (sqlite) => refreshCheckIns(sqlite, 'all'),
  '20261201104029_order_refunds_and_occurrences': (sqlite) => {
    // Identical orders without an order id that are already stored become occurrences 1, 2, … of their natural key.
    sqlite.exec(`UPDATE "Order" SET occurrence = numbered.n
      FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY customerId, orderedAt, amountMinor, product ORDER BY id) AS n
            FROM "Order" WHERE externalId IS NULL) AS numbered
      WHERE "Order".id = numbered.id AND numbered.n > 1`);
    // Scores an older version filed for a future day (scores --as-of 2099-01-01) posed as the current ones: drop them.
    sqlite.exec('DELETE FROM ScoreSnapshot WHERE asOf > computedAt + 86400000');
  },
};

export const MIGRATIONS_DIR = path.join(packageRoot, 'prisma', 'migrations');
/** PostgreSQL's history, applied by src/db/postgres/migrate-postgres.ts with the same rules. */
export const POSTGRES_MIGRATIONS_DIR = path.join(packageRoot, 'prisma', 'postgres', 'migrations');

/** The committed migrations, oldest first (directory names start with a UTC timestamp). */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the committed migration SQL that this database has not seen, each in its own
 * transaction. We run the SQL ourselves rather than `prisma migrate deploy` because the
 * Prisma CLI cannot fetch its native engine here (README "Migrations"). An edited
 * migration that was already applied is an error, not something to silently re-run.
 */
export function migrate(sqlite: BetterSqlite3.Database, migrations = readMigrations(), dataSteps = DATA_STEPS): MigrationReport {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS "_rapport_migrations" (
    "name" TEXT PRIMARY KEY NOT NULL,
    "checksum" TEXT NOT NULL,
    "appliedAt" INTEGER NOT NULL
  )`);
  const done = new Map(
    (sqlite.prepare('SELECT name, checksum FROM _rapport_migrations').all() as { name: string; checksum: string }[]).map(
      (row) => [row.name, row.checksum],
    ),
  );
  const record = sqlite.prepare('INSERT INTO _rapport_migrations (name, checksum, appliedAt) VALUES (?, ?, ?)');
  const applied: string[] = [];
  for (const migration of unapplied(migrations, done)) {
    sqlite.transaction(() => {
      sqlite.exec(migration.sql);
      record.run(migration.name, migration.checksum, Date.now());
    })();
    applied.push(migration.name);
  }
  for (const { name, step } of dataStepsDue(migrations, dataSteps, done)) {
    sqlite.transaction(() => {
      step(sqlite);
      record.run(name, '', Date.now());
    })();
  }
  return { applied, alreadyApplied: migrations.filter((m) => done.has(m.name)).length };
}

/**
 * The migrations a database has not applied, oldest first, given what it recorded (name →
 * checksum). An applied migration that was edited since is an error, on every engine.
 */
export function unapplied(migrations: readonly Migration[], done: ReadonlyMap<string, string>): Migration[] {
  return migrations.filter((migration) => {
    const seen = done.get(migration.name);
    if (seen !== undefined && seen !== migration.checksum) {
      throw new Error(`Migration ${migration.name} was changed after it was applied; add a new migration instead`);
    }
    return seen === undefined;
  });
}

/** The data steps not yet run (recorded as `<migration>#data`), in migration order. */
export function dataStepsDue<Step>(
  migrations: readonly Migration[],
  steps: Readonly<Record<string, Step>>,
  done: ReadonlyMap<string, string>,
): { name: string; step: Step }[] {
  return migrations.flatMap((migration) => {
    const step = steps[migration.name];
    const name = `${migration.name}#data`;
    return step === undefined || done.has(name) ? [] : [{ name, step }];
  });
}
