import { z } from 'zod';
import type { Tier } from '../tier.js';
import { DEFAULT_CADENCE_DAYS, DEFAULT_CHECK_INS_PER_DAY } from './cadence.js';
import { DEFAULT_DIGEST_TIME, type DigestTime } from './digest-slot.js';
import { DEFAULT_SCORING_HOUR } from './scoring-slot.js';
import { DEFAULT_WINBACK_DAYS, DEFAULT_WINBACK_TRIAGE, type WinbackTriage } from './winback.js';
import { BUILT_IN_HOLIDAY_KEYS, CUSTOM_HOLIDAY_DATE, isCustomHolidayDate, MAX_HOLIDAY_NAME, type HolidayCalendar } from './holidays.js';
import { DEFAULT_WORKING_HOURS, type WorkingHours, type WorkingSpan } from './working-time.js';
import { TIERS } from '../tier.js';

const days = z.number().int().min(1).max(3650);
export const MAX_CHECK_INS_PER_DAY = 500;
/** Plans per rep per week in the top-N triage. */
export const MAX_TRIAGE_TOP = 500;

/** Stages whose check-in cadence is their own rather than their tier's (欢迎计划, prospects, the won back). */
export const CADENCE_STAGES = ['new', 'prospect', 'won-back'] as const;
export type CadenceStage = (typeof CADENCE_STAGES)[number];
export const DEFAULT_STAGE_CADENCE_DAYS: Readonly<Record<CadenceStage, number>> = { new: 14, prospect: 30, 'won-back': 14 };

/** 投诉处理: how long a complaint may wait for its answer, by tier, in working time. */
export const DEFAULT_COMPLAINT_DEADLINES: Readonly<Record<Tier, WorkingSpan>> = { A: { hours: 4 }, B: { days: 1 }, C: { days: 2 }, D: { days: 2 } };
/** A deadline as typed and stored: `4h` (working hours) or `2d` (working days). */
export const WORKING_SPAN = /^([1-9]\d{0,2})([hd])$/;

export function parseWorkingSpan(text: string): WorkingSpan | null {
  const match = WORKING_SPAN.exec(text.trim().toLowerCase());
  if (!match) return null;
  const n = Number(match[1]);
  if (match[2] === 'h') return n <= 500 ? { hours: n } : null;
  return n <= 60 ? { days: n } : null;
}

export function formatWorkingSpan(span: WorkingSpan): string {
  return 'hours' in span ? `${span.hours}h` : `${span.days}d`;
}

const workingSpan = z.string().transform((text, issue) => parseWorkingSpan(text) ?? (issue.addIssue({ code: 'custom', message: 'span' }), z.NEVER));
const tier = z.enum(TIERS);
const customHoliday = z.object({ name: z.string().trim().min(1).max(MAX_HOLIDAY_NAME), date: z.string().regex(CUSTOM_HOLIDAY_DATE).refine(isCustomHolidayDate) });

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
  complaintDeadlines: z
    .object({ A: workingSpan.optional().catch(undefined), B: workingSpan.optional().catch(undefined), C: workingSpan.optional().catch(undefined), D: workingSpan.optional().catch(undefined) })
    .catch({}),
  workingHours: z
    .object({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24), days: z.array(z.number().int().min(1).max(7)).min(1).max(7) })
    .refine((h) => h.start < h.end)
    .catch({ ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] }),
  winbackTriage: z
    .union([z.object({ tiers: z.array(tier).min(1).max(4) }), z.object({ topPerRep: z.number().int().min(1).max(MAX_TRIAGE_TOP) })])
    .catch({ tiers: [...DEFAULT_WINBACK_TRIAGE.tiers] }),
  holidays: z
    .object({
      builtIn: z.array(z.enum(BUILT_IN_HOLIDAY_KEYS as [string, ...string[]])).max(BUILT_IN_HOLIDAY_KEYS.length).nullable().catch(null),
      // One bad entry is dropped, the others kept.
      custom: z.array(z.unknown()).max(100).transform((entries) => entries.flatMap((e) => {
        const holiday = customHoliday.safeParse(e);
        return holiday.success ? [holiday.data] : [];
      })).catch([]),
    })
    .partial()
    .catch({}),
}).partial();

export interface ScheduleSettings {
  cadenceDays: Record<Tier, number>;
  digest: DigestTime;
  winbackDays: number;
  /** Cadence check-ins per rep per agenda; the rest wait for the next agendas. */
  checkInsPerDay: number;
  /** The hour of the night (team's zone) when every customer is rescored. */
  scoringHour: number;
  /** Check-in days of new customers, prospects and the won back, instead of their tier's. */
  stageCadenceDays: Record<CadenceStage, number>;
  complaintDeadlines: Record<Tier, WorkingSpan>;
  workingHours: WorkingHours;
  winbackTriage: WinbackTriage;
  holidays: HolidayCalendar;
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
  const deadlines = s.complaintDeadlines ?? {};
  const triage = s.winbackTriage ?? DEFAULT_WINBACK_TRIAGE;
  return {
    stageCadenceDays: { ...DEFAULT_STAGE_CADENCE_DAYS, ...stageCadences(raw) },
    complaintDeadlines: Object.fromEntries(TIERS.map((t) => [t, deadlines[t] ?? DEFAULT_COMPLAINT_DEADLINES[t]])) as Record<Tier, WorkingSpan>,
    workingHours: s.workingHours ?? DEFAULT_WORKING_HOURS,
    winbackTriage: 'topPerRep' in triage ? { topPerRep: triage.topPerRep } : { tiers: [...new Set(triage.tiers)].sort() },
    holidays: {
      builtIn: s.holidays?.builtIn ? [...new Set(s.holidays.builtIn)] as HolidayCalendar['builtIn'] : null,
      custom: s.holidays?.custom ?? [],
    },
    cadenceDays: { ...DEFAULT_CADENCE_DAYS, ...s.cadenceDays },
    digest: { ...DEFAULT_DIGEST_TIME, ...s.digest },
    winbackDays: s.winbackDays ?? DEFAULT_WINBACK_DAYS,
    checkInsPerDay: s.checkInsPerDay ?? DEFAULT_CHECK_INS_PER_DAY,
    scoringHour: s.scoringHour ?? DEFAULT_SCORING_HOUR,
  };
}

/** The stage cadences live beside the tiers' in `cadenceDays` (`{"A": 14, "new": 10}`); each falls back on its own. */
function stageCadences(raw: unknown): Partial<Record<CadenceStage, number>> {
  const cadence = raw !== null && typeof raw === 'object' ? (raw as { cadenceDays?: unknown }).cadenceDays : undefined;
  if (cadence === null || typeof cadence !== 'object') return {};
  const found: Partial<Record<CadenceStage, number>> = {};
  for (const stage of CADENCE_STAGES) {
    const parsed = days.safeParse((cadence as Record<string, unknown>)[stage]);
    if (parsed.success) found[stage] = parsed.data;
  }
  return found;
}
