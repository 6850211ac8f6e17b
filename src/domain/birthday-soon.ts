import { datesFrom, isBirthdayOn, type Birthday } from './schedule/birthday.js';
import type { LocalDate } from './schedule/local-time.js';

/** Days from `today` to the next birthday when it is at most `within` days away (0 = today), else null. Feb 29 falls on Feb 28 in common years. */
export function daysUntilBirthday(birthday: Birthday, today: LocalDate, within: number): number | null {
  const days = datesFrom(today, within + 1).findIndex((date) => isBirthdayOn(birthday, date));
  return days === -1 ? null : days;
}
