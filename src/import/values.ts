import { DateTime } from 'luxon';
import { normalizePhone } from '../domain/phone.js';

/** A cell parsed into a typed value, or the reason it is not one (shown to the user as is). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

/** How to read slash dates whose first two parts could both be a day or a month (3/4/2024). */
export const DATE_ORDERS = ['M/D/YYYY', 'D/M/YYYY'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export interface DateContext {
  /** IANA zone that dates without an offset are read in. */
  zone: string;
  dateOrder?: DateOrder;
}

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Checks month/day (and the year's leap day when a year is known); null when valid. */
function calendarProblem(year: number | null, month: number, day: number): string | null {
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  if (day < 1 || day > MONTH_DAYS[month - 1]!) return `day ${day} does not exist in month ${month}`;
  if (year !== null && month === 2 && day === 29 && !isLeapYear(year)) return `${year} has no 29 February`;
  return null;
}

const TIME = String.raw`(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?`;
const ISO_DATE = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}$`, 'i');
const YMD_SLASH = new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})${TIME}$`, 'i');
const DMY_DOT = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${TIME}$`, 'i');
const SLASH_YEAR_LAST = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`, 'i');
const CHINESE_DATE = new RegExp(String.raw`^(\d{4})年(\d{1,2})月(\d{1,2})日?${TIME}$`, 'i');
const EXCEL_SERIAL = /^\d{2,7}(?:\.\d+)?$/;
/** Excel's day 1 is 1900-01-01 and it counts a 29 Feb 1900 that never was: from serial 61 on, day 0 is 1899-12-30. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const FIRST_EXCEL_SERIAL = 61;
const LAST_EXCEL_SERIAL = 2_958_465; // 9999-12-31
const DAY_MS = 86_400_000;

function slashDate(first: number, second: number, year: number, order: DateOrder | undefined): Parsed<CalendarDate> {
  if (first > 12 && second > 12) return fail('neither part is a month');
  if (first > 12) return ok({ year, month: second, day: first });
  if (second > 12 || first === second) return ok({ year, month: first, day: second });
  if (!order) return fail('ambiguous: day and month could be either way round (use --date-format M/D/YYYY or D/M/YYYY)');
  return order === 'M/D/YYYY' ? ok({ year, month: first, day: second }) : ok({ year, month: second, day: first });
}

/**
 * A date or date-time into epoch milliseconds: ISO 8601 (with optional time and offset),
 * YYYY/MM/DD, DD.MM.YYYY, YYYY年M月D日, Excel serial numbers, and M/D/YYYY or D/M/YYYY when
 * the parts or `dateOrder` decide which is which. Dates without an offset are in `zone`.
 */
export function parseDateTime(text: string, context: DateContext): Parsed<number> {
  const iso = parseIsoDateTime(text, context.zone);
  return iso === undefined ? parseDateTimeByPattern(text, context) : ok(iso);
}

/** The digit at `at` (0–9), or -1 (also past the end). */
function digitAt(text: string, at: number): number {
  const digit = text.charCodeAt(at) - 48;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** The number written by the `count` digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let end = at + count; at < end; at++) {
    const digit = digitAt(text, at);
    if (digit < 0) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;

/**
 * The hot path of parseDateTime: `YYYY-MM-DD`, then optionally `T` or a space, `HH:MM`, `:SS`,
 * `.f` to `.fff` and `Z` (what exports and toISOString write: nearly every date cell of a large
 * file), read by character codes instead of the patterns and their match arrays. Undefined for
 * any other shape and for a date or time that does not exist, which parseDateTimeByPattern
 * then reads or explains; where this returns a number, that path returns the same number.
 */
export function parseIsoDateTime(text: string, zone: string): number | undefined {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0 || calendarProblem(year, month, day) !== null) return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  let offsetZ = false;
  if (length > 10) {
    const separator = text[10];
    if ((separator !== 'T' && separator !== ' ') || text.charCodeAt(13) !== COLON) return undefined;
    hour = digitsAt(text, 11, 2);
    minute = digitsAt(text, 14, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
    let at = 16;
    if (text.charCodeAt(at) === COLON) {
      second = digitsAt(text, 17, 2);
      if (second < 0 || second > 59) return undefined;
      at = 19;
      if (text.charCodeAt(at) === DOT) {
        let digits = 0;
        for (at++; digits < 3 && digitAt(text, at) >= 0; at++, digits++) millisecond = millisecond * 10 + digitAt(text, at);
        if (digits === 0) return undefined;
        millisecond *= digits === 1 ? 100 : digits === 2 ? 10 : 1;
      }
    }
    if (text[at] === 'Z') {
      offsetZ = true;
      at++;
    }
    if (at !== length) return undefined;
  }
  return offsetZ ? Date.UTC(year, month - 1, day, hour, minute, second, millisecond) : wallTimeToEpoch(year, month, day, hour, minute, second, millisecond, zone);
}

/** parseDateTime by its patterns: every form it reads, and the reason for anything it does not. */
export function parseDateTimeByPattern(text: string, context: DateContext): Parsed<number> {
  if (EXCEL_SERIAL.test(text)) {
    const serial = Number(text);
    if (serial < FIRST_EXCEL_SERIAL || serial > LAST_EXCEL_SERIAL) return fail('not a date (numbers are read as Excel serial dates from 61)');
    // Excel serials carry no zone: the local wall time of that day, like any other date without an offset.
    const wall = new Date(EXCEL_EPOCH_MS + Math.round(serial * DAY_MS));
    return ok(wallTimeToEpoch(wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), 0, context.zone));
  }
  let match: RegExpExecArray | null;
  let date: Parsed<CalendarDate>;
  if ((match = ISO_DATE.exec(text) ?? YMD_SLASH.exec(text) ?? CHINESE_DATE.exec(text))) {
    date = ok({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
  } else if ((match = DMY_DOT.exec(text))) {
    date = ok({ year: Number(match[3]), month: Number(match[2]), day: Number(match[1]) });
  } else if ((match = SLASH_YEAR_LAST.exec(text))) {
    date = slashDate(Number(match[1]), Number(match[2]), Number(match[3]), context.dateOrder);
  } else {
    return fail('not a date (use YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or M/D/YYYY)');
  }
  if (!date.ok) return date;
  const { year, month, day } = date.value;
  const problem = calendarProblem(year, month, day);
  if (problem) return fail(`not a date: ${problem}`);
  const [hour, minute, second, fraction, offset] = [match[4], match[5], match[6], match[7], match[8]];
  const h = hour === undefined ? 0 : Number(hour);
  const m = minute === undefined ? 0 : Number(minute);
  const s = second === undefined ? 0 : Number(second);
  if (h > 23 || m > 59 || s > 59) return fail('not a time of day');
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0'));
  if (offset !== undefined) {
    const utc = Date.UTC(year, month - 1, day, h, m, s, ms);
    if (offset.toUpperCase() === 'Z') return ok(utc);
    const digits = offset.replace(':', '');
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
    return ok(utc - (digits[0] === '-' ? -1 : 1) * minutes * 60_000);
  }
  return ok(wallTimeToEpoch(year, month, day, h, m, s, ms, context.zone));
}

function wallTimeToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, millisecond: number, zone: string): number {
  // UTC needs no zone rules, and it is the hot path of large imports.
  if (zone === 'UTC') return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  return DateTime.fromObject({ year, month, day, hour, minute, second, millisecond }, { zone }).toMillis();
}

export interface Birthday {
  month: number;
  day: number;
  year: number | null;
}

const BIRTHDAY_FORMS: { pattern: RegExp; year?: number; month: number; day: number }[] = [
  { pattern: /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/, year: 1, month: 2, day: 3 },
  { pattern: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, year: 3, month: 2, day: 1 },
  { pattern: /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/, year: 1, month: 2, day: 3 },
  { pattern: /^(?:--)?(\d{1,2})-(\d{1,2})$/, month: 1, day: 2 },
  { pattern: /^(\d{1,2})月(\d{1,2})日?$/, month: 1, day: 2 },
];

/** A birthday with or without its year: YYYY-MM-DD, MM-DD, --MM-DD, 0000-MM-DD (no year), DD.MM.YYYY, 3月15日, 1990年3月15日. */
export function parseBirthday(text: string, today: Date): Parsed<Birthday> {
  for (const form of BIRTHDAY_FORMS) {
    const match = form.pattern.exec(text);
    if (!match) continue;
    const month = Number(match[form.month]);
    const day = Number(match[form.day]);
    // vCard writes an unknown year as 0000 (or leaves it out with --MM-DD).
    const year = form.year === undefined || Number(match[form.year]) === 0 ? null : Number(match[form.year]);
    const problem = calendarProblem(year, month, day);
    if (problem) return fail(`not a birthday: ${problem}`);
    if (year !== null && (year < 1900 || Date.UTC(year, month - 1, day) > today.getTime())) return fail(`not a birthday: year ${year} is out of range`);
    return ok({ month, day, year });
  }
  return fail('not a birthday (use YYYY-MM-DD, MM-DD, --MM-DD or 3月15日)');
}

const PLAIN_AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;
const CURRENCY = /[¥￥$€£₩₹元円]|RMB|CNY|USD|EUR|GBP|HKD|JPY|CHF/gi;
const THOUSANDS_SPACES = /[\s'\u00a0\u202f]/g;

/**
 * An amount into integer minor units (cents, 分). Takes currency symbols and codes, thousands
 * separators (1,234.56 and 1.234,56 and 1 234,56), a leading minus, and (accounting) negatives.
 * A lone separator followed by exactly three digits is read as thousands (1,234 = 1234).
 */
export function parseAmountMinor(text: string): Parsed<number> {
  const plain = parsePlainAmount(text);
  return plain === undefined ? parseAmountByPattern(text) : ok(plain);
}

/**
 * The hot path of parseAmountMinor: a plain `-1234.5` (PLAIN_AMOUNT: optional minus, 1–15
 * digits, optional 1–2 decimals) read by character codes; undefined for anything else, which
 * parseAmountByPattern then reads. Where this returns a number, that path returns the same.
 */
export function parsePlainAmount(text: string): number | undefined {
  const length = text.length;
  const negative = text.charCodeAt(0) === DASH;
  let at = negative ? 1 : 0;
  let whole = 0;
  for (let digit = digitAt(text, at); digit >= 0; digit = digitAt(text, ++at)) whole = whole * 10 + digit;
  const wholeDigits = at - (negative ? 1 : 0);
  if (wholeDigits < 1 || wholeDigits > 15) return undefined;
  let fraction = 0;
  if (at < length) {
    const tenths = text.charCodeAt(at) === DOT ? digitAt(text, at + 1) : -1;
    if (tenths < 0) return undefined;
    const hundredths = at + 2 < length ? digitAt(text, at + 2) : 0;
    if (hundredths < 0 || at + 3 < length) return undefined;
    fraction = tenths * 10 + hundredths;
  }
  // Whole has at most 15 digits, so it is exact, as Number() of them is.
  const minor = whole * 100 + fraction;
  if (!Number.isSafeInteger(minor)) return undefined;
  return negative && minor !== 0 ? -minor : minor;
}

/** parseAmountMinor by its patterns: every form it reads, and the reason for anything it does not. */
export function parseAmountByPattern(text: string): Parsed<number> {
  // Plain "1234.5" is most cells of a large file: no need for the general path.
  const plain = PLAIN_AMOUNT.exec(text);
  if (plain) {
    const minor = Number(plain[2]) * 100 + (plain[3] ? Number(plain[3].padEnd(2, '0')) : 0);
    if (Number.isSafeInteger(minor)) return ok(plain[1] && minor !== 0 ? -minor : minor);
  }
  let body = text.replace(CURRENCY, '').replace(THOUSANDS_SPACES, '');
  let negative = false;
  if (/^\(.*\)$/.test(body)) {
    negative = true;
    body = body.slice(1, -1);
  }
  if (/^[-−]/.test(body)) {
    negative = !negative;
    body = body.slice(1);
  }
  if (!/^[\d.,]+$/.test(body) || !/\d/.test(body)) return fail('not an amount');
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  let decimalAt = Math.max(lastDot, lastComma);
  const separator = body[decimalAt];
  const separatorCount = decimalAt < 0 ? 0 : body.split(separator!).length - 1;
  // One kind of separator used several times, or once before exactly three digits, is grouping.
  if (decimalAt >= 0 && (lastDot < 0 || lastComma < 0) && (separatorCount > 1 || body.length - decimalAt - 1 === 3)) decimalAt = -1;
  const grouped = decimalAt < 0 ? body : body.slice(0, decimalAt);
  const fraction = decimalAt < 0 ? '' : body.slice(decimalAt + 1);
  // Grouping uses one separator, other than the decimal one, between groups of 2–3 digits (2 for 1,23,456).
  const groupedWell = /^\d+$/.test(grouped) || (/^\d{1,3}([.,])\d{2,3}(?:\1\d{2,3})*$/.test(grouped) && !grouped.includes(body[decimalAt] ?? ' '));
  if (!groupedWell || /[.,]/.test(fraction)) return fail('not an amount: separators out of place');
  const whole = grouped.replace(/[.,]/g, '');
  if (fraction.length > 2) return fail('not an amount: more than 2 decimal places');
  const minor = Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(minor)) return fail('not an amount: too large');
  return ok(negative ? -minor : minor);
}

/** Excel shows long numbers as 1.39123E+10 and, saved as CSV, keeps only those digits. */
const SCIENTIFIC_NOTATION = /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i;
/** E.164: at most 15 digits with the country code. */
const MAX_PHONE_DIGITS = 15;

export function parsePhone(text: string): Parsed<string> {
  if (SCIENTIFIC_NOTATION.test(text)) {
    return fail('Excel shortened this number to scientific notation and its last digits are lost: format the column as Text in Excel and export again');
  }
  const phone = normalizePhone(text);
  if (!phone) return fail('not a phone number (fewer than 5 digits)');
  if (phone.replace('+', '').length > MAX_PHONE_DIGITS) return fail(`not a phone number (more than ${MAX_PHONE_DIGITS} digits)`);
  return ok(phone);
}

/** Largest amount an order may have, in minor units: 10,000,000,000.00; anything above is a typo or a column mix-up. */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

/** An amount (parseAmountMinor) that is also plausible for one order. */
export function parseOrderAmount(text: string): Parsed<number> {
  const amount = parseAmountMinor(text);
  if (amount.ok && Math.abs(amount.value) > MAX_AMOUNT_MINOR) return fail('not a plausible amount for one order (more than 10,000,000,000.00)');
  return amount;
}

/** The days dated events (orders, interactions) may fall on: 1970-01-01 up to and including tomorrow (UTC). */
export interface DateRange {
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

const DAY = 86_400_000;
export const EARLIEST_EVENT_MS = Date.UTC(1970, 0, 1);

/** 1970-01-01 to tomorrow: a day of slack for time zones ahead of UTC, nothing from the far past or the future. */
export function eventDateRange(today: Date): DateRange {
  return { fromMs: EARLIEST_EVENT_MS, untilMs: (Math.floor(today.getTime() / DAY) + 2) * DAY };
}

/** A date-time (parseDateTime) inside the range, or why not, naming the range. */
export function parseEventDate(text: string, context: DateContext, range: DateRange): Parsed<number> {
  const at = parseDateTime(text, context);
  if (!at.ok || (at.value >= range.fromMs && at.value < range.untilMs)) return at;
  const last = new Date(range.untilMs - DAY).toISOString().slice(0, 10);
  return fail(`${at.value < range.fromMs ? 'too early' : 'in the future'}: dates are accepted from ${new Date(range.fromMs).toISOString().slice(0, 10)} to ${last}`);
}

const TRUE_WORDS = new Set(['yes', 'y', 'true', 't', '1', 'x', 'on', '是', '对', '真']);
const FALSE_WORDS = new Set(['no', 'n', 'false', 'f', '0', 'off', '否', '不', '假']);

export function parseBoolean(text: string): Parsed<boolean> {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail('not yes/no (use yes, no, true, false, 1, 0, 是 or 否)');
}

/** Tags split on commas (also full-width), semicolons, 、 and |, trimmed, de-duplicated, stored comma-separated. */
export function parseTags(text: string): Parsed<string> {
  const tags = [...new Set(text.split(/[,，;；、|]/).map((tag) => tag.trim()).filter((tag) => tag !== ''))];
  return ok(tags.join(','));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseEmail(text: string): Parsed<string> {
  return EMAIL.test(text) ? ok(text.toLowerCase()) : fail('not an email address');
}

export function parseInteger(min: number, max: number): (text: string) => Parsed<number> {
  return (text) => {
    const value = Number(text);
    return Number.isInteger(value) && value >= min && value <= max ? ok(value) : fail(`not a whole number from ${min} to ${max}`);
  };
}

/** A closed set of words, each with its accepted spellings (matched ignoring case). */
export function parseChoice<T extends string>(choices: Record<T, readonly string[]>): (text: string) => Parsed<T> {
  const bySpelling = new Map<string, T>();
  for (const [choice, spellings] of Object.entries(choices) as [T, readonly string[]][]) {
    for (const spelling of [choice, ...spellings]) bySpelling.set(spelling.toLowerCase(), choice);
  }
  const listed = Object.keys(choices).join(', ');
  return (text) => {
    const choice = bySpelling.get(text.toLowerCase());
    return choice === undefined ? fail(`not one of ${listed}`) : ok(choice);
  };
}
