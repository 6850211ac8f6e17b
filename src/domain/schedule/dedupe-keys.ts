import { isoDate, isoWeekOf, type LocalDate } from './local-time.js';

/**
 * One key per nudge that must be sent once. The outbox has a unique index on it, so planning
 * the same nudge twice (a double cron fire, a restart, two replicas) inserts it once.
 */
export const dedupeKey = {
  /** A moved callback (snoozed, rescheduled) has a new due time and so pings again. */
  callback: (callbackId: number, dueAt: Date) => `callback:${callbackId}:${dueAt.toISOString()}`,
  /** One cadence check-in per customer per last touch: a new touch starts a new cycle. */
  cadence: (customerId: number, lastTouch: Date) => `cadence:${customerId}:${lastTouch.toISOString()}`,
  birthday: (customerId: number, year: number) => `birthday:${customerId}:${year}`,
  birthdayList: (teamId: number, date: LocalDate) => `birthday-list:${teamId}:${isoDate(date)}`,
  winbackWon: (customerId: number, episode: number) => `winback:${customerId}:${episode}:won`,
  agenda: (repId: number, date: LocalDate) => `agenda:${repId}:${isoDate(date)}`,
  digest: (managerId: number, date: LocalDate) => `digest:${managerId}:${isoWeekOf(date)}`,
  /** One reorder reminder per purchase cycle: the cycle is the one that started with the last purchase (a UTC day). */
  reorder: (customerId: number, lastPurchase: Date) => `reorder:${customerId}:${lastPurchase.toISOString().slice(0, 10)}`,
};
