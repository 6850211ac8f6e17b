import { z } from 'zod';
import type { OptionValue } from './options.js';

/**
 * zod pieces for command arguments. Each accepts what typed text gives (strings) and what a
 * form or Discord gives (numbers, booleans), so both paths share one schema. Messages are
 * i18n keys.
 */

/** Longest customer or rep query: bounds the cost of fuzzy search (a 100,000-character lookup took 39 s). */
export const MAX_QUERY_LENGTH = 200;
/** Longest note or callback note. */
export const MAX_NOTE_LENGTH = 4000;

/** A customer as typed (name, email, phone, external id), or an internal id from a button or autocomplete. */
export type CustomerRef = { query: string } | { id: number };

/**
 * A string a person typed, within `max` characters, or a positive whole number from a button,
 * a picker or autocomplete; anything else is `missing`. Hand-written rather than a zod union
 * so that each failure keeps its own message.
 */
function typedOrId<T>(missing: string, max: number, fromText: (text: string) => T, fromNumber: (n: number) => T) {
  return z.custom<OptionValue>().transform((value, issue): T => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return fromNumber(value);
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') issue.addIssue({ code: 'custom', message: missing });
    else if (text.length > max) issue.addIssue({ code: 'custom', message: 'common.queryTooLong' });
    else return fromText(text);
    return z.NEVER;
  });
}

export function customerRef(missing: string) {
  // "#12" is how a typed line names a customer by internal id when nothing better is known.
  return typedOrId<CustomerRef>(missing, MAX_QUERY_LENGTH, (text) => (/^#\d{1,15}$/.test(text) ? { id: Number(text.slice(1)) } : { query: text }), (id) => ({ id }));
}

/** A rep: email, email name, `@name`, a `<@U…>` mention, or a rep id. */
export function repRef(missing: string) {
  return typedOrId<string>(missing, MAX_QUERY_LENGTH, (text) => text, String);
}

/** A time: a phrase resolved in the asker's zone when the command runs, or an absolute instant (epoch ms) from a picker. */
export type TimeRef = { text: string } | { at: Date };

export function timeRef(missing: string) {
  return typedOrId<TimeRef>(missing, MAX_QUERY_LENGTH, (text) => ({ text }), (ms) => ({ at: new Date(ms) }));
}

export function wholeNumber(min: number, max: number, message: string) {
  return z.union([z.number(), z.string()], { error: message }).transform((value, issue) => {
    const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    issue.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

/** The number of a callback or ticket, also as replies show it: `#12`. */
export function recordId(message: string) {
  return z
    .union([z.number(), z.string()], { error: message })
    .transform((value) => (typeof value === 'string' ? value.trim().replace(/^#/, '') : value))
    .pipe(wholeNumber(1, Number.MAX_SAFE_INTEGER, message));
}

/** One of `choices`, matched without regard to case and given back as declared; the message may name the `{{value}}`. */
export function choice<const C extends string>(choices: readonly C[], message: string) {
  return z.string(message).transform((value, issue): C => {
    const found = choices.find((c) => c.toLowerCase() === value.trim().toLowerCase());
    if (found !== undefined) return found;
    issue.addIssue({ code: 'custom', message, params: { value: value.slice(0, 100) } });
    return z.NEVER;
  });
}

export const flag = z
  .union([z.boolean(), z.string()])
  .optional()
  .transform((value) => value === true || (typeof value === 'string' && /^(true|yes|1|on)$/i.test(value)));

/** Free text such as a note; `tooLong` names the limit in words. */
export function text(missing: string, max = MAX_NOTE_LENGTH, tooLong = 'common.noteTooLong') {
  return z.string(missing).trim().min(1, missing).max(max, tooLong);
}
