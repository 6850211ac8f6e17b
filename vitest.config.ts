import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/**/*.alone.test.ts'], sequence: { groupOrder: 0 } } },
      // Timing-sensitive (event-loop gaps): runs after the rest, by itself, so the suite's own load does not blur what it measures.
      { extends: true, test: { name: 'alone', include: ['test/**/*.alone.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
