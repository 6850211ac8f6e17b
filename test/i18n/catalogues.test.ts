import { describe, expect, it } from 'vitest';
import { CHURN_REASON_CODES } from '../../src/domain/analytics/churn.js';
import { LIFECYCLES } from '../../src/domain/analytics/lifecycle.js';
import { LONG_TAIL_CLASSES } from '../../src/domain/analytics/long-tail.js';
import { PLAYBOOK_KEYS } from '../../src/domain/analytics/playbook.js';
import { VALUE_BANDS } from '../../src/domain/analytics/rfm.js';
import { TIERS } from '../../src/domain/tier.js';
import { en } from '../../src/i18n/locales/en.js';
import { zhCN } from '../../src/i18n/locales/zh-CN.js';

/** Every leaf of a catalogue as "path.to.key" → text. */
function leaves(node: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      for (const [path, leaf] of leaves(value, prefix ? `${prefix}.${key}` : key)) out.set(path, leaf);
    }
  } else {
    out.set(prefix, node);
  }
  return out;
}

const placeholders = (text: unknown) => new Set([...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]));

describe('the en and zh-CN catalogues', () => {
  const english = leaves(en);
  const chinese = leaves(zhCN);

  it('does have the same keys in both languages', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it.each([
    ['en', english],
    ['zh-CN', chinese],
  ])('does have a non-empty string for every key in %s', (_, catalogue) => {
    const bad = [...catalogue].filter(([, text]) => typeof text !== 'string' || text.trim() === '').map(([key]) => key);
    expect(bad).toEqual([]);
  });

  it('does use the same placeholders for a key in both languages', () => {
    const differing = [...english].filter(([key, text]) => {
      const a = placeholders(text);
      const b = placeholders(chinese.get(key));
      return a.size !== b.size || [...a].some((p) => !b.has(p));
    });
    expect(differing.map(([key]) => key)).toEqual([]);
  });

  it('does catch a missing key (the walker sees nested leaves)', () => {
    expect(leaves({ a: { b: 'x', c: { d: '' } } })).toEqual(new Map([['a.b', 'x'], ['a.c.d', '']]));
  });
});

describe('the analytics vocabulary in the catalogues', () => {
  it.each([
    ['en', en],
    ['zh-CN', zhCN],
  ])('does have a %s sentence for every churn reason, playbook key, lifecycle, value band and long-tail class', (_, catalogue) => {
    const all = leaves(catalogue);
    const keys = [
      ...CHURN_REASON_CODES.map((code) => `churnReason.${code}`),
      ...PLAYBOOK_KEYS,
      ...LIFECYCLES.map((l) => `lifecycle.${l}`),
      ...VALUE_BANDS.map((b) => `valueBand.${b}`),
      ...LONG_TAIL_CLASSES.map((c) => `longTail.${c}`),
      ...TIERS.map((tier) => `tier.${tier}`),
    ];
    expect(keys.filter((key) => !all.get(key))).toEqual([]);
  });
});
