import path from 'node:path';
import { onTestFinished } from 'vitest';
import { enginesUnderTest, type TestEngine } from './engines.js';
import { createEmptyPostgresDatabase, POSTGRES_SKIP_REASON, TEST_POSTGRES_URL } from './temp-postgres.js';

/**
 * The one engine a test that is about something else (a chat adapter, the bot's process) runs
 * on: PostgreSQL in .ci/run's `TEST_DATABASE=postgres` run, SQLite otherwise. Unlike a
 * `*.engines.test.ts` file, such a test does not run once per engine when TEST_DATABASE is
 * unset: the store contracts already compare the engines. Asked for PostgreSQL without a test
 * server, it throws, saying what to set.
 */
export function engineOfRun(): TestEngine {
  if (enginesUnderTest().includes('sqlite')) return 'sqlite';
  if (!TEST_POSTGRES_URL) throw new Error(`TEST_DATABASE=postgres but ${POSTGRES_SKIP_REASON}`);
  return 'postgres';
}

/**
 * Where a bot the test starts itself (runBot, `npm start` in a child process) keeps its data, on
 * the run's engine, as its DATABASE_URL: a new SQLite file `name`.db in `dir` (it goes with
 * `dir`), or a new empty database on the PostgreSQL test server, dropped when the test finishes.
 * Nothing is migrated: whoever opens it first does, as the bot does at start. Call it in a test.
 */
export async function databaseOfRun(dir: string, name: string): Promise<string> {
  if (engineOfRun() === 'sqlite') return `file:${path.join(dir, `${name}.db`)}`;
  const { url, cleanup } = await createEmptyPostgresDatabase();
  onTestFinished(cleanup);
  return url;
}
