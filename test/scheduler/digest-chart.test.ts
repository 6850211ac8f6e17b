import fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cjkFontFiles, digestChartSvg, renderDigestChart } from '../../src/scheduler/digest-chart.js';

const history = Array.from({ length: 12 }, (_, i) => ({ week: `2027-W${String(i + 1).padStart(2, '0')}`, atRisk: 10 + i, lapsed: 20 - i }));

/** Decodes the 8-bit RGBA, non-interlaced PNG that resvg writes into rows of pixel bytes. */
function decodePng(png: Uint8Array): { width: number; height: number; rows: Uint8Array[] } {
  const data = Buffer.from(png.buffer, png.byteOffset, png.length);
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  expect([data[24], data[25], data[28]]).toEqual([8, 6, 0]); // bit depth 8, RGBA, not interlaced
  const idat: Buffer[] = [];
  for (let at = 8; at < data.length; ) {
    const length = data.readUInt32BE(at);
    if (data.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(data.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rows: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? row[x - 4]! : 0;
      const b = previous[x]!;
      const c = x >= 4 ? previous[x - 4]! : 0;
      const predictor =
        filter === 0 ? 0
        : filter === 1 ? a
        : filter === 2 ? b
        : filter === 3 ? (a + b) >> 1
        : Math.abs(b - c) <= Math.abs(a - c) && Math.abs(b - c) <= Math.abs(a + b - 2 * c) ? b
        : Math.abs(a + b - 2 * c) <= Math.abs(a - c) ? c
        : a;
      row[x] = (line[x]! + predictor) & 0xff;
    }
    rows.push(row);
    previous = row;
  }
  return { width, height, rows };
}

const differingPixels = (a: Uint8Array, b: Uint8Array) => {
  let count = 0;
  for (let x = 0; x < a.length; x += 4) if (a[x] !== b[x] || a[x + 1] !== b[x + 1] || a[x + 2] !== b[x + 2]) count++;
  return count;
};

describe('digest chart', () => {
  it('does render 12 weeks of counts to a PNG in-process', async () => {
    const png = await renderDigestChart(history, 'en');
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBeGreaterThan(560);
    expect(png.length).toBeGreaterThan(5_000);
  });

  it.each([
    ['en', ['At-risk and lapsed customers, last 12 weeks', 'ISO week', 'Customers', 'At risk', 'Lapsed']],
    ['zh-CN', ['近 12 周流失风险与沉睡客户数', 'ISO 周', '客户数', '流失风险', '沉睡']],
  ] as const)('does label the chart from the %s catalogue', async (locale, labels) => {
    const svg = await digestChartSvg(history, locale);
    for (const label of labels) expect(svg).toContain(`>${label}</text>`);
  });

  it('does ship the Chinese font as OpenType files in an npm dependency', () => {
    const files = cjkFontFiles();
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file).toMatch(/node_modules[\\/]@embedpdf[\\/]fonts-sc[\\/]fonts[\\/]NotoSansHans-(Regular|Bold)\.otf$/);
      expect(fs.readFileSync(file).toString('latin1', 0, 4)).toBe('OTTO'); // CFF OpenType, which resvg reads
    }
  });

  it('does draw Chinese labels with the packaged font, not as boxes', async () => {
    const withFont = decodePng(await renderDigestChart(history, 'zh-CN'));
    const boxes = decodePng(await renderDigestChart(history, 'zh-CN', []));
    // The same layout (Vega measures text without fonts), so any pixel change is the glyphs.
    expect([withFont.width, withFont.height]).toEqual([boxes.width, boxes.height]);
    // The title (top rows) is all Chinese but "12": with the font missing it is a row of
    // .notdef boxes in DejaVu Sans, so a missing or glyph-less font file fails here.
    const titleRows = withFont.rows.slice(0, 24);
    const changed = titleRows.reduce((sum, row, y) => sum + differingPixels(row, boxes.rows[y]!), 0);
    expect(changed).toBeGreaterThan(500);
  });

  it('does leave the English chart to the system fonts', async () => {
    const withFont = await renderDigestChart(history, 'en');
    const withoutFont = await renderDigestChart(history, 'en', []);
    expect(Buffer.from(withFont).equals(Buffer.from(withoutFont))).toBe(true);
  });
});
