import { addDays, atLocalTime, localDateOf } from './local-time.js';

/** 02:00: after the day's imports, well before the morning agendas that read the scores. */
export const DEFAULT_SCORING_HOUR = 2;

/** When to rescore: a team's nightly hour in its zone. */
export interface ScoringTime {
  zone: string;
  hour: number;
}

/** The latest nightly scoring instant at or before `now` for one team (DST-safe: see atLocalTime). */
export function lastScoringSlotOf(time: ScoringTime, now: Date): Date {
  const today = localDateOf(now, time.zone);
  const slot = atLocalTime(today, time.hour, time.zone);
  return slot <= now ? slot : atLocalTime(addDays(today, -1), time.hour, time.zone);
}

/**
 * The latest scoring instant at or before `now` over all teams: a rescoring scores every
 * customer, so each team's night is a slot, and teams sharing an instant share the run. With
 * no team yet, 02:00 UTC.
 */
export function lastScoringSlot(times: readonly ScoringTime[], now: Date): Date {
  const slots = (times.length > 0 ? times : [{ zone: 'UTC', hour: DEFAULT_SCORING_HOUR }]).map((t) => lastScoringSlotOf(t, now).getTime());
  return new Date(Math.max(...slots));
}
