import { atLocalTime, localDatesBetween, weekdayOf, type LocalDate } from './local-time.js';

export interface DigestTime {
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  hour: number;
}

/** Monday 08:00 in the manager's own zone. */
export const DEFAULT_DIGEST_TIME: DigestTime = { weekday: 1, hour: 8 };

/** The digest instants within [from, to] for a manager in `zone`. */
export function digestSlotsBetween(zone: string, time: DigestTime, from: Date, to: Date): { date: LocalDate; dueAt: Date }[] {
  return localDatesBetween(from, to, zone)
    .filter((date) => weekdayOf(date) === time.weekday)
    .map((date) => ({ date, dueAt: atLocalTime(date, time.hour, zone) }))
    .filter(({ dueAt }) => dueAt >= from && dueAt <= to);
}
