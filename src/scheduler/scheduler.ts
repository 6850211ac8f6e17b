import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { BackgroundJobs } from '../background/background-jobs.js';
import { BackgroundWorkerClosed } from '../background/background-worker.js';
import type { Clock } from '../clock.js';
import type { StoreDatabase } from '../db/store-database.js';
import { createOutboxStore } from '../db/stores/outbox-store.js';
import type { LeaseStore } from '../db/stores/lease-store.js';
import { DEFAULT_RETRY_POLICY } from '../domain/schedule/retry.js';
import type { Logger } from '../logger.js';
import { deliverDue, type DeliveryDeps, type DeliveryObserver, type DeliveryReport } from './delivery-worker.js';
import type { Notifier } from './notifier.js';
import { createPlatformPauses } from './notifier-router.js';
import { createRecipientLookup } from './nudge-data.js';
import type { Platform } from '../domain/platform.js';
import { digestsOn } from './command-services.js';
import { createNudgeRenderer, type NudgeRendererOptions } from './nudge-renderer.js';
import { keepLease, type Every, type KeptLease } from './leases.js';
import type { PlanningResult } from './planning-run.js';
import { createRescoreSoon, rescoreIfDue, type RescoreOutcome, type RescoringDeps } from './rescoring.js';

export const JOBS = ['plan', 'plan-callbacks', 'rescore', 'deliver'] as const;
export type JobName = (typeof JOBS)[number];

/**
 * When each job runs. node-cron only decides when; runJob decides what from `now`. The
 * triggers run in UTC on purpose: every person's own zone is applied when a nudge is planned
 * (agenda at 09:00 Berlin, digest Monday 08:00 Shanghai), so no trigger depends on a zone.
 */
export const JOB_TRIGGERS: Record<JobName, string> = {
  plan: '0 */15 * * * *',
  'plan-callbacks': '30 * * * * *',
  // Quarter hours: a team's scoring hour in a zone offset by :30 or :45 still fires on time.
  rescore: '0 */15 * * * *',
  deliver: '*/15 * * * * *',
};
export const TRIGGER_TIME_ZONE = 'UTC';

/**
 * Jobs one process runs for all that share the database (planning with its agendas and digests,
 * nightly scoring): the holder of this lease. Delivery runs everywhere (its claim is atomic).
 */
export const SCHEDULER_LEASE = 'scheduler';
const LEADER_JOBS: ReadonlySet<JobName> = new Set(['plan', 'plan-callbacks', 'rescore']);

export interface SchedulerDeps extends RescoringDeps {
  /** Planning and rescoring run there, off the event loop; delivery stays here (it needs the notifiers, and each row is quick). */
  background: BackgroundJobs;
  delivery: DeliveryDeps;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

const MAX_BATCHES_PER_RUN = 20;

/** One run of a job at `now`. Every job is idempotent, so a double fire is harmless. `stop` ends a delivery run early. */
export async function runJob(job: JobName, now: Date, deps: SchedulerDeps, stop?: AbortSignal): Promise<PlanningResult | RescoreOutcome | DeliveryReport[]> {
  switch (job) {
    case 'plan':
    case 'plan-callbacks': {
      const result = await deps.background.run({ kind: 'plan', now, scope: job === 'plan' ? 'all' : 'callbacks' });
      for (const failure of result.failures) deps.logger.error(failure, 'could not plan nudges for one target');
      // Once per full run (every 15 minutes), not on every minute's callback pass.
      if (job === 'plan') for (const problem of result.settingsProblems) deps.logger.warn(problem);
      return result;
    }
    case 'rescore':
      return rescoreIfDue(now, deps);
    case 'deliver': {
      const reports: DeliveryReport[] = [];
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !stop?.aborted; batch++) {
        const report = await deliverDue(now, deps.delivery, undefined, stop);
        reports.push(report);
        if (report.claimed === 0) break;
      }
      return reports;
    }
  }
}

export interface SchedulerOptions {
  /** The outbox, job runs, recipients, rendering, pauses and rescoring go through its stores (either engine). */
  db: StoreDatabase;
  /** The notifier of every platform the bot runs; filled as adapters start. */
  notifiers: ReadonlyMap<Platform, Notifier>;
  background: BackgroundJobs;
  clock: Clock;
  logger: Logger;
  render: Omit<NudgeRendererOptions, 'buildDigest'>;
  /** Delivery outcomes, for the metrics. */
  observeDeliveries?: DeliveryObserver;
  /** Aborted when the bot is asked to stop (SIGTERM): from then on the scheduler claims nothing, even during its start. */
  stop?: AbortSignal;
}

export function createSchedulerDeps(options: SchedulerOptions): SchedulerDeps {
  return {
    db: options.db,
    background: options.background,
    owner: `${process.pid}:${randomUUID()}`,
    logger: options.logger,
    delivery: {
      outbox: createOutboxStore(options.db),
      recipientOf: createRecipientLookup(options.db),
      render: createNudgeRenderer(options.db, { ...options.render, buildDigest: digestsOn(options.background) }),
      notifiers: options.notifiers,
      pauses: createPlatformPauses(options.db),
      retry: DEFAULT_RETRY_POLICY,
      random: Math.random,
      newClaimToken: () => `${process.pid}:${randomUUID()}`,
      logger: options.logger,
      observe: options.observeDeliveries,
    },
  };
}

export interface RunningScheduler {
  /** Runs `job` now, at the clock's time, as its trigger would (the leader's jobs only in the lease holder). */
  fire(job: JobName): Promise<void>;
  /** Resolves when the latest catch-up (at start, or on taking the lease over) has rescored if due and planned. */
  caughtUp(): Promise<void>;
  /** Renews the scheduler lease now (its timer does every 20 s); resolves with whether this process plans and scores. */
  renewLease(): Promise<boolean>;
  /**
   * Rescores every customer soon, off the event loop (after an import through chat); calls
   * during a rescoring share one more run after it. Resolves when the scores are current.
   */
  rescoreSoon(reason: string): Promise<RescoreOutcome>;
  /**
   * Stops claiming and the triggers, waits for the job that is running (a delivery finishes the
   * row it is sending and gives the rest of its batch back), and hands the scheduler lease over.
   */
  stop(): Promise<void>;
}

/**
 * Starts the live scheduler: first a catch-up (a rescoring if a scoring hour passed while the
 * bot was down; planning from the last run; delivering what fell due meanwhile, marked late),
 * then the cron triggers. The catch-up's rescoring and planning queue in the background
 * worker, so the start waits only for the first delivery. Timers are unref'd so the scheduler
 * never keeps the process alive on its own. Processes sharing the database all deliver; only
 * the holder of SCHEDULER_LEASE plans and scores, and another takes over within a minute of its
 * death (its first planning run catches up from the last one).
 */
export async function startScheduler(
  options: SchedulerOptions & {
    leases: LeaseStore;
    leaseTimers?: Every;
    /** `manual`: no cron; the caller fires each job (a simulation's own clock: node-cron runs on real time). */
    triggers?: 'cron' | 'manual';
  },
): Promise<RunningScheduler> {
  const deps = createSchedulerDeps(options);
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();
  options.stop?.addEventListener('abort', () => stopping.abort(), { once: true });
  let leading = false;
  const fire = async (job: JobName): Promise<void> => {
    if (stopping.signal.aborted || (LEADER_JOBS.has(job) && !leading)) return;
    const run = runJob(job, options.clock.now(), deps, stopping.signal)
      .catch((error: unknown) => {
        if (error instanceof BackgroundWorkerClosed) options.logger.info({ job }, 'scheduler job stopped with the bot');
        else options.logger.error({ err: error, job }, 'scheduler job failed');
      })
      .finally(() => running.delete(run));
    running.add(run);
    await run;
  };
  // The plan after the rescoring (done, or not due), so plans are made from fresh scores: the
  // rescoring reads the store before it queues, so firing both at once queued the plan first.
  let catchingUp: Promise<void> = Promise.resolve();
  const catchUp = () => {
    catchingUp = (async () => {
      await fire('rescore');
      await fire('plan');
    })();
  };
  let started = false;
  const leader: KeptLease = keepLease(options.leases, {
    name: SCHEDULER_LEASE,
    holder: deps.owner,
    clock: options.clock,
    onChange(held) {
      leading = held;
      options.logger.info({ owner: deps.owner }, held ? 'this process plans and scores' : 'another process plans and scores');
      // Taken over later (the holder died, or this process restarted after a crash before its old lease ran out): catch up now, not at the next trigger.
      if (held && started) catchUp();
    },
    onError: (error) => options.logger.warn({ err: error }, 'could not renew the scheduler lease'),
    every: options.leaseTimers,
  });
  await leader.renewNow();
  started = true;
  catchUp();
  await fire('deliver');
  const tasks: ScheduledTask[] =
    options.triggers === 'manual'
      ? []
      : JOBS.map((job) => cron.schedule(JOB_TRIGGERS[job], () => fire(job), { name: `rapport-${job}`, timezone: TRIGGER_TIME_ZONE, noOverlap: true, unref: true }));
  return {
    fire,
    caughtUp: () => catchingUp,
    renewLease: () => leader.renewNow(),
    rescoreSoon: createRescoreSoon(deps, () => options.clock.now()),
    async stop() {
      // No new claims; a delivery in flight finishes its row and gives the rest of its batch back.
      stopping.abort();
      await Promise.all(tasks.map((task) => task.destroy()));
      await Promise.all([...running]);
      // Handed over at once, so another process plans without waiting for the lease to expire.
      await leader.stop();
    },
  };
}
