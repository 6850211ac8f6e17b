import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock.js';
import type { Sqlite } from '../db/database.js';
import { DEFAULT_RETRY_POLICY } from '../domain/schedule/retry.js';
import type { Logger } from '../logger.js';
import { renderDigestChart } from './digest-chart.js';
import { deliverDue, type DeliveryDeps, type DeliveryReport } from './delivery-worker.js';
import type { Notifier } from './notifier.js';
import { createPlatformPauses } from './notifier-router.js';
import { createRecipientLookup } from './nudge-data.js';
import type { Platform } from '../domain/platform.js';
import { createNudgeRenderer, type NudgeRendererOptions } from './nudge-renderer.js';
import { createOutbox } from './outbox.js';
import { runPlanning, type PlanningResult } from './planning-run.js';

export const JOBS = ['plan', 'plan-callbacks', 'deliver'] as const;
export type JobName = (typeof JOBS)[number];

/**
 * When each job runs. node-cron only decides when; runJob decides what from `now`. The
 * triggers run in UTC on purpose: every person's own zone is applied when a nudge is planned
 * (agenda at 09:00 Berlin, digest Monday 08:00 Shanghai), so no trigger depends on a zone.
 */
export const JOB_TRIGGERS: Record<JobName, string> = {
  plan: '0 */15 * * * *',
  'plan-callbacks': '30 * * * * *',
  deliver: '*/15 * * * * *',
};
export const TRIGGER_TIME_ZONE = 'UTC';

export interface SchedulerDeps {
  sqlite: Sqlite;
  delivery: DeliveryDeps;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

const MAX_BATCHES_PER_RUN = 20;

/** One run of a job at `now`. Every job is idempotent, so a double fire is harmless. */
export async function runJob(job: JobName, now: Date, deps: SchedulerDeps): Promise<PlanningResult | DeliveryReport[]> {
  switch (job) {
    case 'plan':
    case 'plan-callbacks': {
      const result = runPlanning(deps.sqlite, now, job === 'plan' ? 'all' : 'callbacks');
      for (const failure of result.failures) deps.logger.error(failure, 'could not plan nudges for one target');
      return result;
    }
    case 'deliver': {
      const reports: DeliveryReport[] = [];
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
        const report = await deliverDue(now, deps.delivery);
        reports.push(report);
        if (report.claimed === 0) break;
      }
      return reports;
    }
  }
}

export interface SchedulerOptions {
  sqlite: Sqlite;
  /** The notifier of every platform the bot runs; filled as adapters start. */
  notifiers: ReadonlyMap<Platform, Notifier>;
  clock: Clock;
  logger: Logger;
  render: Omit<NudgeRendererOptions, 'renderChart'>;
}

export function createSchedulerDeps(options: SchedulerOptions): SchedulerDeps {
  return {
    sqlite: options.sqlite,
    logger: options.logger,
    delivery: {
      outbox: createOutbox(options.sqlite),
      recipientOf: createRecipientLookup(options.sqlite),
      render: createNudgeRenderer(options.sqlite, { ...options.render, renderChart: renderDigestChart }),
      notifiers: options.notifiers,
      pauses: createPlatformPauses(options.sqlite),
      retry: DEFAULT_RETRY_POLICY,
      random: Math.random,
      newClaimToken: () => `${process.pid}:${randomUUID()}`,
      logger: options.logger,
    },
  };
}

export interface RunningScheduler {
  /** Stops the triggers and waits for a job that is running to finish. */
  stop(): Promise<void>;
}

/**
 * Starts the live scheduler: first a catch-up (plan from the last run, deliver what fell due
 * while the bot was down, marked late), then the cron triggers. Timers are unref'd so the
 * scheduler never keeps the process alive on its own.
 */
export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const deps = createSchedulerDeps(options);
  const running = new Set<Promise<unknown>>();
  const fire = (job: JobName) => {
    const run = runJob(job, options.clock.now(), deps)
      .catch((error: unknown) => options.logger.error({ err: error, job }, 'scheduler job failed'))
      .finally(() => running.delete(run));
    running.add(run);
    return run;
  };
  await fire('plan');
  await fire('deliver');
  const tasks: ScheduledTask[] = JOBS.map((job) =>
    cron.schedule(JOB_TRIGGERS[job], () => fire(job), { name: `rapport-${job}`, timezone: TRIGGER_TIME_ZONE, noOverlap: true, unref: true }),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.destroy()));
      await Promise.all([...running]);
    },
  };
}
