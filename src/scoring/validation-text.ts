import type { ForecastGroup, RiskAccuracy } from '../domain/analytics/validation.js';
import { isoDate, localDateOf } from '../domain/schedule/local-time.js';
import type { ValidationReport } from './validate.js';

const MODEL_LABELS: Record<string, string> = { mbgnbd: 'MBG/NBD', bgnbd: 'BG/NBD' };
const BY: Record<string, string> = {
  held_out: 'chosen on held-out purchases',
  asked: 'as asked',
  default: 'the default: too little held-out data to choose',
};

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => indent + row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

const number = (value: number, digits = 0) => value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (value: number) => `${(value * 100).toFixed(0)}%`;

function forecastRow(label: string, g: ForecastGroup): string[] {
  const error = g.predicted === null || g.actual === 0 ? '' : `${g.predicted >= g.actual ? '+' : ''}${(((g.predicted - g.actual) / g.actual) * 100).toFixed(1)}%`;
  return [label, number(g.customers), g.predicted === null ? '—' : number(g.predicted, 1), number(g.actual), error];
}

function accuracy(a: RiskAccuracy | null): string {
  return a === null || a.customers === 0 ? '—' : `${a.brier.toFixed(3)} / ${a.logLoss.toFixed(3)}`;
}

/** `scores --validate` for people: what was predicted for the holdout against what happened. */
export function validationText(report: ValidationReport): string {
  const f = report.figures;
  const day = (at: Date) => isoDate(localDateOf(at, 'UTC'));
  const start = new Date(report.fittedThrough.getTime() + 86_400_000);
  const fit = report.fit;
  const lines = [
    `Validation: models fitted on orders up to ${day(report.fittedThrough)}; holdout ${day(start)} … ${day(report.asOf)} (${report.holdoutDays} days); ${number(f.customers)} customers had bought before it`,
    `Purchase model ${MODEL_LABELS[fit.model]} ${fit.status} (${BY[report.selection.by]}${report.selection.holdoutDays ? `, ${report.selection.holdoutDays} days` : ''}); churn risk = P(no purchase in the holdout), ${report.calibration.status === 'fitted' ? `calibrated on ${number(report.calibration.customers)} customers one holdout earlier` : 'not calibrated (too little data one holdout earlier)'}`,
    '',
    'Purchase days in the holdout',
    ...table([
      ['', 'customers', 'predicted', 'actual', 'error'],
      forecastRow('all customers', f.total),
      forecastRow('one-time buyers', f.oneTimeBuyers),
      ...f.byFrequency.map((g) => forecastRow(`repeat purchases ${g.group}`, g)),
      ...f.byTier.map((g) => forecastRow(`tier ${g.group}`, g)),
    ]),
    '',
    'Churn risk by decile: mean risk shown against the share with no purchase in the holdout',
    ...table([['decile', 'customers', 'risk', 'no purchase'], ...f.calibration.map((b) => [String(b.decile), number(b.customers), percent(b.meanRisk), percent(b.observedNoPurchase)])]),
    '',
    'Brier score / log loss of "no purchase in the holdout" (lower is better)',
    ...table([
      ['', 'all customers', 'repeat buyers'],
      ['churn risk as shown', accuracy(f.risks.all.shipped), accuracy(f.risks.repeatBuyers.shipped)],
      ['model P(no purchase)', accuracy(f.risks.all.model), accuracy(f.risks.repeatBuyers.model)],
      ['1 − P(alive)', accuracy(f.risks.all.deadRisk), accuracy(f.risks.repeatBuyers.deadRisk)],
      ['rhythm rule alone', accuracy(f.risks.all.rhythm), accuracy(f.risks.repeatBuyers.rhythm)],
    ]),
    '',
    'Each purchase model on its own',
    ...table([
      ['', 'status', 'predicted', 'one-time buyers', 'log loss'],
      ...report.models.map((m) => [
        MODEL_LABELS[m.model]!,
        m.fit.status,
        m.figures.total.predicted === null ? '—' : number(m.figures.total.predicted, 1),
        m.figures.oneTimeBuyers.predicted === null ? '—' : number(m.figures.oneTimeBuyers.predicted, 1),
        m.figures.risks.all.shipped.customers === 0 ? '—' : m.figures.risks.all.shipped.logLoss.toFixed(4),
      ]),
      ['actual', '', number(f.total.actual), number(f.oneTimeBuyers.actual), ''],
    ]),
    '',
  ];
  return lines.join('\n');
}
