import { createRequire } from 'node:module';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Locale } from '../i18n/index.js';

// Vega, Vega-Lite and resvg take ~0.3 s to load: loaded with the first chart, not at start.

/**
 * Rapport's charts (the weekly digest's, the model validation's) in-process: Vega-Lite → Vega SVG
 * (renderer `none`) → resvg PNG. No browser, no network.
 */

/**
 * The Chinese font, shipped in the npm package @embedpdf/fonts-sc (Noto Sans CJK SC as
 * "Noto Sans S Chinese", GB2312 subset, CFF .otf, SIL OFL 1.1). Only the two weights the charts
 * use are loaded: Regular for labels, Bold for titles. The package exports no file paths, so
 * the fonts/ folder is found beside its resolved entry (dist/index.cjs).
 */
const CJK_FAMILY = 'Noto Sans S Chinese';
const CJK_FONT_FILES = ['NotoSansHans-Regular.otf', 'NotoSansHans-Bold.otf'];
export function cjkFontFiles(): string[] {
  const fonts = path.join(path.dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  return CJK_FONT_FILES.map((file) => path.join(fonts, file));
}

/**
 * Font stack per locale, for a spec's `config.font`. English keeps the system's DejaVu Sans.
 * Chinese puts the packaged font first (its Latin glyphs then draw numbers and codes too): with
 * DejaVu Sans first, resvg's per-character fallback drew bold Chinese titles with the Regular face.
 */
export const FONT_STACKS: Record<Locale, string> = {
  en: '"DejaVu Sans", sans-serif',
  'zh-CN': `"${CJK_FAMILY}", "DejaVu Sans", sans-serif`,
};

/**
 * Without a canvas, Vega estimates text at 0.8 em a character; CJK characters are 1 em wide, so
 * a legend at the right edge needs room for labels wider than Vega thinks.
 */
export const CHART_PADDING = { top: 5, left: 5, bottom: 5, right: 20 };

/** A Vega-Lite spec as SVG text. */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
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
 * SVG to PNG with resvg. Chinese glyphs come from the packaged font files, loaded through resvg's
 * `fontFiles`, so they render on a machine with no CJK system font; system fonts are still loaded
 * and draw English text. `fontFiles` is for tests: `[]` renders without the packaged font.
 */
export async function svgToPng(svg: string, fontFiles: readonly string[] = cjkFontFiles()): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, fontFiles: [...fontFiles], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  }).render().asPng();
  return new Uint8Array(png);
}
