import { addDays, atLocalTime, localDateOf, startOfLocalDay, weekdayOf } from './local-time.js';

/** A team's working hours in its zone: from `start` to `end` o'clock on `days` (1 = Monday … 7 = Sunday). */
export interface WorkingHours {
  start: number;
  end: number;
  days: readonly number[];
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { start: 9, end: 18, days: [1, 2, 3, 4, 5] };

/** A span of working time: hours, or working days (a day is the team's working day, e.g. 9 hours). */
export type WorkingSpan = { hours: number } | { days: number };

const HOUR_MS = 3_600_000;
/** A year of calendar days: enough to place any deadline the settings allow. */
const MAX_DAYS_SCANNED = 400;

export function spanMs(span: WorkingSpan, hours: WorkingHours): number {
  return 'hours' in span ? span.hours * HOUR_MS : span.days * (hours.end - hours.start) * HOUR_MS;
}

/**
 * The instant `span` of working time after `start` (投诉处理 deadlines): only the team's working
 * hours count, so a complaint on Friday afternoon with four working hours falls due on Monday
 * morning. A start outside working hours counts from the next working morning. DST-safe: each
 * day's hours are placed with atLocalTime.
 */
export function addWorkingTime(start: Date, span: WorkingSpan, hours: WorkingHours, zone: string): Date {
  let remaining = spanMs(span, hours);
  let cursor = start.getTime();
  let date = localDateOf(start, zone);
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned++, date = addDays(date, 1)) {
    if (scanned > 0) cursor = Math.max(cursor, startOfLocalDay(date, zone).getTime());
    if (!hours.days.includes(weekdayOf(date))) continue;
    const open = atLocalTime(date, hours.start, zone).getTime();
    const close = atLocalTime(date, hours.end, zone).getTime();
    cursor = Math.max(cursor, open);
    if (cursor >= close) continue;
    if (remaining <= close - cursor) return new Date(cursor + remaining);
    remaining -= close - cursor;
  }
  throw new Error('working hours leave no time to place the deadline in');
}
