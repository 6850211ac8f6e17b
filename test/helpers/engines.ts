import { describe } from 'vitest';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { openTempDatabase } from './temp-database.js';
import { openTempPostgres, POSTGRES_SKIP_REASON, TEST_POSTGRES_URL } from './temp-postgres.js';

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

/** A suite about SQLite alone: skipped in the PostgreSQL run (TEST_DATABASE=postgres). */
export const describeSqlite = (title: string, suite: () => void) => describe.runIf(enginesUnderTest().includes('sqlite'))(title, suite);
