import { randomUUID } from 'node:crypto';
import type { BackgroundJobs } from '../background/background-jobs.js';
import { createJobRunStore } from '../db/stores/job-run-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { lastScoringSlot } from '../domain/schedule/scoring-slot.js';
import type { Logger } from '../logger.js';
import type { RecomputeReport } from '../scoring/recompute.js';
import { runOnce } from './leases.js';
import { teamsWithZones } from '../db/stores/score-store.js';
import { safeZone } from '../domain/schedule/local-time.js';

const JOB = 'rescore';

export interface RescoringDeps {
  /** Where the job runs and the teams' scoring hours are kept. */
  db: StoreHandle;
  background: BackgroundJobs;
  /** Names this process on the runs it claims. */
  owner: string;
  logger: Pick<Logger, 'info' | 'error'>;
}

export type RescoreOutcome =
  | { status: 'done'; runKey: string; report: RecomputeReport }
  /** A run started at or after the last slot already covers it. */
  | { status: 'up-to-date'; slot: Date }
  /** Another fire or process holds (or finished, or gave up on) this run. */
  | { status: 'taken'; runKey: string }
  /** Only from rescoreSoon, which logs the error instead of throwing it at a caller that may not wait. */
  | { status: 'failed'; error: Error };

/** The run key of a nightly slot: one rescoring per slot, however often the job fires. */
export const nightlyRunKey = (slot: Date) => `nightly:${slot.toISOString()}`;

/**
 * The `rescore` job: rescores every customer when a team's nightly scoring hour has passed
 * since the last rescoring started, whatever started it (a night, a catch-up, an import). So
 * a bot that was down at the hour rescores on its first run after it, once.
 */
export function rescoreIfDue(now: Date, deps: RescoringDeps): Promise<RescoreOutcome> {
  return inRescoringLane(deps, async () => {
    const { teams, zones } = await teamsWithZones(deps.db);
    const times = zones.map((t) => ({ zone: safeZone(t.timeZone), hour: teams.of(t.id).schedule.scoringHour }));
    const slot = lastScoringSlot(times, now);
    if (await createJobRunStore(deps.db).coveredSince(JOB, slot, now)) return { status: 'up-to-date', slot };
    return rescore(nightlyRunKey(slot), 'nightly', now, deps);
  });
}

/**
 * The rescorings of one set of deps (the scheduler's), one after another in the order they were
 * asked for: each joins the lane when called, before its first await. So a nightly fire that is
 * still reading the teams' hours decides (and rescores) before a rescoreSoon called after it
 * claims anything, whatever either awaits, and one process never rescores twice at once.
 */
const lanes = new WeakMap<RescoringDeps, Promise<unknown>>();

function inRescoringLane<T>(deps: RescoringDeps, work: () => Promise<T>): Promise<T> {
  const ahead = lanes.get(deps) ?? Promise.resolve();
  const turn = ahead.then(work, work);
  lanes.set(deps, turn.catch(() => {}));
  return turn;
}

/**
 * Claims the run `runKey` and rescores as of `now` in the background worker, renewing the run's
 * one-minute lease while it works (runOnce: a replica that dies mid-run loses the run within a
 * minute). A failed run is recorded (and tried again by a later fire of its slot) and rethrown.
 */
export async function rescore(runKey: string, reason: string, now: Date, deps: RescoringDeps): Promise<RescoreOutcome> {
  const started = performance.now();
  // The run's own time: `now` (the scores' as-of) plus the time it has taken so far.
  const runClock = { now: () => new Date(now.getTime() + Math.round(performance.now() - started)) };
  const outcome = await runOnce(createJobRunStore(deps.db), { job: JOB, runKey, reason, owner: deps.owner, now }, runClock, () =>
    deps.background.run({ kind: 'rescore', asOf: now, computedAt: now }),
  );
  if (outcome.status === 'taken') return { status: 'taken', runKey };
  const report = outcome.result;
  deps.logger.info({ runKey, reason, customers: report.customers, elapsedMs: Math.round(report.elapsedMs.total) }, 'rescored every customer');
  return { status: 'done', runKey, report };
}

/**
 * `rescoreSoon(reason)` for what changes scores outside the nightly run (an import through
 * chat): rescores now, and calls made while a rescoring runs share one more run after it, so
 * a burst of imports costs two rescorings, and none of them is missed by the scores. Never
 * rejects: a failure is logged and returned.
 */
export function createRescoreSoon(deps: RescoringDeps, now: () => Date): (reason: string) => Promise<RescoreOutcome> {
  let running: Promise<RescoreOutcome> | null = null;
  let next: Promise<RescoreOutcome> | null = null;
  const start = (reason: string): Promise<RescoreOutcome> => {
    const run = inRescoringLane(deps, () => {
      const at = now();
      // A run on demand has a key of its own: nothing to share with another run.
      return rescore(`${reason}:${at.toISOString()}:${randomUUID()}`, reason, at, deps);
    })
      .catch((error: unknown): RescoreOutcome => {
        const failure = error instanceof Error ? error : new Error(String(error));
        deps.logger.error({ err: failure, reason }, 'rescoring failed');
        return { status: 'failed', error: failure };
      })
      .finally(() => {
        if (running === run) running = null;
      });
    running = run;
    return run;
  };
  return (reason) => {
    if (!running) return start(reason);
    next ??= running.then(() => {
        next = null;
        return start(reason);
      });
    return next;
  };
}
