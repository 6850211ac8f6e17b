import type { TopLevelSpec } from 'vega-lite';
import { CHART_PADDING, chartSvg, cjkFontFiles, FONT_STACKS, svgToPng } from '../charts/chart-png.js';
import type { ValidationFigures } from '../domain/analytics/validation.js';
import { translator, type Locale } from '../i18n/index.js';

/**
 * The calibration chart of a validation: per decile of churn risk, the mean risk shown (x)
 * against the share that made no purchase in the holdout (y), beside the diagonal a perfectly
 * calibrated risk would lie on. Labels in the reader's language.
 */
export async function validationChartSvg(figures: ValidationFigures, locale: Locale): Promise<string> {
  const t = translator(locale);
  const shown = t('analytics.chart.shown');
  const perfect = t('analytics.chart.perfect');
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: t('analytics.chart.title', { days: figures.holdoutDays }),
    width: 360,
    height: 360,
    padding: CHART_PADDING,
    background: 'white',
    config: { font: FONT_STACKS[locale] },
    layer: [
      {
        data: { values: [{ risk: 0, observed: 0, series: perfect }, { risk: 1, observed: 1, series: perfect }] },
        mark: { type: 'line', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'risk', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: t('analytics.chart.risk') },
          y: { field: 'observed', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: t('analytics.chart.observed') },
          color: {
            field: 'series', type: 'nominal', title: null,
            scale: { domain: [shown, perfect], range: ['#e4572e', '#888888'] },
            legend: { orient: 'bottom', labelLimit: 400 },
          },
        },
      },
      {
        data: { values: figures.calibration.map((b) => ({ risk: b.meanRisk, observed: b.observedNoPurchase, series: shown })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'risk', type: 'quantitative' },
          y: { field: 'observed', type: 'quantitative' },
          color: { field: 'series', type: 'nominal' },
        },
      },
    ],
  };
  return chartSvg(spec);
}

/** The calibration chart as PNG (the digest's renderer: Vega-Lite → SVG → resvg, Chinese from the packaged font). */
export async function renderValidationChart(figures: ValidationFigures, locale: Locale, fontFiles: readonly string[] = cjkFontFiles()): Promise<Uint8Array> {
  return svgToPng(await validationChartSvg(figures, locale), fontFiles);
}
