import { LUNAR_FESTIVALS } from './lunar-festivals.js';
import { compareDates, type LocalDate, parseIsoDate } from './local-time.js';

/**
 * 节假日关怀: the holidays a team greets its customers for. Built-in ones have a key (their names
 * and greetings are in each language's catalogue); a team adds its own with a date, every year
 * (`05-20`) or once (`2027-05-20`).
 */
export const BUILT_IN_HOLIDAYS = {
  'spring-festival': { lunar: 0 },
  'lantern-festival': { lunar: 1 },
  'womens-day': { month: 3, day: 8 },
  'dragon-boat': { lunar: 2 },
  'mid-autumn': { lunar: 3 },
  'national-day': { month: 10, day: 1 },
  'singles-day': { month: 11, day: 11 },
  christmas: { month: 12, day: 25 },
  'new-year': { month: 1, day: 1 },
} as const satisfies Record<string, { lunar: 0 | 1 | 2 | 3 } | { month: number; day: number }>;
export type BuiltInHoliday = keyof typeof BUILT_IN_HOLIDAYS;
export const BUILT_IN_HOLIDAY_KEYS = Object.keys(BUILT_IN_HOLIDAYS) as BuiltInHoliday[];

/** A team's calendar until it edits it follows its language. */
export const DEFAULT_HOLIDAYS: Readonly<Record<string, readonly BuiltInHoliday[]>> = {
  'zh-CN': ['spring-festival', 'lantern-festival', 'womens-day', 'dragon-boat', 'mid-autumn', 'national-day', 'singles-day'],
  en: ['christmas', 'new-year'],
};

export function isBuiltInHoliday(key: string): key is BuiltInHoliday {
  return Object.hasOwn(BUILT_IN_HOLIDAYS, key);
}

/** A holiday of a team's own: `MM-DD` every year, or `YYYY-MM-DD` once. */
export interface CustomHoliday {
  name: string;
  date: string;
}

/** The calendar as Team.settings stores it: null `builtIn` means the language's defaults. */
export interface HolidayCalendar {
  builtIn: readonly BuiltInHoliday[] | null;
  custom: readonly CustomHoliday[];
}

/** One holiday on one day: `id` is the built-in key or `custom:<name>`, stable for dedupe keys. */
export interface HolidayOn {
  id: string;
  builtIn: BuiltInHoliday | null;
  /** A custom holiday's own name (built-in ones are named in the reader's language). */
  name: string | null;
  date: LocalDate;
}

export const CUSTOM_HOLIDAY_DATE = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/;
export const MAX_HOLIDAY_NAME = 40;

/** Whether a custom holiday's date is one the calendar can place (a real month and day; Feb 29 only in leap years). */
export function isCustomHolidayDate(date: string): boolean {
  const match = CUSTOM_HOLIDAY_DATE.exec(date);
  if (!match) return false;
  return parseIsoDate(`${match[1] ?? '2024'}-${match[2]}-${match[3]}`) !== null;
}

export function builtInHolidays(calendar: HolidayCalendar, locale: string): readonly BuiltInHoliday[] {
  return calendar.builtIn ?? DEFAULT_HOLIDAYS[locale] ?? DEFAULT_HOLIDAYS.en!;
}

/** The day a built-in holiday falls on in a Gregorian year, or null (a lunar one beyond the shipped table). */
export function builtInDate(key: BuiltInHoliday, year: number): LocalDate | null {
  const rule: { lunar: number } | { month: number; day: number } = BUILT_IN_HOLIDAYS[key];
  if ('month' in rule) return { year, month: rule.month, day: rule.day };
  const row = LUNAR_FESTIVALS[year];
  return row ? parseIsoDate(`${year}-${row[rule.lunar]}`) : null;
}

function customDate(holiday: CustomHoliday, year: number): LocalDate | null {
  const match = CUSTOM_HOLIDAY_DATE.exec(holiday.date);
  if (!match || (match[1] !== undefined && Number(match[1]) !== year)) return null;
  return parseIsoDate(`${year}-${match[2]}-${match[3]}`);
}

/** The team's holidays whose day falls in [from, to], by date. */
export function holidaysBetween(calendar: HolidayCalendar, locale: string, from: LocalDate, to: LocalDate): HolidayOn[] {
  const found: HolidayOn[] = [];
  for (let year = from.year; year <= to.year; year++) {
    for (const key of builtInHolidays(calendar, locale)) {
      const date = builtInDate(key, year);
      if (date) found.push({ id: key, builtIn: key, name: null, date });
    }
    for (const holiday of calendar.custom) {
      const date = customDate(holiday, year);
      if (date) found.push({ id: `custom:${holiday.name}`, builtIn: null, name: holiday.name, date });
    }
  }
  return found
    .filter((h) => compareDates(h.date, from) >= 0 && compareDates(h.date, to) <= 0)
    .sort((a, b) => compareDates(a.date, b.date) || a.id.localeCompare(b.id));
}
