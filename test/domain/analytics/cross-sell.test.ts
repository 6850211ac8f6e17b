import { describe, expect, it } from 'vitest';
import {
  createCategoryCollector,
  CROSS_SELL_MIN_CUSTOMERS,
  crossSellOf,
  recentCategoryKeys,
  suggestionOf,
  type CrossSell,
} from '../../../src/domain/analytics/cross-sell.js';

/** Customers as lists of categories bought (repeats allowed), all in one group unless `group` says otherwise. */
function crossSell(customers: string[][], group = new Int32Array(customers.length), groups = 1): CrossSell {
  const collector = createCategoryCollector(customers.length);
  customers.forEach((bought, i) => bought.forEach((category) => collector.add(i, category, true)));
  return crossSellOf(collector.finish(), group, groups);
}

const times = (n: number, categories: string[]) => Array.from({ length: n }, () => categories);

describe('createCategoryCollector', () => {
  it('does keep each customer’s distinct categories, matched without regard to case and spaces', () => {
    const collector = createCategoryCollector(3);
    for (const [category, recent] of [['Coffee', false], [' coffee ', false], ['Tea', false], ['COFFEE', true]] as const) collector.add(0, category, recent);
    collector.add(2, 'tea', false);
    const bought = collector.finish();
    expect(bought.names).toEqual(['Coffee', 'Tea']);
    expect([...bought.offsets]).toEqual([0, 2, 2, 3]);
    expect([...bought.categories]).toEqual([0, 1, 1]);
    // Bought lately: any of its purchases in the window.
    expect([...bought.recent]).toEqual([1, 0, 0]);
    expect([0, 1, 2].map((i) => recentCategoryKeys(bought, i))).toEqual(['|coffee|', '', '']);
  });

  it('does keep a separator out of a category’s key', () => {
    const collector = createCategoryCollector(1);
    collector.add(0, 'Tea|Coffee', true);
    expect(recentCategoryKeys(collector.finish(), 0)).toBe('|tea/coffee|');
  });

  it('does refuse a customer coming back after another', () => {
    const collector = createCategoryCollector(2);
    collector.add(0, 'a', true);
    collector.add(1, 'a', true);
    expect(() => collector.add(0, 'b', true)).toThrow(/not contiguous/);
  });
});

describe('crossSellOf', () => {
  // 护肤 buyers mostly buy 彩妆 too; 香氛 and 洗护 are bought independently of either.
  const base = [
    ...times(60, ['护肤', '彩妆']),
    ...times(20, ['护肤']),
    ...times(20, ['彩妆', '香氛']),
    ...times(100, ['香氛']),
    ...times(100, ['洗护']),
  ];

  it('does suggest the category peers buy with theirs when the rule has support and lift', () => {
    const result = crossSell(base);
    // The 20 who buy only 护肤: 60 of the 80 护肤 buyers also bought 彩妆, against 80 of 300 overall (lift 2.8).
    expect(suggestionOf(result, 60)).toEqual({ category: '彩妆', from: '护肤', lift: expect.closeTo((60 * 300) / (80 * 80), 5) });
    // Those who bought both are offered nothing they already have.
    expect(suggestionOf(result, 0)).toBeNull();
  });

  it('does suggest nothing from a pair that is no more likely together than apart (lift below 1.2)', () => {
    const result = crossSell(base);
    // 香氛 and 彩妆: 20 together, 120 香氛 × 80 彩妆 of 300 gives lift 0.63.
    expect(suggestionOf(result, 80 + 20 + 1)).toBeNull();
    expect(suggestionOf(result, 250)).toBeNull();
  });

  it('does suggest nothing when too few customers bought both, however strong the link', () => {
    const thin = [...times(CROSS_SELL_MIN_CUSTOMERS - 1, ['a', 'b']), ['a'], ...times(200, ['c'])];
    expect(suggestionOf(crossSell(thin), CROSS_SELL_MIN_CUSTOMERS - 1)).toBeNull();
    const enough = [...times(CROSS_SELL_MIN_CUSTOMERS, ['a', 'b']), ['a'], ...times(200, ['c'])];
    expect(suggestionOf(crossSell(enough), CROSS_SELL_MIN_CUSTOMERS)).toMatchObject({ category: 'b', from: 'a' });
  });

  it('does suggest nothing when the pair is under 1% of the team, however many customers that is', () => {
    const small = [...times(25, ['a', 'b']), ['a'], ...times(2600, ['c'])];
    expect(suggestionOf(crossSell(small), 25)).toBeNull();
    const share = [...times(25, ['a', 'b']), ['a'], ...times(2400, ['c'])];
    expect(suggestionOf(crossSell(share), 25)).toMatchObject({ category: 'b', from: 'a' });
  });

  it('does find rules per team: another team’s customers are no one’s peers', () => {
    const customers = [...base, ['护肤']];
    const group = new Int32Array(customers.length).fill(0);
    group[customers.length - 1] = 1;
    expect(suggestionOf(crossSell(customers, group, 2), customers.length - 1)).toBeNull();
  });

  it('does give nothing to a customer who bought no category', () => {
    expect(suggestionOf(crossSell([...base, []]), base.length)).toBeNull();
  });

  it('does count pairs in maps when a flat table per team would be too big', () => {
    // 3,000 distinct categories: 9M cells a team; the answer must not change with the counting.
    const many = [...base, ...Array.from({ length: 3000 }, (_, k) => [`noise-${k}`])];
    expect(suggestionOf(crossSell(many), 60)).toEqual({ category: '彩妆', from: '护肤', lift: expect.closeTo((60 * 3300) / (80 * 80), 5) });
  });
});
