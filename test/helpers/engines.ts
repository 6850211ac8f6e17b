import path from 'node:path';
import { afterAll, describe } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { openTempDatabase, tempDir } from './temp-database.js';
import { filledPostgresTemplate, openTempPostgres, POSTGRES_SKIP_REASON, TEST_POSTGRES_URL } from './temp-postgres.js';

export type TestEngine = StoreDatabase['engine'];
export type TestStoreDatabase = StoreDatabase & { url: string; cleanup: () => Promise<void> };

/**
 * The engines a `*.engines.test.ts` file runs on: `TEST_DATABASE=sqlite` or `postgres` picks one
 * (.ci/run runs the suite once with each); unset, both, PostgreSQL skipped with its reason when
 * no test server is configured.
 */
export function enginesUnderTest(): TestEngine[] {
  const chosen = process.env.TEST_DATABASE?.trim();
  if (chosen === 'sqlite' || chosen === 'postgres') return [chosen];
  if (chosen) throw new Error(`TEST_DATABASE must be sqlite or postgres (got ${JSON.stringify(chosen)})`);
  return ['sqlite', 'postgres'];
}

/** A fresh, migrated database of `engine` for one test. */
export async function openTestDatabase(engine: TestEngine): Promise<TestStoreDatabase> {
  if (engine === 'postgres') return openTempPostgres();
  return openTempDatabase();
}

/**
 * The same suite on every engine under test: `describeEngines('the outbox', (engine) => { … })`.
 * PostgreSQL without a test server is skipped, the reason in the suite's name; asked for by
 * TEST_DATABASE=postgres, a missing server is an error instead.
 */
export function describeEngines(title: string, suite: (engine: TestEngine) => void): void {
  for (const engine of enginesUnderTest()) {
    if (engine === 'postgres' && !TEST_POSTGRES_URL) {
      if (process.env.TEST_DATABASE === 'postgres') throw new Error(`TEST_DATABASE=postgres but ${POSTGRES_SKIP_REASON}`);
      describe.skip(`${title} on postgres (skipped: ${POSTGRES_SKIP_REASON})`, () => suite(engine));
      continue;
    }
    describe(`${title} on ${engine}`, () => suite(engine));
  }
}

/**
 * A suite that needs PostgreSQL (migrations, the two engines compared): run when PostgreSQL is
 * under test, as describeEngines does; skipped, saying why, in the SQLite run (a file with no
 * suite at all would fail vitest).
 */
export function describePostgres(title: string, suite: () => void): void {
  if (!enginesUnderTest().includes('postgres')) {
    describe.skip(`${title} (skipped: TEST_DATABASE=${process.env.TEST_DATABASE})`, suite);
    return;
  }
  if (!TEST_POSTGRES_URL) {
    if (process.env.TEST_DATABASE === 'postgres') throw new Error(`TEST_DATABASE=postgres but ${POSTGRES_SKIP_REASON}`);
    describe.skip(`${title} (skipped: ${POSTGRES_SKIP_REASON})`, suite);
    return;
  }
  describe(title, suite);
}

/** A suite about SQLite alone: skipped in the PostgreSQL run (TEST_DATABASE=postgres), saying so. */
export function describeSqlite(title: string, suite: () => void): void {
  if (enginesUnderTest().includes('sqlite')) describe(title, suite);
  else describe.skip(`${title} (skipped: about SQLite alone; TEST_DATABASE=${process.env.TEST_DATABASE})`, suite);
}

/** The test database of one engine: SQLite's carries its raw handle, PostgreSQL's only Kysely. */
export type EngineTestDatabase<E extends TestEngine> = Extract<StoreDatabase, { engine: E }> & { url: string; cleanup: () => Promise<void> };

/**
 * Test databases filled once per test file and copied for each test: the first time an engine
 * is asked for, `fill` runs on a fresh migrated database of it; every `open(engine)` is then a
 * copy (SQLite: the file; PostgreSQL: CREATE DATABASE … TEMPLATE, ~10x faster than seeding).
 * Call it at a test module's top level: the templates are removed after the file's tests.
 */
export function filledOnce(fill: (db: StoreDatabase) => Promise<void>): <E extends TestEngine>(engine: E) => Promise<EngineTestDatabase<E>> {
  const templates = new Map<TestEngine, Promise<{ name: string; drop: () => Promise<void> }>>();
  afterAll(async () => {
    for (const template of templates.values()) await (await template).drop();
  });
  const templateOf = (engine: TestEngine) => {
    let template = templates.get(engine);
    if (!template) {
      template = engine === 'postgres' ? filledPostgresTemplate(fill) : filledSqliteTemplate(fill);
      // A failed fill is not cached: the next test tries again and reports its own error.
      template.catch(() => templates.delete(engine));
      templates.set(engine, template);
    }
    return template;
  };
  return async <E extends TestEngine>(engine: E) => {
    const { name } = await templateOf(engine);
    const db = engine === 'postgres' ? await openTempPostgres(name) : await openTempDatabase(name);
    return db as EngineTestDatabase<E>;
  };
}

async function filledSqliteTemplate(fill: (db: StoreDatabase) => Promise<void>): Promise<{ name: string; drop: () => Promise<void> }> {
  const { dir, cleanup } = tempDir('rapport-filled-template-');
  const file = path.join(dir, 'template.db');
  try {
    const db = await openDatabase(`file:${file}`);
    try {
      await fill(db);
      // Everything into the main file: the copies take that file alone.
      db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await db.close();
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { name: file, drop: async () => cleanup() };
}
