import { describe, expect, it } from 'vitest';
import { parseAmountMinor, parseBirthday, parseBoolean, parseDateTime, parsePhone, parseTags } from '../../src/import/values.js';

const utc = { zone: 'UTC' };
const at = (iso: string) => ({ ok: true, value: Date.parse(iso) });

describe('parseDateTime', () => {
  it.each([
    ['2025-03-04', '2025-03-04T00:00:00Z'],
    ['2025-3-4 09:15', '2025-03-04T09:15:00Z'],
    ['2025-03-04T09:15:30.250Z', '2025-03-04T09:15:30.250Z'],
    ['2025-03-04T09:15:00+08:00', '2025-03-04T01:15:00Z'],
    ['2025/03/04', '2025-03-04T00:00:00Z'],
    ['2025/03/04 18:00:05', '2025-03-04T18:00:05Z'],
    ['04.03.2025', '2025-03-04T00:00:00Z'],
    ['2025年3月4日', '2025-03-04T00:00:00Z'],
    ['45720', '2025-03-04T00:00:00Z'],
    ['45720.5', '2025-03-04T12:00:00Z'],
    ['3/24/2025', '2025-03-24T00:00:00Z'],
    ['24/3/2025', '2025-03-24T00:00:00Z'],
    ['5/5/2025', '2025-05-05T00:00:00Z'],
  ])('does read %s as %s when no zone is given', (text, iso) => {
    expect(parseDateTime(text, utc)).toEqual(at(iso));
  });

  it('does read dates without an offset in the given zone when one is set', () => {
    expect(parseDateTime('2025-03-04 10:00', { zone: 'Asia/Shanghai' })).toEqual(at('2025-03-04T02:00:00Z'));
  });

  it('does reject 3/4/2025 as ambiguous when no date format is given', () => {
    expect(parseDateTime('3/4/2025', utc)).toEqual({ ok: false, error: expect.stringContaining('ambiguous') });
  });

  it('does resolve 3/4/2025 either way when --date-format says which', () => {
    expect(parseDateTime('3/4/2025', { zone: 'UTC', dateOrder: 'M/D/YYYY' })).toEqual(at('2025-03-04T00:00:00Z'));
    expect(parseDateTime('3/4/2025', { zone: 'UTC', dateOrder: 'D/M/YYYY' })).toEqual(at('2025-04-03T00:00:00Z'));
  });

  it.each([
    ['2025-02-30', 'day 30 does not exist in month 2'],
    ['2023-02-29', '2023 has no 29 February'],
    ['2025-13-01', 'month 13 does not exist'],
    ['2025-01-01 25:00', 'not a time of day'],
    ['yesterday', 'not a date'],
    ['12', 'Excel serial'],
  ])('does reject %s with the reason when it is not a real date', (text, reason) => {
    expect(parseDateTime(text, utc)).toEqual({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('parseAmountMinor', () => {
  it.each([
    ['1234', 123400],
    ['1234.5', 123450],
    ['-12.34', -1234],
    ['0', 0],
    ['¥1,234.56', 123456],
    ['￥ 88', 8800],
    ['$1,234,567.89', 123456789],
    ['€1.234,56', 123456],
    ['1 234,56 €', 123456],
    ['12,5', 1250],
    ['1,234', 123400],
    ['1.234.567', 123456700],
    ['12.345', 1234500],
    ['(45.00)', -4500],
    ['CNY 99.9', 9990],
    ['99元', 9900],
  ])('does read %s as %i minor units', (text, minor) => {
    expect(parseAmountMinor(text)).toEqual({ ok: true, value: minor });
  });

  it.each([
    ['12.3456', 'more than 2 decimal places'],
    ['abc', 'not an amount'],
    ['1.2.3,4,5', 'separators out of place'],
  ])('does reject %s when it is not an amount', (text, reason) => {
    expect(parseAmountMinor(text)).toEqual({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('parseBirthday', () => {
  const today = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['1990-03-15', { month: 3, day: 15, year: 1990 }],
    ['03-15', { month: 3, day: 15, year: null }],
    ['--03-15', { month: 3, day: 15, year: null }],
    ['0000-03-15', { month: 3, day: 15, year: null }],
    ['3月15日', { month: 3, day: 15, year: null }],
    ['1990年3月15日', { month: 3, day: 15, year: 1990 }],
    ['15.03.1990', { month: 3, day: 15, year: 1990 }],
    ['--02-29', { month: 2, day: 29, year: null }],
  ])('does read %s when the year is given or left out', (text, birthday) => {
    expect(parseBirthday(text, today)).toEqual({ ok: true, value: birthday });
  });

  it.each([
    ['1990-02-30', 'day 30 does not exist'],
    ['1991-02-29', '1991 has no 29 February'],
    ['2030-01-01', 'year 2030 is out of range'],
    ['March 3', 'not a birthday'],
  ])('does reject %s with the reason when it is not a birthday', (text, reason) => {
    expect(parseBirthday(text, today)).toEqual({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('small value parsers', () => {
  it('does accept yes/no words in English and Chinese when reading booleans', () => {
    expect(['yes', 'TRUE', '1', '是'].map((t) => parseBoolean(t))).toEqual(Array(4).fill({ ok: true, value: true }));
    expect(['no', 'false', '0', '否'].map((t) => parseBoolean(t))).toEqual(Array(4).fill({ ok: true, value: false }));
    expect(parseBoolean('maybe').ok).toBe(false);
  });

  it('does normalise phones and reject ones with too few digits', () => {
    expect(parsePhone('+86 138-1234-5678')).toEqual({ ok: true, value: '+8613812345678' });
    expect(parsePhone('0086 138 1234 5678')).toEqual({ ok: true, value: '+8613812345678' });
    expect(parsePhone('12-3').ok).toBe(false);
  });

  it('does split tags on commas, full-width commas and 、 when de-duplicating them', () => {
    expect(parseTags('VIP，护肤、VIP; B2B')).toEqual({ ok: true, value: 'VIP,护肤,B2B' });
  });
});
