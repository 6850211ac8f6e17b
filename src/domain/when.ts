import type { Chrono } from 'chrono-node';
import { DateTime } from 'luxon';

/** The hour an untimed callback ("in 3 days", "下周一") is placed at: on the day's agenda, no ping at a minute. */
export const UNTIMED_HOUR = 9;

export type WhenResult =
  | {
      ok: true;
      at: Date;
      /** False when only a day was given: the callback goes on that day's agenda without a ping at a minute. */
      timed: boolean;
      /** The time expression as written, and the input before and after it ("王芳", "check the refill"). */
      text: string;
      before: string;
      after: string;
    }
  | { ok: false; reason: 'missing' | 'past' };

/** chrono-node takes ~130 ms to load: loaded on the first time expression, not at start. */
let parsers: Promise<Pick<Chrono, 'parse'>[]> | undefined;
const loadParsers = () => (parsers ??= import('chrono-node').then((chrono) => [chrono.casual, chrono.zh.hans]));
/** "in 2 hours", "in 30 min", "2小时后", "30分钟后": an amount of time from now, not a wall-clock time. */
const ELAPSED = /\bin\s+(?:an?|\d+)\s*(?:h|hrs?|hours?|m|mins?|minutes?)\b|\d+\s*个?(?:小时|分钟)(?:后|以后)/i;

/**
 * Finds a time expression in English or Chinese ("tomorrow 10am", "in 3 days", "下周一 10点",
 * "2026-12-01 14:00") and resolves it in the reader's IANA time zone. chrono reads it against
 * the zone's current UTC offset; the resulting wall-clock time is then placed in the zone with
 * luxon, so "tomorrow 10:00" is 10:00 local even when a DST change falls in between.
 * Expressions of elapsed time ("in 2 hours") stay exact durations.
 */
export async function parseWhen(input: string, now: Date, zone: string): Promise<WhenResult> {
  const reference = { instant: now, timezone: DateTime.fromJSDate(now, { zone }).offset };
  const found = (await loadParsers()).flatMap((parser) => parser.parse(input, reference, { forwardDate: true }).slice(0, 1)).sort(
    (a, b) => b.text.length - a.text.length || a.index - b.index,
  )[0];
  if (!found) return { ok: false, reason: 'missing' };
  const start = found.start;
  const timed = start.isCertain('hour');
  let at: Date;
  if (start.isCertain('timezoneOffset') || ELAPSED.test(found.text)) {
    at = start.date();
  } else {
    const local = DateTime.fromObject(
      {
        year: start.get('year')!,
        month: start.get('month')!,
        day: start.get('day')!,
        hour: timed ? start.get('hour')! : UNTIMED_HOUR,
        minute: timed ? (start.get('minute') ?? 0) : 0,
      },
      { zone },
    );
    at = local.toJSDate();
  }
  // An untimed day is fine when it is today; a time must still be ahead.
  const passed = timed ? at.getTime() <= now.getTime() : DateTime.fromJSDate(at, { zone }).endOf('day').toMillis() < now.getTime();
  if (passed) return { ok: false, reason: 'past' };
  return {
    ok: true,
    at,
    timed,
    text: found.text,
    before: input.slice(0, found.index).trim(),
    after: input.slice(found.index + found.text.length).trim(),
  };
}
