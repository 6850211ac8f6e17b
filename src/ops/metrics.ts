import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BackgroundJobs, BackgroundResults } from '../background/background-jobs.js';
import type { Clock } from '../clock.js';
import type { AnyCommand } from '../commands/command.js';
import type { OutboxDepth } from '../db/stores/outbox-store.js';
import type { DeliveryObserver } from '../scheduler/delivery-worker.js';

/**
 * The bot's Prometheus metrics (prom-client), in a registry of its own: nudges by outcome,
 * platform and kind; the outbox backlog; command latency; imported rows; scoring time; and
 * Node's process metrics. Served at GET /metrics (ops-routes.ts); docs/DEPLOY.md lists them.
 */
export interface BotMetrics {
  readonly registry: Registry;
  /** For the delivery worker (DeliveryDeps.observe). */
  readonly deliveries: DeliveryObserver;
  /** The commands, each timed into rapport_command_duration_seconds. */
  timedCommands(commands: readonly AnyCommand[]): AnyCommand[];
  /** The background jobs, with rescoring time and imported rows recorded from their results. */
  observedJobs(jobs: BackgroundJobs): BackgroundJobs;
}

export interface BotMetricsOptions {
  /** The outbox backlog, read at each scrape. */
  outboxDepth: (now: Date) => Promise<OutboxDepth>;
  clock: Clock;
}

export function createBotMetrics(options: BotMetricsOptions): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const nudges = (outcome: string, help: string) =>
    new Counter({ name: `rapport_nudges_${outcome}_total`, help, labelNames: ['platform', 'kind'], registers: [registry] });
  const counters = {
    sent: nudges('sent', 'Nudges delivered'),
    failed: nudges('failed', 'Delivery attempts that failed (each is then retried or dead)'),
    retried: nudges('retried', 'Failed deliveries put back to be tried again later'),
    dead: nudges('dead', 'Nudges given up on (permanent failure, or out of attempts)'),
  };
  const commandSeconds = new Histogram({
    name: 'rapport_command_duration_seconds',
    help: 'Time a command took to answer, by command',
    labelNames: ['command'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [registry],
  });
  const importRows = new Counter({
    name: 'rapport_import_rows_total',
    help: 'Rows of applied imports by kind and result (dry runs and refused files count nothing)',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const scoringSeconds = new Histogram({
    name: 'rapport_scoring_duration_seconds',
    help: 'Time a rescoring of every customer took',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  let depth: Promise<OutboxDepth> | null = null;
  // Both gauges read one query per scrape.
  const readDepth = () => (depth ??= options.outboxDepth(options.clock.now()).finally(() => setImmediate(() => (depth = null))));
  new Gauge({
    name: 'rapport_outbox_due',
    help: 'Nudges due and not yet sent or given up (pending, waiting to retry, or being delivered)',
    registers: [registry],
    async collect() {
      this.set((await readDepth()).due);
    },
  });
  new Gauge({
    name: 'rapport_outbox_oldest_due_age_seconds',
    help: 'How long the oldest of those has been due (0 when there is none)',
    registers: [registry],
    async collect() {
      const { oldestDueAt } = await readDepth();
      this.set(oldestDueAt === null ? 0 : Math.max(0, (options.clock.now().getTime() - oldestDueAt) / 1000));
    },
  });

  return {
    registry,
    deliveries: (outcome, row, platform) => counters[outcome].inc({ platform: platform ?? 'none', kind: row.kind }),
    timedCommands: (commands) =>
      commands.map((command) => ({
        ...command,
        async run(args, ctx) {
          const stop = commandSeconds.startTimer({ command: command.name });
          try {
            return await command.run(args, ctx);
          } finally {
            stop();
          }
        },
      })),
    observedJobs: (jobs) => ({
      async run(job) {
        const started = performance.now();
        const result = await jobs.run(job);
        if (job.kind === 'rescore') scoringSeconds.observe((performance.now() - started) / 1000);
        if (job.kind === 'import') {
          const { summary } = result as BackgroundResults['import'];
          if (summary.status === 'applied' && !summary.dryRun) {
            for (const kind of ['inserted', 'updated', 'unchanged', 'rejected'] as const) importRows.inc({ kind: summary.kind, result: kind }, summary[kind]);
          }
        }
        return result;
      },
    }),
  };
}
