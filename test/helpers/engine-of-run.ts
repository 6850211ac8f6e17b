import { enginesUnderTest, type TestEngine } from './engines.js';
import { POSTGRES_SKIP_REASON, TEST_POSTGRES_URL } from './temp-postgres.js';

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
