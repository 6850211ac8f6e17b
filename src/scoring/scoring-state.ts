import { z } from 'zod';
import type { Sqlite } from '../db/database.js';

/**
 * Whether the stored scores are current. Every write that changes what scores are computed from
 * (an applied import of customers, orders or reps, an undo) bumps a data version in the same
 * transaction; a live scoring run records the version it read. A crash between an import's
 * commit and its rescoring therefore leaves the two apart, and the next start notices.
 */
const DATA_VERSION_KEY = 'scores.dataVersion';
const LAST_RUN_KEY = 'scores.lastRun';

/**
 * Bumped when the rules that turn orders into scores change (refund netting, the purchase model,
 * calibration, long-tail classes, reorder days, cross-sell): scores an older version wrote are
 * recomputed once after an upgrade.
 */
export const SCORING_RULES_VERSION = 3;

const liveRunSchema = z.object({
  asOf: z.number(),
  computedAt: z.number(),
  week: z.string(),
  dataVersion: z.number(),
  rules: z.number(),
});
/** The latest run that scored the base as of its own day (not a what-if run for a past day). */
export type LiveRun = z.infer<typeof liveRunSchema>;

export function markScoresStale(sqlite: Sqlite): void {
  sqlite
    .prepare(
      `INSERT INTO AppState (key, value) VALUES (?, '1')
       ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
    )
    .run(DATA_VERSION_KEY);
}

export function scoringDataVersion(sqlite: Sqlite): number {
  const value = sqlite.prepare('SELECT value FROM AppState WHERE key = ?').pluck().get(DATA_VERSION_KEY) as string | undefined;
  const version = Number(value ?? 0);
  return Number.isFinite(version) ? version : 0;
}

export function recordLiveRun(sqlite: Sqlite, run: LiveRun): void {
  sqlite
    .prepare('INSERT INTO AppState (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    .run(LAST_RUN_KEY, JSON.stringify(run));
}

/** The last live run, or null when there was none (or what is stored cannot be read: then scores are treated as stale). */
export function lastLiveRun(sqlite: Sqlite): LiveRun | null {
  const value = sqlite.prepare('SELECT value FROM AppState WHERE key = ?').pluck().get(LAST_RUN_KEY) as string | undefined;
  if (value === undefined) return null;
  try {
    const parsed = liveRunSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
