import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { assertWritableFile } from '../file-checks.js';
import { isoDate, localDateOf, parseIsoDate } from '../domain/schedule/local-time.js';
import { recomputeScores, type RecomputeReport } from './recompute.js';

const USAGE = 'Usage: scores [--as-of YYYY-MM-DD] [--export scores.csv] [--model]';

const scoresArgsSchema = z.object({
  asOf: z
    .string()
    .refine((text) => parseIsoDate(text) !== null, { message: '--as-of must be a date like 2026-11-23' })
    .optional(),
  export: z.string().min(1, { message: '--export needs a file name' }).optional(),
  model: z.boolean().default(false),
});
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

/**
 * `scores`: recomputes every customer's scores as of a day (default today, UTC), prints a
 * summary, and optionally exports one CSV row per customer and/or the fitted models as JSON.
 * Returns the exit code: 2 for bad arguments.
 */
export async function runScoresCli(argv: string[], deps: { db: Database; clock: Clock; out: NodeJS.WritableStream }): Promise<number> {
  const fail = (message: string) => (deps.out.write(`${message}\n${USAGE}\n`), 2);
  let args: ScoresArgs;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { 'as-of': { type: 'string' }, export: { type: 'string' }, model: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    const parsed = scoresArgsSchema.safeParse({ asOf: values['as-of'], export: values.export, model: values.model });
    if (!parsed.success) return fail(parsed.error.issues[0]!.message);
    args = parsed.data;
  } catch (error) {
    return fail((error as Error).message);
  }

  // A missing folder is said before the scores are computed, not after (one line, exit 1).
  if (args.export !== undefined) assertWritableFile(args.export, '--export');
  const now = deps.clock.now();
  const asOf = args.asOf === undefined ? now : new Date(`${args.asOf}T00:00:00Z`);
  const report = await recomputeScores(deps.db, asOf, { computedAt: now });
  if (args.model) {
    deps.out.write(`${JSON.stringify(modelJson(report), null, 2)}\n`);
  } else {
    deps.out.write(summary(report));
  }
  if (args.export !== undefined) {
    const rows = exportCsv(deps.db, report.week, args.export);
    if (!args.model) deps.out.write(`Wrote ${rows} rows to ${args.export}\n`);
  }
  return 0;
}

function summary(report: RecomputeReport): string {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([key, n]) => `${key} ${n}`)
      .join(' · ');
  const { bgnbd, gammaGamma } = report.models;
  return [
    `Scored ${report.customers} customers (${report.orders} orders) as of ${isoDate(localDateOf(report.asOf, 'UTC'))}, week ${report.week}, in ${Math.round(report.elapsedMs.total)} ms`,
    `  tiers      ${counts(report.byTier)}`,
    `  lifecycle  ${counts(report.byLifecycle)}`,
    `  BG/NBD ${bgnbd.status}${bgnbd.status === 'converged' ? '' : ' (churn risk from the rhythm rule only)'}; Gamma-Gamma ${gammaGamma.status}`,
    '',
  ].join('\n');
}

/** The fitted parameters as the analyst's JSON; BG/NBD time in days (α/7 gives the weekly α). */
export function modelJson(report: RecomputeReport): unknown {
  const { bgnbd, gammaGamma, timeUnit, sampled } = report.models;
  return {
    asOf: isoDate(localDateOf(report.asOf, 'UTC')),
    timeUnit,
    moneyUnit: 'minor',
    sampled,
    bgnbd: {
      status: bgnbd.status,
      ...bgnbd.params,
      logLikelihood: bgnbd.logLikelihood,
      customers: bgnbd.customers,
      groups: bgnbd.groups,
      iterations: bgnbd.iterations,
    },
    gammaGamma: {
      status: gammaGamma.status,
      ...gammaGamma.params,
      logLikelihood: gammaGamma.logLikelihood,
      customers: gammaGamma.customers,
      iterations: gammaGamma.iterations,
    },
  };
}

/** Writes the week's snapshots with each customer's external id and name; returns the row count. */
function exportCsv(db: Database, week: string, file: string): number {
  const rows = db.sqlite
    .prepare(
      `SELECT c.externalId, c.name, s.recencyDays, s.frequency, s.monetaryMinor, s.rScore, s.fScore, s.mScore, s.tier, s.valueBand,
              s.longTail, s.lifecycle, s.pAlive, s.expected30, s.expected90, s.expectedAovMinor, s.clv12Minor, s.churnRisk
       FROM ScoreSnapshot s JOIN Customer c ON c.id = s.customerId WHERE s.week = ? ORDER BY c.id`,
    )
    .raw(true);
  const fd = fs.openSync(file, 'w');
  let count = 0;
  try {
    let chunk = `${EXPORT_COLUMNS.join(',')}\n`;
    for (const row of rows.iterate(week) as IterableIterator<unknown[]>) {
      chunk += `${row.map(csvField).join(',')}\n`;
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

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
