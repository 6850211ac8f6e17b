import { DateTime } from 'luxon';

/** A calendar day as people in one time zone name it. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** An IANA zone luxon understands, else UTC: a mistyped zone in a settings row must not stop a batch. */
export function safeZone(zone: string | null | undefined): string {
  if (!zone) return 'UTC';
  return DateTime.now().setZone(zone).isValid ? zone : 'UTC';
}

export function localDateOf(at: Date, zone: string): LocalDate {
  const local = DateTime.fromJSDate(at, { zone });
  return { year: local.year, month: local.month, day: local.day };
}

export function isoDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

export function parseIsoDate(text: string): LocalDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = DateTime.fromObject({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }, { zone: 'UTC' });
  return date.isValid ? { year: date.year, month: date.month, day: date.day } : null;
}

/**
 * The instant a wall-clock time happens on a local date. In a spring-forward gap (02:30 that
 * does not exist) luxon moves on by the gap, so the slot still happens that day; in the
 * fall-back overlap it takes the second (standard-time) instant: either way the slot happens once.
 */
export function atLocalTime(date: LocalDate, hour: number, zone: string, minute = 0): Date {
  return DateTime.fromObject({ ...date, hour, minute }, { zone }).toJSDate();
}

export function startOfLocalDay(date: LocalDate, zone: string): Date {
  return DateTime.fromObject(date, { zone }).startOf('day').toJSDate();
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = DateTime.fromObject(date, { zone: 'UTC' }).plus({ days });
  return { year: moved.year, month: moved.month, day: moved.day };
}

/** 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: LocalDate): number {
  return DateTime.fromObject(date, { zone: 'UTC' }).weekday;
}

/** ISO week of a local date, e.g. 2026-W48 (the year is the ISO week-year). */
export function isoWeekOf(date: LocalDate): string {
  const d = DateTime.fromObject(date, { zone: 'UTC' });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Every local date in `zone` that overlaps the instant range [from, to]. */
export function localDatesBetween(from: Date, to: Date, zone: string): LocalDate[] {
  const dates: LocalDate[] = [];
  const last = localDateOf(to, zone);
  for (let date = localDateOf(from, zone); compareDates(date, last) <= 0; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** A time with its offset in the reader's zone, e.g. 2026-03-29T09:00:00.000+02:00. */
export function isoInZone(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISO() ?? at.toISOString();
}
