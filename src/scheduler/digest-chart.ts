import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface WeeklyCounts {
  week: string;
  atRisk: number;
  lapsed: number;
}

/**
 * The digest's chart as PNG, rendered in-process (Vega-Lite → Vega SVG → resvg; no browser,
 * no network). Labels are ASCII on purpose: this machine has no CJK font, and Chinese text
 * would render as boxes; install fonts-noto-cjk before translating them.
 */
export async function renderDigestChart(history: readonly WeeklyCounts[]): Promise<Uint8Array> {
  const values = history.flatMap((h) => [
    { week: h.week, series: 'at risk', customers: h.atRisk },
    { week: h.week, series: 'lapsed', customers: h.lapsed },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'At-risk and lapsed customers, last 12 weeks',
    width: 560,
    height: 220,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'ISO week', axis: { labelAngle: -40 } },
      y: { field: 'customers', type: 'quantitative', title: 'customers' },
      color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#e4572e', '#76b041'] } },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return new Uint8Array(png);
}
