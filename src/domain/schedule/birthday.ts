import { addDays, atLocalTime, type LocalDate, localDatesBetween } from './local-time.js';

export interface Birthday {
  month: number;
  day: number;
}

/** Birthday greetings go out in the morning of the customer's own day. */
export const GREETING_HOUR = 9;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The day a birthday is celebrated in a year: Feb 29 birthdays fall on Feb 28 in common years. */
export function birthdayInYear(birthday: Birthday, year: number): LocalDate {
  if (birthday.month === 2 && birthday.day === 29 && !isLeapYear(year)) return { year, month: 2, day: 28 };
  return { year, month: birthday.month, day: birthday.day };
}

export function isBirthdayOn(birthday: Birthday, date: LocalDate): boolean {
  const celebrated = birthdayInYear(birthday, date.year);
  return celebrated.month === date.month && celebrated.day === date.day;
}

/**
 * The greeting mornings (GREETING_HOUR in the given zone) of a birthday that fall in [from, to].
 * Each zone's mornings are worked out once per finder: a planning run meets thousands of
 * birthdays in a handful of zones, and time-zone arithmetic is the expensive part.
 */
export function birthdayMornings(from: Date, to: Date): (birthday: Birthday, zone: string) => { date: LocalDate; dueAt: Date }[] {
  const byZone = new Map<string, { date: LocalDate; dueAt: Date }[]>();
  return (birthday, zone) => {
    let mornings = byZone.get(zone);
    if (!mornings) {
      mornings = localDatesBetween(from, to, zone)
        .map((date) => ({ date, dueAt: atLocalTime(date, GREETING_HOUR, zone) }))
        .filter(({ dueAt }) => dueAt >= from && dueAt <= to);
      byZone.set(zone, mornings);
    }
    return mornings.filter((morning) => isBirthdayOn(birthday, morning.date));
  };
}

/** The (month, day) pairs whose birthdays are celebrated on these dates, for an indexed lookup. */
export function birthdayKeysFor(dates: readonly LocalDate[]): Birthday[] {
  const keys = new Map<string, Birthday>();
  for (const date of dates) {
    keys.set(`${date.month}-${date.day}`, { month: date.month, day: date.day });
    // Feb 28 of a common year also celebrates the Feb 29 birthdays.
    if (date.month === 2 && date.day === 28 && !isLeapYear(date.year)) keys.set('2-29', { month: 2, day: 29 });
  }
  return [...keys.values()];
}

/** The dates from `date` on (inclusive) for `days` days, e.g. the agenda's coming week of birthdays. */
export function datesFrom(date: LocalDate, days: number): LocalDate[] {
  return Array.from({ length: days }, (_, i) => addDays(date, i));
}
