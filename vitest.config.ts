import { defineConfig } from 'vitest/config';

/**
 * TEST_DATABASE=postgres (.ci/run's second run) runs the whole suite again on PostgreSQL: the
 * `*.engines.test.ts` files on PostgreSQL alone, the adapter and replica files on the engine of
 * the run (test/helpers/engine-of-run.ts), suites about SQLite itself skipped by `describeSqlite`
 * saying so. Only the files below still open SQLite whatever the run; each says why.
 */
const POSTGRES_RUN = process.env.TEST_DATABASE === 'postgres';
const SQLITE_ONLY_FILES: Record<string, string> = {
  'test/cli.e2e.test.ts': 'the quick start itself: `npm start` with no .env on its SQLite file',
  'test/launcher.test.ts': 'the launcher on the default SQLite file',
  'test/lazy-loading.test.ts': 'what the SQLite start path loads',
  'test/main.test.ts': 'the bot on its SQLite file across a restart (the bot on PostgreSQL: health-and-metrics, the Slack and Discord process tests, the month of replicas)',
  'test/scoring/current-scores.test.ts': 'a SQLite file from before a migration, scored at start',
  'test/scoring/stale-after-crash.test.ts': 'an import killed mid-way on a SQLite file, rescored at the next start',
  'test/background/event-loop.alone.test.ts': "SQLite's one writer against the event loop (PostgreSQL has row locks)",
};
// Said once: vitest reads this file for each project too.
if (POSTGRES_RUN && !process.env.RAPPORT_POSTGRES_RUN_NOTED) {
  process.env.RAPPORT_POSTGRES_RUN_NOTED = '1';
  process.stdout.write(
    `TEST_DATABASE=postgres: the suite on PostgreSQL; on SQLite only, so skipped here: ${Object.entries(SQLITE_ONLY_FILES).map(([file, why]) => `${file} (${why})`).join('; ')}\n`,
  );
}
const postgresSkips = POSTGRES_RUN ? Object.keys(SQLITE_ONLY_FILES) : [];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.alone.test.ts', ...postgresSkips],
          // Vitest's default on 2 cores is one worker (CPUs − 1); most files wait on child processes,
          // sockets and SQLite I/O, so a second worker nearly halves the wall time (docs/ARCHITECTURE.md, "Background work").
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      // Timing-sensitive (event-loop gaps): runs after the rest, by itself, so the suite's own load does not blur what it measures.
      { extends: true, test: { name: 'alone', include: ['test/**/*.alone.test.ts'], exclude: postgresSkips, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
