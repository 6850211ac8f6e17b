import { describe, expect, it } from 'vitest';
import { churnReasonOf } from '../../../src/domain/analytics/churn.js';
import { fallbackInterval, judgeRhythm, overdueThresholds, rhythmChurnRisk, type RhythmInput } from '../../../src/domain/analytics/lifecycle.js';
import { longTailOf } from '../../../src/domain/analytics/long-tail.js';
import { recommendedAction } from '../../../src/domain/analytics/playbook.js';
import { DEFAULT_SCORING_SETTINGS as S } from '../../../src/domain/analytics/settings.js';

const AS_OF = 20_000;
function customer(overrides: Partial<RhythmInput>): RhythmInput {
  return {
    asOfDay: AS_OF,
    hasPurchase: true,
    firstDay: AS_OF - 400,
    lastDay: AS_OF - 10,
    ownIntervalDays: 20,
    fallback: { days: 60, basis: 'default' },
    status: 'none',
    statusChangedDay: null,
    ...overrides,
  };
}
const lifecycle = (overrides: Partial<RhythmInput>) => judgeRhythm(customer(overrides), S).lifecycle;

describe('judgeRhythm', () => {
  it('does call a customer without orders a prospect', () => {
    expect(lifecycle({ hasPurchase: false })).toBe('prospect');
  });

  it('does judge a 20-day buyer active at 30 days, at risk past 30, lapsed past 60', () => {
    // at risk beyond max(1.5 × 20, 20 + 7) = 30; lapsed beyond 3 × 20 = 60.
    expect(overdueThresholds(20, S)).toEqual({ atRisk: 30, lapsed: 60 });
    expect(lifecycle({ lastDay: AS_OF - 30 })).toBe('active');
    expect(lifecycle({ lastDay: AS_OF - 31 })).toBe('at_risk');
    expect(lifecycle({ lastDay: AS_OF - 60 })).toBe('at_risk');
    expect(lifecycle({ lastDay: AS_OF - 61 })).toBe('lapsed');
  });

  it('does give weekly buyers the minimum grace so they are not at risk after 11 days', () => {
    expect(overdueThresholds(7, S).atRisk).toBe(14);
    expect(lifecycle({ ownIntervalDays: 7, lastDay: AS_OF - 11 })).toBe('active');
  });

  it('does call a recent first purchase new, and an overdue one at risk even when new', () => {
    expect(lifecycle({ firstDay: AS_OF - 20, lastDay: AS_OF - 20, ownIntervalDays: Number.NaN })).toBe('new');
    expect(lifecycle({ firstDay: AS_OF - 80, lastDay: AS_OF - 80, ownIntervalDays: Number.NaN, fallback: { days: 30, basis: 'tier' } })).toBe('at_risk');
  });

  it('does use the fallback interval for one-order customers and say where it came from', () => {
    const judged = judgeRhythm(customer({ lastDay: AS_OF - 100, firstDay: AS_OF - 100, ownIntervalDays: Number.NaN, fallback: { days: 45, basis: 'tier' } }), S);
    expect(judged).toEqual({ lifecycle: 'at_risk', daysSinceLast: 100, intervalDays: 45, intervalBasis: 'tier' });
  });

  it('does keep a customer lost until they buy after being marked', () => {
    expect(lifecycle({ status: 'lost', statusChangedDay: AS_OF - 5 })).toBe('lost');
    expect(lifecycle({ status: 'lost', statusChangedDay: null })).toBe('lost');
    expect(lifecycle({ status: 'lost', statusChangedDay: AS_OF - 30, lastDay: AS_OF - 3 })).toBe('won_back');
  });

  it('does show won_back for the configured days after the win-back, then active', () => {
    expect(lifecycle({ status: 'won_back', statusChangedDay: AS_OF - 90 })).toBe('won_back');
    expect(lifecycle({ status: 'won_back', statusChangedDay: AS_OF - 91 })).toBe('active');
    expect(lifecycle({ status: 'won_back', statusChangedDay: AS_OF - 10, lastDay: AS_OF - 40 })).toBe('at_risk');
  });
});

describe('fallbackInterval', () => {
  it('does prefer the tier median, then the base median, then the default', () => {
    expect(fallbackInterval(30, 40, 60)).toEqual({ days: 30, basis: 'tier' });
    expect(fallbackInterval(Number.NaN, 40, 60)).toEqual({ days: 40, basis: 'base' });
    expect(fallbackInterval(Number.NaN, Number.NaN, 60)).toEqual({ days: 60, basis: 'default' });
  });
});

describe('rhythmChurnRisk', () => {
  it('does give 0 right after a purchase, 50% at the at-risk point and 94% at twice that', () => {
    expect(rhythmChurnRisk(0, 20, 1.5)).toBe(0);
    expect(rhythmChurnRisk(30, 20, 1.5)).toBeCloseTo(0.5, 12);
    expect(rhythmChurnRisk(60, 20, 1.5)).toBeCloseTo(1 - 1 / 16, 12);
    expect(rhythmChurnRisk(20, 20, 1.5)).toBeCloseTo(1 - 2 ** (-4 / 9), 12);
  });
});

describe('churnReasonOf', () => {
  it('does explain an overdue regular with their interval and days since the last order', () => {
    const judged = judgeRhythm(customer({ ownIntervalDays: 18, lastDay: AS_OF - 64 }), S);
    expect(churnReasonOf(judged, 14, 12, 'calibrated')).toEqual({ code: 'overdue_vs_rhythm', daysSinceLast: 64, typicalIntervalDays: 18, purchaseDays: 12, riskBasis: 'calibrated' });
  });

  it('does use on_rhythm, single_purchase, marked_lost, no_purchases and no_orders where they apply', () => {
    expect(churnReasonOf(judgeRhythm(customer({}), S), 5, 5, 'model').code).toBe('on_rhythm');
    expect(churnReasonOf(judgeRhythm(customer({ ownIntervalDays: Number.NaN }), S), 1, 1, 'rhythm')).toMatchObject({
      code: 'single_purchase',
      typicalIntervalDays: 60,
      intervalBasis: 'default',
    });
    expect(churnReasonOf(judgeRhythm(customer({ status: 'lost', statusChangedDay: AS_OF }), S), 3, 3, 'rhythm')).toEqual({ code: 'marked_lost', daysSinceLast: 10 });
    expect(churnReasonOf(judgeRhythm(customer({ hasPurchase: false }), S), 0, 0, 'rhythm')).toEqual({ code: 'no_orders' });
    expect(churnReasonOf(judgeRhythm(customer({ hasPurchase: false }), S), 2, 0, 'rhythm')).toEqual({ code: 'no_purchases', orders: 2 });
  });
});

describe('longTailOf', () => {
  it('does put every buying customer in exactly one class, split at the middle quintile', () => {
    expect(longTailOf(5, 1)).toBe('frequent-small');
    expect(longTailOf(3, 2)).toBe('frequent-small');
    expect(longTailOf(1, 5)).toBe('rare-large');
    expect(longTailOf(2, 3)).toBe('rare-large');
    expect(longTailOf(4, 4)).toBe('head');
    expect(longTailOf(3, 3)).toBe('head');
    expect(longTailOf(2, 2)).toBe('long-tail');
    expect(longTailOf(1, 1)).toBe('long-tail');
  });

  it('does give no class to a customer without a purchase in the window', () => {
    expect(longTailOf(0, 0)).toBe('none');
  });
});

describe('recommendedAction', () => {
  it('does follow the tier playbook unless the lifecycle calls for a first sale, a win-back or a stop', () => {
    expect(recommendedAction('A', 'active')).toEqual({ key: 'playbook.A', tier: 'A' });
    expect(recommendedAction('D', 'new')).toEqual({ key: 'playbook.D', tier: 'D' });
    expect(recommendedAction('B', 'at_risk').key).toBe('playbook.winback');
    expect(recommendedAction('C', 'lapsed').key).toBe('playbook.winback');
    expect(recommendedAction('D', 'prospect').key).toBe('playbook.prospect');
    expect(recommendedAction('A', 'lost').key).toBe('playbook.lost');
  });
});
