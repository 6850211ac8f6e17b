import type { Clock } from '../clock.js';
import type { StoreDatabase } from '../db/store-database.js';
import { refreshCheckIns } from '../db/stores/check-in-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { loadTeamSettings } from '../db/team-settings.js';
import { coveringIdRanges, inGroups, writeInSlices, type WriteSlicing } from '../db/write-slices.js';
import { importFile, type ImportSummary } from '../import/import-run.js';
import { renderDigestChart } from '../scheduler/digest-chart.js';
import type { PlanningScope } from '../scheduler/planner.js';
import { runPlanning, type PlanningResult } from '../scheduler/planning-run.js';
import { buildDigestWithChart, type BuiltDigest, type DigestRequest } from '../scheduler/weekly-digest.js';
import { recomputeScores, type RecomputeReport } from '../scoring/recompute.js';
import { validateScores, type ValidationReport } from '../scoring/validate.js';

/** What an import job may carry across a thread: `importFile`'s options but the callbacks. */
export type ImportJobOptions = Omit<Parameters<typeof importFile>[2], 'onProgress' | 'afterOrdersChanged'>;

/**
 * The work that takes longer than the event loop may be held (~50 ms): the bot hands it to its
 * background worker. Plain data (Dates included), so it crosses a thread as it is.
 */
export type BackgroundJob =
  | { kind: 'rescore'; asOf: Date; computedAt: Date }
  | { kind: 'plan'; now: Date; scope: PlanningScope }
  /** Every customer's last touch and next check-in (after an undo, a repair), or one team's (its cadences changed). */
  | { kind: 'refresh-check-ins'; teamId?: number }
  /** A CSV file already on disk (a chat upload, downloaded), imported as `importFile` does. */
  | { kind: 'import'; file: string; startedAt: Date; options: ImportJobOptions }
  /** How the forecasts held up over a holdout (`/rapport model`): reads and fits, writes nothing. */
  | { kind: 'validate'; asOf: Date; holdoutDays: number }
  /** A weekly digest with its chart (`/digest`, the Monday delivery): reads, draws, writes nothing. */
  | ({ kind: 'digest' } & DigestRequest);

export interface BackgroundResults {
  rescore: RecomputeReport;
  plan: PlanningResult;
  'refresh-check-ins': { customers: number };
  /** `ordersChanged`: the import applied new or changed orders, so scores are stale. */
  import: { summary: ImportSummary; ordersChanged: boolean };
  validate: ValidationReport;
  digest: BuiltDigest;
}

export type BackgroundResult<J extends BackgroundJob> = BackgroundResults[J['kind']];

/** The port the scheduler and the chat import path use; the bot's implementation is a worker thread. */
export interface BackgroundJobs {
  run<J extends BackgroundJob>(job: J): Promise<BackgroundResult<J>>;
}

/** The jobs run in the caller's own thread, on its connection (tools and tests): the code the worker thread runs. */
export function inThisThread(db: StoreDatabase): BackgroundJobs {
  return { run: (job) => runBackgroundJob(db, job) };
}

/** Customers per check-in refresh batch: a millisecond or two, since a waiting writer gets the lock only between batches. */
const CHECK_IN_BATCH = 250;

/**
 * Runs one job on `db`, in whichever thread calls it. With `slicing` (the worker thread), writes
 * go in short transactions that share the write lock with the bot's own writes; an import stays
 * one transaction, because it must never half-apply.
 */
export async function runBackgroundJob<J extends BackgroundJob>(db: StoreDatabase, job: J, slicing?: WriteSlicing): Promise<BackgroundResult<J>> {
  return (await dispatch(db, job, slicing)) as BackgroundResult<J>;
}

async function dispatch(db: StoreDatabase, job: BackgroundJob, slicing: WriteSlicing | undefined): Promise<BackgroundResults[BackgroundJob['kind']]> {
  switch (job.kind) {
    case 'rescore':
      return recomputeScores(db, job.asOf, { computedAt: job.computedAt, writeSlicing: slicing });
    case 'plan':
      return runPlanning(db, job.now, job.scope, slicing);
    case 'refresh-check-ins': {
      const teams = await loadTeamSettings(db);
      const customers = db.kysely.selectFrom('Customer as c').select('c.id').orderBy('c.id');
      if (job.teamId !== undefined) {
        const ids = idsOf(await customers.innerJoin('Rep as r', 'r.id', 'c.ownerId').where('r.teamId', '=', job.teamId).execute());
        await writeInSlices(db, inGroups(ids, CHECK_IN_BATCH).map((group) => (trx) => refreshCheckIns(trx, { customerIds: group }, teams)), slicing);
        return { customers: ids.length };
      }
      const ids = idsOf(await customers.execute());
      const batches = coveringIdRanges(ids, CHECK_IN_BATCH).map(({ range }) => (trx: StoreHandle) => refreshCheckIns(trx, { idRange: range }, teams));
      await writeInSlices(db, batches, slicing);
      return { customers: ids.length };
    }
    case 'validate':
      return validateScores(db, { asOf: job.asOf, holdoutDays: job.holdoutDays });
    case 'digest':
      return buildDigestWithChart(db, job, renderDigestChart);
    case 'import': {
      let ordersChanged = false;
      const summary = await importFile({ db, clock: clockFrom(job.startedAt) }, job.file, {
        ...job.options,
        afterOrdersChanged: async () => {
          ordersChanged = true;
        },
      });
      return { summary, ordersChanged };
    }
  }
}

const idsOf = (rows: readonly { id: number }[]) => rows.map((row) => row.id);

/** The caller's "now" when it asked, moving on with real time while the job runs. */
function clockFrom(start: Date): Clock {
  const startedAt = performance.now();
  return { now: () => new Date(start.getTime() + Math.round(performance.now() - startedAt)) };
}
