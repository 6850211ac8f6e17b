import { describe, expect, it } from 'vitest';
import { decodeInvocation, encodeInvocation, MAX_PAYLOAD_LENGTH, type Invocation, type OptionSpec } from '../../src/commands/options.js';
import { fold, parseTypedLine, quoteIfNeeded, stripInvisible, tokenize } from '../../src/commands/typed-text.js';

const note: OptionSpec[] = [
  { name: 'who', type: 'customer', required: true },
  { name: 'text', type: 'text', required: true, typed: 'rest' },
  { name: 'complaint', type: 'boolean' },
  { name: 'satisfaction', type: 'number', typed: 'flag' },
];
const list: OptionSpec[] = [
  { name: 'tier', type: 'choice', choices: ['A', 'B', 'C', 'D'], typed: 'keyword' },
  { name: 'stage', type: 'choice', choices: ['at-risk', 'lapsed', 'active', 'new'], typed: 'word' },
  { name: 'rep', type: 'rep', typed: 'keyword' },
  { name: 'tag', type: 'text', typed: 'keyword' },
  { name: 'region', type: 'text', typed: 'keyword' },
  { name: 'page', type: 'number', typed: 'flag' },
];
const assign: OptionSpec[] = [
  { name: 'who', type: 'customer', required: true, typed: 'rest' },
  { name: 'rep', type: 'rep', required: true },
];

describe('typed lines', () => {
  it('does keep quoted phrases together with straight, curly and CJK quotes, and leave apostrophes alone', () => {
    const texts = (line: string) => tokenize(line).map((t) => t.text);
    expect(texts('"Emma Fischer" tomorrow')).toEqual(['Emma Fischer', 'tomorrow']);
    expect(texts("'Emma Fischer' tomorrow")).toEqual(['Emma Fischer', 'tomorrow']);
    expect(texts('“Emma Fischer” tomorrow')).toEqual(['Emma Fischer', 'tomorrow']);
    expect(texts('‘Emma Fischer’ tomorrow')).toEqual(['Emma Fischer', 'tomorrow']);
    expect(texts('「王 芳」 明天')).toEqual(['王 芳', '明天']);
    expect(texts("O'Brien said it's fine")).toEqual(["O'Brien", 'said', "it's", 'fine']);
    // An unclosed quote is an ordinary character, not an error.
    expect(texts('"Emma Fischer')).toEqual(['"Emma', 'Fischer']);
    // A quote closes only before a space or the end, so a phrase may hold a quote.
    expect(texts('"a"b c" d')).toEqual(['a"b c', 'd']);
  });

  it('does quote a value exactly when a second split would change it', () => {
    for (const value of ['C000001', 'Emma Fischer', '"quoted"', '--page', 'say "hi" now', '']) {
      const tokens = tokenize(quoteIfNeeded(value));
      expect(tokens.map((t) => t.text)).toEqual([value]);
    }
  });

  it('does read flags, keywords, words and positional options by the declarations', () => {
    expect(parseTypedLine(' C000001 called, all good --satisfaction 4 --complaint', note)).toEqual({
      ok: true,
      values: { who: 'C000001', text: 'called, all good', satisfaction: '4', complaint: true },
    });
    expect(parseTypedLine(' --complaint C000001 late', note)).toEqual({ ok: true, values: { complaint: true, who: 'C000001', text: 'late' } });
    expect(parseTypedLine(' tier A at-risk rep @liu --page=2', list)).toEqual({ ok: true, values: { tier: 'A', stage: 'at-risk', rep: '@liu', page: '2' } });
    // A bare-word choice may follow its name; a keyword takes the next word even when it is a choice word.
    expect(parseTypedLine(' stage lapsed tag new region active', list)).toEqual({ ok: true, values: { stage: 'lapsed', tag: 'new', region: 'active' } });
    expect(parseTypedLine(' stage', list)).toMatchObject({ ok: false, error: 'common.unexpectedWords', params: { words: 'stage' } });
    // A rest option leaves one word for each positional option after it.
    expect(parseTypedLine(' Emma Fischer @liu.yang', assign)).toEqual({ ok: true, values: { who: 'Emma Fischer', rep: '@liu.yang' } });
  });

  it('does refuse conflicting values, unknown flags and stray words instead of taking the last one', () => {
    expect(parseTypedLine(' at-risk lapsed', list)).toMatchObject({ ok: false, error: 'common.conflict', params: { option: 'stage' } });
    expect(parseTypedLine(' tier A tier B', list)).toMatchObject({ ok: false, error: 'common.conflict', params: { first: 'A', second: 'B' } });
    expect(parseTypedLine(' --colour red', list)).toMatchObject({ ok: false, error: 'common.unknownFlag', params: { flag: '--colour' } });
    expect(parseTypedLine(' --page', list)).toMatchObject({ ok: false, error: 'common.flagNeedsValue' });
    expect(parseTypedLine(' tier A banana', list)).toMatchObject({ ok: false, error: 'common.unexpectedWords', params: { words: 'banana' } });
    // The same value twice is no conflict.
    expect(parseTypedLine(' tier A tier a', list)).toMatchObject({ ok: true });
  });

  it('does fold full-width flags and keywords, drop invisible characters, and keep free text as typed', () => {
    expect(parseTypedLine(' ＴＩＥＲ A －－page ２', list)).toEqual({ ok: true, values: { tier: 'A', page: '２' } });
    expect(fold('Ｅｍｍａ\u200b Ｆｉｓｃｈｅｒ')).toBe('Emma Fischer');
    expect(stripInvisible('evil\u202Etxt.exe')).toBe('eviltxt.exe');
    expect(stripInvisible('回访：精华液')).toBe('回访：精华液');
  });
});

describe('button payloads', () => {
  it('does carry a version and give back exactly what was encoded', () => {
    const invocation = { command: 'callback snooze', options: { id: 12 }, nudgeId: 7, form: true };
    const payload = encodeInvocation(invocation);
    expect(payload.startsWith('1')).toBe(true);
    expect(decodeInvocation(payload)).toEqual(invocation);
  });

  it('does fit the longest payload the code builds into Discord’s 100-character custom_id', () => {
    const big = 9_999_999_999; // ten-digit row ids
    const longest: Invocation[] = [
      // Longer filters go through a saved id (list.command.ts, tested in customer-segments.test.ts).
      { command: 'customer list', options: { saved: big, page: 100_000 } },
      { command: 'customer history', options: { who: big, page: 100_000 } },
      { command: 'callback snooze', options: { id: big }, nudgeId: big, form: true },
      { command: 'customer assign', options: { who: big, rep: big }, nudgeId: big },
      { command: 'customer note', options: { who: big }, nudgeId: big },
    ];
    for (const invocation of longest) expect(encodeInvocation(invocation).length).toBeLessThanOrEqual(MAX_PAYLOAD_LENGTH);
    expect(() => encodeInvocation({ command: 'customer note', options: { who: 1, text: 'x'.repeat(100) } })).toThrow(/too long/);
  });

  it('does refuse stale, forged and oversized payloads', () => {
    expect(decodeInvocation('0{"c":"callback done","o":{"id":1}}')).toBeNull();
    expect(decodeInvocation('1{"c":"callback done","o":{"id":{"x":1}}}')).toBeNull();
    expect(decodeInvocation('1not json')).toBeNull();
    expect(decodeInvocation(`1{"c":"callback done","o":{"id":1},"z":"${'x'.repeat(90)}"}`)).toBeNull();
    expect(decodeInvocation({ c: 'callback done' })).toBeNull();
  });
});
