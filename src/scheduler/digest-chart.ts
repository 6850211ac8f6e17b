import type { TopLevelSpec } from 'vega-lite';
import { CHART_PADDING as PADDING, chartSvg, cjkFontFiles, FONT_STACKS, svgToPng } from '../charts/chart-png.js';
import { translator, type Locale } from '../i18n/index.js';

// Vega, Vega-Lite and resvg take ~0.3 s to load: loaded with the first chart, not at start.

export interface WeeklyCounts {
  week: string;
  atRisk: number;
  lapsed: number;
}

/** Draws the digest's chart with labels in the reader's language. */
export type DigestChartRenderer = (history: readonly WeeklyCounts[], locale: Locale) => Promise<Uint8Array>;

export { cjkFontFiles };

/** The digest's chart as SVG text, labels in `locale` (Vega-Lite → Vega, renderer `none`). */
export async function digestChartSvg(history: readonly WeeklyCounts[], locale: Locale): Promise<string> {
  const t = translator(locale);
  const atRisk = t('scheduler.digest.atRisk');
  const lapsed = t('scheduler.digest.lapsed');
  const values = history.flatMap((h) => [
    { week: h.week, series: atRisk, customers: h.atRisk },
    { week: h.week, series: lapsed, customers: h.lapsed },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: t('scheduler.digest.chartTitle'),
    width: 560,
    height: 220,
    padding: PADDING,
    background: 'white',
    config: { font: FONT_STACKS[locale] },
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'week', type: 'ordinal', title: t('scheduler.digest.chartWeek'), axis: { labelAngle: -40 } },
      y: { field: 'customers', type: 'quantitative', title: t('scheduler.digest.chartCustomers') },
      color: {
        field: 'series', type: 'nominal', title: null,
        scale: { domain: [atRisk, lapsed], range: ['#e4572e', '#76b041'] },
      },
    },
  };
  return chartSvg(spec);
}

/**
 * The digest's chart as PNG, rendered in-process (Vega-Lite → Vega SVG → resvg; no browser,
 * no network). Title, axis titles and series names come from the i18n catalogue
 * (`scheduler.digest.chart*`, `atRisk`, `lapsed`) in the reader's locale. Chinese glyphs come
 * from a font file in an npm dependency, loaded through resvg's `fontFiles`, so they render on
 * a machine with no CJK system font (fonts-noto-cjk is not needed); system fonts are still
 * loaded and draw the English chart. `fontFiles` is for tests: `[]` renders without the
 * packaged font, which turns Chinese into boxes.
 */
export async function renderDigestChart(
  history: readonly WeeklyCounts[], locale: Locale, fontFiles: readonly string[] = cjkFontFiles(),
): Promise<Uint8Array> {
  return svgToPng(await digestChartSvg(history, locale), fontFiles);
}
