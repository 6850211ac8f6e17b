import { addDays, atLocalTime, type LocalDate, localDateOf, localDatesBetween, weekdayOf } from './local-time.js';

/** Monday to Friday: the morning agenda is a working-day DM. */
export function isWorkingDay(date: LocalDate): boolean {
  return weekdayOf(date) <= 5;
}

export interface AgendaSlot {
  date: LocalDate;
  dueAt: Date;
}

/** A rep's agenda instants within [from, to]: their agenda hour on each working day in their zone. */
export function agendaSlotsBetween(zone: string, hour: number, from: Date, to: Date): AgendaSlot[] {
  return localDatesBetween(from, to, zone)
    .filter(isWorkingDay)
    .map((date) => ({ date, dueAt: atLocalTime(date, hour, zone) }))
    .filter(({ dueAt }) => dueAt >= from && dueAt <= to);
}

/** The first agenda slot at or after `at`: where a day-level item (cadence, win-back) lands. */
export function nextAgendaSlot(zone: string, hour: number, at: Date): AgendaSlot {
  for (let date = localDateOf(at, zone); ; date = addDays(date, 1)) {
    if (!isWorkingDay(date)) continue;
    const dueAt = atLocalTime(date, hour, zone);
    if (dueAt >= at) return { date, dueAt };
  }
}

/** The agenda slot before the one on `date`: items since then are "new" in today's agenda. */
export function previousAgendaSlot(zone: string, hour: number, date: LocalDate): AgendaSlot {
  for (let day = addDays(date, -1); ; day = addDays(day, -1)) {
    if (isWorkingDay(day)) return { date: day, dueAt: atLocalTime(day, hour, zone) };
  }
}
