import { describe, expect, it } from 'vitest';
import { renderDigestChart } from '../../src/scheduler/digest-chart.js';

describe('digest chart', () => {
  it('does render 12 weeks of counts to a PNG in-process', async () => {
    const history = Array.from({ length: 12 }, (_, i) => ({ week: `2027-W${String(i + 1).padStart(2, '0')}`, atRisk: 10 + i, lapsed: 20 - i }));
    const png = await renderDigestChart(history);
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBeGreaterThan(560);
    expect(png.length).toBeGreaterThan(5_000);
  });
});
