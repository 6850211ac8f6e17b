import { addDays, type LocalDate } from './schedule/local-time.js';

/** The same day `years` earlier; Feb 29 becomes Feb 28 in a common year. */
function yearsBefore(date: LocalDate, years: number): LocalDate {
  const year = date.year - years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return { year, month: date.month, day: date.month === 2 && date.day === 29 && !leap ? 28 : date.day };
}

/**
 * The birth dates, both included, of people aged `min` to `max` (whole years) on `today`:
 * someone born exactly `max + 1` years ago is too old since today, someone born `min` years
 * ago just reached `min`.
 */
export function bornBetween(today: LocalDate, min: number, max: number): { from: LocalDate; to: LocalDate } {
  return { from: addDays(yearsBefore(today, max + 1), 1), to: yearsBefore(today, min) };
}
