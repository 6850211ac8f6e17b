import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_SETTINGS, parseScoringSettings } from '../../../src/domain/analytics/settings.js';

describe('parseScoringSettings', () => {
  it('does give the defaults when a team sets nothing or the JSON is broken', () => {
    expect(parseScoringSettings('{}')).toEqual(DEFAULT_SCORING_SETTINGS);
    expect(parseScoringSettings('not json')).toEqual(DEFAULT_SCORING_SETTINGS);
  });

  it('does take each valid field and default each bad one on its own', () => {
    const s = parseScoringSettings(JSON.stringify({ cadenceDays: { A: 7 }, scoring: { rfmWindowDays: 180, tierMinSum: { A: 14, B: 'x' }, atRiskFactor: -1 } }));
    expect(s.rfmWindowDays).toBe(180);
    expect(s.tierMinSum).toEqual({ A: 14, B: 10, C: 7 });
    expect(s.atRiskFactor).toBe(DEFAULT_SCORING_SETTINGS.atRiskFactor);
  });

  it('does fall back to default thresholds when a team’s contradict each other', () => {
    expect(parseScoringSettings(JSON.stringify({ scoring: { tierMinSum: { A: 8, B: 12 } } })).tierMinSum).toEqual(DEFAULT_SCORING_SETTINGS.tierMinSum);
    expect(parseScoringSettings(JSON.stringify({ scoring: { atRiskFactor: 4, lapsedFactor: 2 } })).lapsedFactor).toBe(DEFAULT_SCORING_SETTINGS.lapsedFactor);
  });
});
