import fs from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * TEST_DATABASE=postgres (.ci/run's second run) runs the test files that know PostgreSQL,
 * `*.engines.test.ts` (store contracts, migrations, the schema's hand-written parts); every other
 * file still uses the SQLite handle directly and is skipped in that run, saying so.
 */
const POSTGRES_RUN = process.env.TEST_DATABASE === 'postgres';
// Said once: vitest reads this file for each project too.
if (POSTGRES_RUN && !process.env.RAPPORT_POSTGRES_RUN_NOTED) {
  process.env.RAPPORT_POSTGRES_RUN_NOTED = '1';
  const files = (fs.readdirSync('test', { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts'));
  const engines = files.filter((f) => f.endsWith('.engines.test.ts'));
  process.stdout.write(
    `TEST_DATABASE=postgres: running the ${engines.length} test files that know PostgreSQL (*.engines.test.ts); ` +
      `skipping the other ${files.length - engines.length}, which run on SQLite only until the stores move to Kysely (issue 15, phase 2)\n`,
  );
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: [POSTGRES_RUN ? 'test/**/*.engines.test.ts' : 'test/**/*.test.ts'],
          exclude: ['test/**/*.alone.test.ts'],
          // Vitest's default on 2 cores is one worker (CPUs − 1); most files wait on child processes,
          // sockets and SQLite I/O, so a second worker nearly halves the wall time (docs/ARCHITECTURE.md, "Background work").
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      // Timing-sensitive (event-loop gaps): runs after the rest, by itself, so the suite's own load does not blur what it measures.
      { extends: true, test: { name: 'alone', include: POSTGRES_RUN ? [] : ['test/**/*.alone.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
