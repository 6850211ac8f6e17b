import { z } from 'zod';
import type { Tier } from '../tier.js';
import { DEFAULT_CADENCE_DAYS, DEFAULT_CHECK_INS_PER_DAY } from './cadence.js';
import { DEFAULT_DIGEST_TIME, type DigestTime } from './digest-slot.js';
import { DEFAULT_SCORING_HOUR } from './scoring-slot.js';
import { DEFAULT_WINBACK_DAYS } from './winback.js';

const days = z.number().int().min(1).max(3650);
export const MAX_CHECK_INS_PER_DAY = 500;

/**
 * The scheduling part of Team.settings (JSON). Each field falls back to its default on its
 * own, so one bad value in a team's settings does not switch off that team's reminders.
 */
const scheduleSettingsSchema = z.object({
  cadenceDays: z
    .object({
      A: days.catch(DEFAULT_CADENCE_DAYS.A),
      B: days.catch(DEFAULT_CADENCE_DAYS.B),
      C: days.catch(DEFAULT_CADENCE_DAYS.C),
      D: days.catch(DEFAULT_CADENCE_DAYS.D),
    })
    .partial()
    .catch({}),
  digest: z
    .object({
      weekday: z.number().int().min(1).max(7).catch(DEFAULT_DIGEST_TIME.weekday),
      hour: z.number().int().min(0).max(23).catch(DEFAULT_DIGEST_TIME.hour),
    })
    .partial()
    .catch({}),
  winbackDays: days.catch(DEFAULT_WINBACK_DAYS),
  checkInsPerDay: z.number().int().min(1).max(MAX_CHECK_INS_PER_DAY).catch(DEFAULT_CHECK_INS_PER_DAY),
  scoringHour: z.number().int().min(0).max(23).catch(DEFAULT_SCORING_HOUR),
}).partial();

export interface ScheduleSettings {
  cadenceDays: Record<Tier, number>;
  digest: DigestTime;
  winbackDays: number;
  /** Cadence check-ins per rep per agenda; the rest wait for the next agendas. */
  checkInsPerDay: number;
  /** The hour of the night (team's zone) when every customer is rescored. */
  scoringHour: number;
}

export function parseScheduleSettings(json: string): ScheduleSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  const parsed = scheduleSettingsSchema.safeParse(raw);
  const s = parsed.success ? parsed.data : {};
  return {
    cadenceDays: { ...DEFAULT_CADENCE_DAYS, ...s.cadenceDays },
    digest: { ...DEFAULT_DIGEST_TIME, ...s.digest },
    winbackDays: s.winbackDays ?? DEFAULT_WINBACK_DAYS,
    checkInsPerDay: s.checkInsPerDay ?? DEFAULT_CHECK_INS_PER_DAY,
    scoringHour: s.scoringHour ?? DEFAULT_SCORING_HOUR,
  };
}
