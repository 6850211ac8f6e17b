import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { csvLine } from '../csv/csv-cell.js';
import type { StoreDatabase } from '../db/store-database.js';
import { customerNames } from '../db/stores/score-store.js';
import { assertWritableFile } from '../file-checks.js';
import type { BaseModels, PurchaseModelFit } from '../domain/analytics/base-models.js';
import { DROPOUT_MODELS } from '../domain/analytics/bgnbd.js';
import { dayOf } from '../domain/analytics/history.js';
import type { ChurnCalibration, ModelSelection } from '../domain/analytics/score-base.js';
import { addDays, isoDate, localDateOf, parseIsoDate, weekdayOf } from '../domain/schedule/local-time.js';
import { ensureScoresCurrent, scoreAsOf, snapshotWeekOf, tallyScores, writeSnapshots, type ScoredRun, type WrittenScores } from './recompute.js';
import { renderValidationChart } from './validation-chart.js';
import { validateScores, type ValidationReport } from './validate.js';
import { validationText } from './validation-text.js';

export const SCORES_USAGE = `Usage: scores [--as-of YYYY-MM-DD] [--write] [--model auto|mbgnbd|bgnbd] [--export scores.csv] [--json]
       scores --validate [--holdout 90d] [--as-of YYYY-MM-DD] [--model auto|mbgnbd|bgnbd] [--chart calibration.png] [--json]`;

const MODEL_NAMES = ['auto', ...DROPOUT_MODELS] as const;

const scoresArgsSchema = z
  .object({
    asOf: z
      .string()
      .refine((text) => parseIsoDate(text) !== null, { message: '--as-of must be a date like 2026-11-23' })
      .optional(),
    write: z.boolean(),
    model: z.enum(MODEL_NAMES, { error: `--model must be one of ${MODEL_NAMES.join(', ')}` }),
    export: z.string().min(1, { message: '--export needs a file name' }).optional(),
    json: z.boolean(),
    validate: z.boolean(),
    holdout: z
      .string()
      .regex(/^\d+d?$/, { message: '--holdout must be a number of days like 90d' })
      .transform((text) => Number.parseInt(text, 10))
      .refine((days) => days >= 7 && days <= 3650, { message: '--holdout must be from 7d to 3650d' })
      .optional(),
    chart: z.string().min(1, { message: '--chart needs a file name' }).optional(),
  })
  .refine((args) => args.validate || (args.holdout === undefined && args.chart === undefined), { message: '--holdout and --chart go with --validate' })
  .refine((args) => !args.validate || (!args.write && args.export === undefined), { message: '--validate writes nothing: it does not go with --write or --export' });
export type ScoresArgs = z.infer<typeof scoresArgsSchema>;

/** The export's columns, in order; money in minor units, risk and probabilities 0..1. */
export const EXPORT_COLUMNS = [
  'external_id',
  'name',
  'recency_days',
  'frequency',
  'monetary_minor',
  'r_score',
  'f_score',
  'm_score',
  'tier',
  'value_band',
  'long_tail',
  'lifecycle',
  'p_alive',
  'expected_purchases_30d',
  'expected_purchases_90d',
  'expected_aov_minor',
  'clv_12m_minor',
  'churn_risk',
] as const;

const DEFAULT_HOLDOUT_DAYS = 90;

export interface ScoresCliDeps {
  db: StoreDatabase;
  clock: Clock;
  out: NodeJS.WritableStream;
}

/**
 * `scores`: scores every customer as of a day (default today, UTC) and prints a summary;
 * optionally exports one CSV row per customer and/or prints the fitted models as JSON. Today's
 * scores are written (they are the current scores); a past day's only with --write (a what-if
 * otherwise), a future day's never. `--validate` compares a holdout's predictions with what
 * happened. Returns the exit code: 2 for bad arguments.
 */
export async function runScoresCli(argv: string[], deps: ScoresCliDeps): Promise<number> {
  const fail = (message: string) => (deps.out.write(`${message}\n${SCORES_USAGE}\n`), 2);
  let args: ScoresArgs;
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      deps.out.write(`${SCORES_USAGE}\n${HELP}\n`);
      return 0;
    }
    const parsed = scoresArgsSchema.safeParse({
      asOf: values['as-of'],
      write: values.write ?? false,
      model: values.model ?? 'auto',
      export: values.export,
      json: values.json ?? false,
      validate: values.validate ?? false,
      holdout: values.holdout,
      chart: values.chart,
    });
    if (!parsed.success) return fail(parsed.error.issues[0]!.message);
    args = parsed.data;
  } catch (error) {
    return fail((error as Error).message);
  }

  // A missing folder is said before the scores are computed, not after (one line, exit 1).
  if (args.export !== undefined) assertWritableFile(args.export, '--export');
  if (args.chart !== undefined) assertWritableFile(args.chart, '--chart');
  const now = deps.clock.now();
  const todayDate = localDateOf(now, 'UTC');
  const today = isoDate(todayDate);
  const asOf = args.asOf === undefined ? now : new Date(`${args.asOf}T00:00:00Z`);
  if (dayOf(asOf.getTime()) > dayOf(now.getTime())) return fail(`--as-of ${args.asOf} is in the future: scores are computed up to today (${today})`);
  const live = dayOf(asOf.getTime()) === dayOf(now.getTime());
  // The newest week is the current score: only today's run may file this week.
  const thisWeek = snapshotWeekOf(now);
  const monday = addDays(todayDate, 1 - weekdayOf(todayDate));
  if (!live && args.write && snapshotWeekOf(asOf) === thisWeek) {
    return fail(`--write files a past day under its week, but ${args.asOf} is in this week (${thisWeek}), which holds today’s scores: pick a day before ${isoDate(monday)}, or leave out --write for a what-if`);
  }
  // A run that does not write today's scores still leaves them current (a crash after an import may have left them stale).
  if (args.validate || !live) await ensureScoresCurrent(deps.db, now);

  if (args.validate) return validate(args, asOf, deps);

  const run = await scoreAsOf(deps.db, asOf, { model: args.model });
  const written = live || args.write ? await writeSnapshots(deps.db, run, now) : null;
  const counts = written ?? tallyScores(run);
  if (args.json) deps.out.write(`${JSON.stringify(runJson(run, written), null, 2)}\n`);
  else deps.out.write(summary(run, counts, written));
  if (args.export !== undefined) {
    const names = await customerNames(deps.db);
    const rows = writeFile(args.export, () => exportCsv(names, run, args.export!));
    if (typeof rows === 'string') return (deps.out.write(`${rows}\n`), 1);
    if (!args.json) deps.out.write(`Wrote ${plural(rows, 'row')} to ${args.export}\n`);
  }
  return 0;
}

const OPTIONS = {
  'as-of': { type: 'string' },
  write: { type: 'boolean' },
  model: { type: 'string' },
  export: { type: 'string' },
  json: { type: 'boolean' },
  validate: { type: 'boolean' },
  holdout: { type: 'string' },
  chart: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `
  --as-of D      score as of that day (default today); today's scores are written and become current
  --write        with a past --as-of: file the scores under that day's week (else a what-if, nothing written)
  --model M      purchase model: auto (default: the one that predicts held-out purchases best), mbgnbd, bgnbd
  --export F     one CSV row per customer (cells escaped against formula injection)
  --json         the run as JSON: fitted parameters (time in days; log-likelihood in days and weeks), model choice, calibration
  --validate     fit on the data before the holdout, predict it, compare with what happened (writes nothing)
  --holdout Nd   the holdout's length (default 90d): the last N days up to --as-of
  --chart F      with --validate: write the calibration chart as PNG`;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const MODEL_LABELS: Record<string, string> = { mbgnbd: 'MBG/NBD', bgnbd: 'BG/NBD' };

function selectionText(selection: ModelSelection): string {
  const losses = selection.candidates
    .filter((c) => c.holdoutLogLoss !== null)
    .map((c) => `${MODEL_LABELS[c.model]} ${c.holdoutLogLoss!.toFixed(4)}`)
    .join(', ');
  switch (selection.by) {
    case 'held_out':
      return `chosen on ${selection.holdoutDays} held-out days, log loss ${losses}`;
    case 'asked':
      return 'as asked';
    case 'default':
      return 'the default: too little held-out data to choose';
  }
}

function calibrationText(calibration: ChurnCalibration, horizonDays: number): string {
  const what = `churn risk = P(no purchase in ${horizonDays} days)`;
  if (calibration.status !== 'fitted') return `${what}, not calibrated (too few customers or outcomes one horizon back)`;
  const inputs = calibration.inputs === 'model_and_rhythm' ? 'model and rhythm rule' : 'rhythm rule';
  return `${what}, ${inputs} calibrated on ${calibration.customers} customers one horizon back (${calibration.noPurchase} did not buy)`;
}

function summary(run: ScoredRun, counts: Pick<WrittenScores, 'byTier' | 'byLifecycle'>, written: WrittenScores | null): string {
  const list = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([key, n]) => `${key} ${n}`)
      .join(' · ');
  const { purchases, spend } = run.scored.models;
  const note = written ? (written.live ? '' : ' (filed under that week)') : `; a what-if, nothing written (add --write to file it under week ${run.week})`;
  const elapsed = run.elapsedMs.read + run.elapsedMs.fit + (written ? written.elapsedMs.score + written.elapsedMs.write : 0);
  return [
    `Scored ${plural(run.scored.count, 'customer')} (${plural(run.orders, 'order')}) as of ${isoDate(localDateOf(run.asOf, 'UTC'))}, week ${run.week}, in ${Math.round(elapsed)} ms${note}`,
    `  tiers      ${list(counts.byTier)}`,
    `  lifecycle  ${list(counts.byLifecycle)}`,
    `  purchases  ${MODEL_LABELS[purchases.model]} ${purchases.status}${purchases.status === 'converged' ? '' : ' (churn risk from the rhythm rule only)'}, ${selectionText(run.scored.selection)}`,
    `  spend      Gamma-Gamma ${spend.status}`,
    `  churn      ${calibrationText(run.scored.calibration, run.scored.horizonDays)}`,
    '',
  ].join('\n');
}

/** A purchase model fit as JSON: parameters in days, log-likelihood in days and in the paper's weeks. */
export function purchaseFitJson(fit: PurchaseModelFit): Record<string, unknown> {
  return {
    model: fit.model,
    status: fit.status,
    ...fit.params,
    logLikelihood:
      fit.logLikelihood === null ? null : { days: fit.logLikelihood, weeks: fit.logLikelihood + Math.log(7) * fit.repeatPurchases },
    customers: fit.customers,
    groups: fit.groups,
    iterations: fit.iterations,
  };
}

function selectionJson(selection: ModelSelection): unknown {
  return {
    chosen: selection.chosen,
    by: selection.by,
    candidates: selection.candidates.map((c) => ({ model: c.model, status: c.fit.status, holdoutLogLoss: c.holdoutLogLoss })),
  };
}

/** The fitted parameters as the analyst's JSON; time in days (α/7 gives the weekly α), money in minor units. */
export function modelsJson(models: BaseModels, selection: ModelSelection): Record<string, unknown> {
  const { purchases, spend, timeUnit, sampled } = models;
  return {
    timeUnit,
    moneyUnit: 'minor',
    sampled,
    purchases: purchaseFitJson(purchases),
    selection: selectionJson(selection),
    gammaGamma: {
      status: spend.status,
      ...spend.params,
      logLikelihood: spend.logLikelihood,
      customers: spend.customers,
      iterations: spend.iterations,
    },
  };
}

function runJson(run: ScoredRun, written: WrittenScores | null): unknown {
  return {
    asOf: isoDate(localDateOf(run.asOf, 'UTC')),
    week: run.week,
    written: written !== null,
    customers: run.scored.count,
    orders: run.orders,
    ...modelsJson(run.scored.models, run.scored.selection),
    churnRisk: { horizonDays: run.scored.horizonDays, calibration: run.scored.calibration },
  };
}

async function validate(args: ScoresArgs, asOf: Date, deps: ScoresCliDeps): Promise<number> {
  const report = await validateScores(deps.db, { asOf, holdoutDays: args.holdout ?? DEFAULT_HOLDOUT_DAYS, model: args.model });
  if (args.chart !== undefined) {
    const png = await renderValidationChart(report.figures, 'en');
    const written = writeFile(args.chart, () => fs.writeFileSync(args.chart!, png));
    if (typeof written === 'string') return (deps.out.write(`${written}\n`), 1);
  }
  if (args.json) deps.out.write(`${JSON.stringify(validationJson(report), null, 2)}\n`);
  else deps.out.write(validationText(report));
  if (!args.json) deps.out.write(args.chart === undefined ? 'Add --chart calibration.png for the calibration chart.\n' : `Calibration chart: ${args.chart}\n`);
  return 0;
}

export function validationJson(report: ValidationReport): unknown {
  return {
    asOf: isoDate(localDateOf(report.asOf, 'UTC')),
    fittedThrough: isoDate(localDateOf(report.fittedThrough, 'UTC')),
    holdoutDays: report.holdoutDays,
    purchases: purchaseFitJson(report.fit),
    selection: selectionJson(report.selection),
    churnCalibration: report.calibration,
    figures: report.figures,
    models: report.models.map((m) => ({ purchases: purchaseFitJson(m.fit), total: m.figures.total, oneTimeBuyers: m.figures.oneTimeBuyers, risks: m.figures.risks })),
  };
}

/** Writes the run's scores with each customer's external id and name (`byId`); returns the row count. */
function exportCsv(byId: ReadonlyMap<number, [string, string]>, run: ScoredRun, file: string): number {
  const fd = fs.openSync(file, 'w');
  let count = 0;
  try {
    let chunk = `${EXPORT_COLUMNS.join(',')}\n`;
    for (let i = 0; i < run.scored.count; i++) {
      const s = run.scored.score(i);
      const [externalId, name] = byId.get(run.customerIds[i]!) ?? ['', ''];
      chunk += `${csvLine([
        externalId, name, s.recencyDays, s.frequency, whole(s.monetaryMinor), s.rScore, s.fScore, s.mScore, s.tier, s.valueBand,
        s.longTail, s.lifecycle, rounded(s.pAlive), rounded(s.expected30), rounded(s.expected90), whole(s.expectedAovMinor),
        whole(s.clv12Minor), rounded(s.churnRisk),
      ])}\n`;
      count++;
      if (chunk.length > 1 << 16) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return count;
}

/** Runs a file write; a file system error becomes one line naming the file (a missing folder, no permission). */
function writeFile<T>(file: string, write: () => T): T | string {
  try {
    return write();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    return `cannot write ${file}: ${code === 'ENOENT' ? 'its folder does not exist' : (error as Error).message}`;
  }
}

function whole(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value);
}

function rounded(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Number(value.toPrecision(6));
}
