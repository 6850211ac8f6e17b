import { createRequire } from 'node:module';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { translator, type Locale } from '../i18n/index.js';

// Vega, Vega-Lite and resvg take ~0.3 s to load: loaded with the first chart, not at start.

export interface WeeklyCounts {
  week: string;
  atRisk: number;
  lapsed: number;
}

/** Draws the digest's chart with labels in the reader's language. */
export type DigestChartRenderer = (history: readonly WeeklyCounts[], locale: Locale) => Promise<Uint8Array>;

/**
 * The Chinese font, shipped in the npm package @embedpdf/fonts-sc (Noto Sans CJK SC as
 * "Noto Sans S Chinese", GB2312 subset, CFF .otf, SIL OFL 1.1). Only the two weights the chart
 * uses are loaded: Regular for labels, Bold for titles. The package exports no file paths, so
 * the fonts/ folder is found beside its resolved entry (dist/index.cjs).
 */
const CJK_FAMILY = 'Noto Sans S Chinese';
const CJK_FONT_FILES = ['NotoSansHans-Regular.otf', 'NotoSansHans-Bold.otf'];
export function cjkFontFiles(): string[] {
  const fonts = path.join(path.dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  return CJK_FONT_FILES.map((file) => path.join(fonts, file));
}

/**
 * Font stack per locale. English keeps the system's DejaVu Sans. Chinese puts the packaged font
 * first (its Latin glyphs then draw the week labels too): with DejaVu Sans first, resvg's
 * per-character fallback drew the bold Chinese titles with the Regular face.
 */
const FONT_STACKS: Record<Locale, string> = {
  en: '"DejaVu Sans", sans-serif',
  'zh-CN': `"${CJK_FAMILY}", "DejaVu Sans", sans-serif`,
};

/**
 * Without a canvas, Vega estimates text at 0.8 em a character; CJK characters are 1 em wide, so
 * the legend at the right edge needs room for labels wider than Vega thinks.
 */
const PADDING = { top: 5, left: 5, bottom: 5, right: 20 };

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
  // Loaded here, not with the bot: vega-lite patches Set.prototype.toJSON, and discord.js cannot load after that.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
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
  const [svg, { Resvg }] = await Promise.all([digestChartSvg(history, locale), import('@resvg/resvg-js')]);
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, fontFiles: [...fontFiles], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  }).render().asPng();
  return new Uint8Array(png);
}
