import { z } from 'zod';
import { parseScoringSettings } from '../../domain/analytics/settings.js';
import { readStoredSettings } from '../../domain/stored-settings.js';
import {
  CADENCE_STAGES, formatWorkingSpan, MAX_CHECK_INS_PER_DAY, MAX_TRIAGE_TOP, parseScheduleSettings, parseWorkingSpan, scheduleSettingsFrom, type ScheduleSettings,
} from '../../domain/schedule/schedule-settings.js';
import {
  BUILT_IN_HOLIDAY_KEYS, builtInHolidays, holidaysBetween, isCustomHolidayDate, MAX_HOLIDAY_NAME, type BuiltInHoliday, type CustomHoliday,
} from '../../domain/schedule/holidays.js';
import { addDays, atLocalTime, localDateOf, safeZone } from '../../domain/schedule/local-time.js';
import { isTier, TIERS } from '../../domain/tier.js';
import { formatDate, LOCALES, translator } from '../../i18n/index.js';
import { isTimeZone } from '../../domain/time-zone.js';
import { isLocale } from '../../i18n/index.js';
import { CHAT_PLATFORMS } from '../../domain/platform.js';
import { choice } from '../option-schemas.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { TeamDirectory, TeamSettingsRow } from '../ports.js';
import { reply, type Reply } from '../reply.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** 周一…周日, 星期一…星期日/天, 礼拜一…: the day is the last character. */
const CHINESE_WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];
const SETTINGS = ['timezone', 'language', 'channel', 'cadence', 'checkins', 'digest', 'winback', 'triage', 'complaints', 'workhours', 'holiday', 'reorder', 'guild'] as const;
type Setting = (typeof SETTINGS)[number];
/** What a manager may change, for their own team only; everything else is an admin's. */
const MANAGER_SETTINGS: readonly Setting[] = ['reorder'];
/**
 * A reorder reminder earlier than half the customer's usual interval is noise; one later than the
 * team's at-risk factor never comes, since the customer is at risk by then and the win-back takes
 * over (docs/ANALYTICS.md "Reorder timing").
 */
const MIN_REORDER_FACTOR = 0.5;
/** `1.2`, `0.75`: a multiple of the typical interval, to two decimals. */
const reorderFactorSchema = z.string().regex(/^\d+(?:\.\d{1,2})?$/).transform(Number);

/** A weekday 1–7 (Monday–Sunday) from a number, an English name or abbreviation, or a Chinese name. */
function weekdayOf(text: string): number | null {
  if (/^[1-7]$/.test(text)) return Number(text);
  const english = WEEKDAYS.indexOf(text.slice(0, 3).toLowerCase());
  if (english >= 0 && /^[a-z]+$/i.test(text)) return english + 1;
  const chinese = /^(?:周|星期|礼拜)([一二三四五六日天])$/.exec(text);
  if (chinese) return CHINESE_WEEKDAYS.indexOf(chinese[1] === '天' ? '日' : chinese[1]!) + 1;
  return null;
}
const CHANNEL_ID = /^[A-Z0-9]{6,}$|^\d{17,20}$/;
const GUILD_ID = /^\d{17,20}$/;
const MAX_DAYS = 3650;

type Change = Parameters<TeamDirectory['update']>[1];
/**
 * A parsed setting: the change to write and the words that describe it (for the audit log, and
 * the confirmation unless `shown` says it better), or the i18n key of what is wrong.
 */
type Parsed =
  | { change: (team: TeamSettingsRow) => Change; describe: string; shown?: string }
  | { error: string; params?: Record<string, string> }
  /** A setting that only shows something (the holiday calendar). */
  | { show: 'holidays' };

function days(text: string | undefined): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= MAX_DAYS ? n : null;
}

/** Writes into Team.settings JSON without dropping the fields this command does not know. */
function withSettings(team: TeamSettingsRow, edit: (settings: Record<string, unknown>) => void): Change {
  // A broken stored value (not JSON, `null`, a list) is replaced: the scheduler has been using the defaults for it.
  const settings = readStoredSettings(team.settings).raw;
  edit(settings);
  return { settings: JSON.stringify(settings) };
}

function parseSetting(name: Exclude<Setting, 'guild'>, values: string[], team: TeamSettingsRow, t: CommandContext['t']): Parsed {
  const [a, b] = values;
  switch (name) {
    case 'timezone':
      if (!a || !isTimeZone(a)) return { error: 'rapport.settings.badZone', params: { zone: a ?? '' } };
      return { change: () => ({ timeZone: a }), describe: `timezone ${a}` };
    case 'language':
      if (!isLocale(a)) return { error: 'rapport.settings.badLanguage' };
      return { change: () => ({ locale: a }), describe: `language ${a}` };
    case 'channel': {
      const platform = a?.toLowerCase();
      if (platform !== 'slack' && platform !== 'discord') return { error: 'rapport.settings.badPlatform' };
      const id = b?.replace(/^<#([^>|]+)(?:\|[^>]*)?>$/, '$1');
      if (!id || !CHANNEL_ID.test(id)) return { error: 'rapport.settings.badChannel' };
      return { change: () => ({ channel: { platform, id } }), describe: `${platform} channel ${id}` };
    }
    case 'cadence': {
      // A tier's check-in interval, or a stage's own (new customers, prospects, the won back).
      const which = a && (CADENCE_STAGES as readonly string[]).includes(a.toLowerCase()) ? a.toLowerCase() : a?.toUpperCase();
      if (!which || !(['A', 'B', 'C', 'D', ...CADENCE_STAGES] as string[]).includes(which)) return { error: 'rapport.settings.badCadence' };
      const n = days(b);
      if (n === null) return { error: 'rapport.settings.badDays' };
      return {
        change: (team) => withSettings(team, (s) => (s.cadenceDays = { ...(s.cadenceDays as object | undefined), [which]: n })),
        describe: `cadence ${which} ${n}`,
      };
    }
    case 'triage': {
      if (a?.toLowerCase() === 'top') {
        const n = Number(b);
        if (!Number.isInteger(n) || n < 1 || n > MAX_TRIAGE_TOP) return { error: 'rapport.settings.badTriage', params: { max: String(MAX_TRIAGE_TOP) } };
        return { change: (team) => withSettings(team, (s) => (s.winbackTriage = { topPerRep: n })), describe: `triage top ${n}` };
      }
      const tiers = values.slice(a?.toLowerCase() === 'tiers' ? 1 : 0).flatMap((v) => [...v.toUpperCase().replace(/[^A-Z]/g, '')]);
      if (tiers.length === 0 || tiers.some((x) => !isTier(x))) return { error: 'rapport.settings.badTriage', params: { max: String(MAX_TRIAGE_TOP) } };
      const sorted = [...new Set(tiers)].sort();
      return { change: (team) => withSettings(team, (s) => (s.winbackTriage = { tiers: sorted })), describe: `triage tiers ${sorted.join(' ')}` };
    }
    case 'complaints': {
      const tier = a?.toUpperCase();
      if (!isTier(tier)) return { error: 'rapport.settings.badTier' };
      const span = parseWorkingSpan(b ?? '');
      if (!span) return { error: 'rapport.settings.badSpan' };
      return {
        change: (team) => withSettings(team, (s) => (s.complaintDeadlines = { ...(s.complaintDeadlines as object | undefined), [tier]: formatWorkingSpan(span) })),
        describe: `complaints ${tier} ${formatWorkingSpan(span)}`,
      };
    }
    case 'workhours': {
      const hours = /^(\d{1,2})-(\d{1,2})$/.exec(a ?? '');
      const start = Number(hours?.[1]);
      const end = Number(hours?.[2]);
      if (!hours || start > 23 || end > 24 || start >= end) return { error: 'rapport.settings.badWorkHours' };
      const range = b === undefined ? null : /^([^-]+)-([^-]+)$/.exec(b);
      const first = range ? weekdayOf(range[1]!) : 1;
      const last = range ? weekdayOf(range[2]!) : 5;
      if (b !== undefined && (first === null || last === null || first > last)) return { error: 'rapport.settings.badWorkHours' };
      const workDays = Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
      return {
        change: (team) => withSettings(team, (s) => (s.workingHours = { start, end, days: workDays })),
        describe: `workhours ${start}-${end} ${first}-${last}`,
      };
    }
    case 'holiday':
      return parseHoliday(values, t);
    case 'checkins': {
      const n = Number(a);
      if (!Number.isInteger(n) || n < 1 || n > MAX_CHECK_INS_PER_DAY) return { error: 'rapport.settings.badCheckIns', params: { max: String(MAX_CHECK_INS_PER_DAY) } };
      return { change: (team) => withSettings(team, (s) => (s.checkInsPerDay = n)), describe: `checkins ${n}` };
    }
    case 'digest': {
      const weekday = weekdayOf(a ?? '');
      if (weekday === null) return { error: 'rapport.settings.badWeekday' };
      const hour = Number(b);
      if (!Number.isInteger(hour) || hour < 0 || hour > 23 || b === undefined) return { error: 'rapport.settings.badHour' };
      return { change: (team) => withSettings(team, (s) => (s.digest = { weekday, hour })), describe: `digest ${weekday} ${hour}`, shown: t('rapport.settings.digestChanged', { weekday: t(`weekday.${weekday}`), hour: String(hour).padStart(2, '0') }) };
    }
    case 'winback': {
      const n = days(a);
      if (n === null) return { error: 'rapport.settings.badDays' };
      return { change: (team) => withSettings(team, (s) => (s.winbackDays = n)), describe: `winback ${n}` };
    }
    case 'reorder':
      return parseReorderFactor(a, values.length, team, t);
  }
}

/** `reorder <factor>`: when a regular customer is due to reorder, as a multiple of their typical interval (scoring settings). */
function parseReorderFactor(text: string | undefined, words: number, team: TeamSettingsRow, t: CommandContext['t']): Parsed {
  const max = parseScoringSettings(team.settings).atRiskFactor;
  const factor = reorderFactorSchema.safeParse(text ?? '');
  if (words !== 1 || !factor.success || factor.data < MIN_REORDER_FACTOR || factor.data > max) {
    return { error: 'rapport.settings.badReorder', params: { min: String(MIN_REORDER_FACTOR), max: String(max), example: max >= 1.2 ? '1.2' : '1' } };
  }
  const n = factor.data;
  return {
    change: (team) =>
      withSettings(team, (s) => {
        // The other scoring thresholds stay; a stored `scoring` that is no object (scored with the defaults) is replaced.
        const scoring = typeof s.scoring === 'object' && s.scoring !== null && !Array.isArray(s.scoring) ? s.scoring : {};
        s.scoring = { ...scoring, reorderFactor: n };
      }),
    describe: `reorder ${n}`,
    shown: t('rapport.settings.reorderChanged', { factor: String(n) }),
  };
}

/**
 * Admins read and change a team's settings: the team's time zone and language (the defaults
 * of its reps), its channels, and the scheduling settings the scheduler reads from
 * Team.settings (cadence days per tier, check-ins per agenda, digest weekday and hour, win-back days).
 * A manager reads their own team's and sets its reorder timing (the one scoring setting a team
 * tunes to its trade: when, against a customer's usual interval, the rep should call).
 */
export const rapportSettingsCommand = defineCommand({
  name: 'rapport settings',
  key: 'rapportSettings',
  requires: 'manager',
  options: [
    { name: 'setting', type: 'choice', choices: SETTINGS },
    { name: 'value', type: 'text', typed: 'rest', maxLength: 200 },
    { name: 'team', type: 'text', typed: 'flag', maxLength: 200 },
  ],
  args: z.object({
    setting: choice(SETTINGS, 'rapport.settings.unknownSetting').optional(),
    value: z.string().trim().max(200).optional(),
    team: z.string().trim().min(1).max(200).optional(),
  }),
  async run({ setting, value, team: teamQuery }, ctx) {
    const { t } = ctx;
    const admin = ctx.actor.role === 'admin';
    if (!admin && setting !== undefined && !MANAGER_SETTINGS.includes(setting)) return reply.error(t('rapport.settings.adminOnly', { setting }));
    const team = teamQuery ? await ctx.services.teams.find(teamQuery) : ctx.actor.teamId === null ? null : await ctx.services.teams.get(ctx.actor.teamId);
    if (!team) return reply.error(teamQuery ? t('rapport.settings.teamNotFound', { team: teamQuery }) : t('rapport.settings.noTeam'));
    if (!admin && team.id !== ctx.actor.teamId) return reply.error(t('rapport.settings.ownTeamOnly', { team: team.name }));
    if (setting === undefined) return show(team, ctx);
    const values = (value ?? '').split(/\s+/).filter(Boolean);
    if (setting === 'guild') return listGuild(team, values, ctx);
    const parsed = parseSetting(setting, values, team, t);
    if ('error' in parsed) return reply.error(t(parsed.error, parsed.params));
    if ('show' in parsed) return holidayList(team, ctx);
    await ctx.services.teams.update(team.id, parsed.change(team));
    return updated(team, parsed.describe, ctx, parsed.shown);
  },
});

/** Audits a change and shows the settings as they are now, headed by what changed. */
async function updated(team: TeamSettingsRow, describe: string, ctx: CommandContext, shownChange = describe): Promise<Reply> {
  await ctx.audit('team.settings', `team:${team.id}`, describe);
  const shown = await show((await ctx.services.teams.get(team.id))!, ctx);
  return { ...shown, blocks: [{ type: 'text', tone: 'success', text: ctx.t('rapport.settings.updated', { team: team.name, setting: shownChange }) }, ...shown.blocks] };
}

/**
 * `guild add|remove <id>`: the Discord servers the installation serves (App.servesWorkspace).
 * Listing the first one closes every other server; removing the last opens them all again.
 */
async function listGuild(team: TeamSettingsRow, [action, id]: string[], ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const verb = action?.toLowerCase();
  if ((verb !== 'add' && verb !== 'remove') || !id || !GUILD_ID.test(id)) return reply.error(t('rapport.settings.badGuild'));
  if (!(await ctx.services.teams.listWorkspace(team.id, 'discord', id, verb === 'add'))) {
    return reply.text(t('rapport.settings.guildUnchanged', { id, team: team.name, state: t(verb === 'add' ? 'rapport.settings.guildListed' : 'rapport.settings.guildNotListed') }));
  }
  return updated(team, `guild ${verb} ${id}`, ctx);
}

async function show(team: TeamSettingsRow, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const schedule = parseScheduleSettings(team.settings);
  const guilds = await ctx.services.teams.workspaces(team.id, 'discord');
  const notSet = t('rapport.settings.notSet');
  return reply.private({
    type: 'card',
    title: t('rapport.settings.title', { team: team.name }),
    sections: [{ fields: [
      { label: t('rapport.settings.timeZone'), value: team.timeZone },
      { label: t('rapport.settings.language'), value: t(`language.${team.locale}`, { defaultValue: team.locale }) },
      ...CHAT_PLATFORMS.map((platform) => ({ label: t('rapport.settings.channelOn', { platform: t(`platform.${platform}`) }), value: team.channels[platform] ?? notSet })),
      { label: t('rapport.settings.cadence'), value: t('rapport.settings.cadenceValue', schedule.cadenceDays) },
      { label: t('rapport.settings.checkIns'), value: t('rapport.settings.checkInsValue', { count: schedule.checkInsPerDay }) },
      {
        label: t('rapport.settings.digest'),
        value: t('rapport.settings.digestValue', { weekday: t(`weekday.${schedule.digest.weekday}`), hour: String(schedule.digest.hour).padStart(2, '0') }),
      },
      { label: t('rapport.settings.winback'), value: t('rapport.settings.days', { count: schedule.winbackDays }) },
      { label: t('rapport.settings.guilds'), value: guilds.length > 0 ? guilds.join(', ') : t('rapport.settings.guildsNone') },
      { label: t('rapport.settings.stageCadence'), value: t('rapport.settings.stageCadenceValue', { new: schedule.stageCadenceDays.new, prospect: schedule.stageCadenceDays.prospect, wonBack: schedule.stageCadenceDays['won-back'] }) },
      {
        label: t('rapport.settings.triage'),
        value: 'topPerRep' in schedule.winbackTriage
          ? t('rapport.settings.triageTop', { count: schedule.winbackTriage.topPerRep })
          : t('rapport.settings.triageTiers', { tiers: schedule.winbackTriage.tiers.join(', ') }),
      },
      { label: t('rapport.settings.complaints'), value: TIERS.map((tier) => `${tier} ${formatWorkingSpan(schedule.complaintDeadlines[tier])}`).join(' · ') },
      {
        label: t('rapport.settings.workHours'),
        value: t('rapport.settings.workHoursValue', {
          start: String(schedule.workingHours.start).padStart(2, '0'), end: String(schedule.workingHours.end).padStart(2, '0'),
          days: schedule.workingHours.days.map((d) => t(`weekday.${d}`)).join(', '),
        }),
      },
      { label: t('rapport.settings.holidays'), value: holidayNames(team, schedule, t).join(', ') || t('rapport.settings.notSet') },
      { label: t('rapport.settings.reorder'), value: t('rapport.settings.reorderValue', { factor: String(parseScoringSettings(team.settings).reorderFactor) }) },
    ] }],
  });
}

function holidayName(holiday: { builtIn: BuiltInHoliday | null; name: string | null }, t: CommandContext['t']): string {
  return holiday.builtIn ? t(`scheduler.holiday.names.${holiday.builtIn}`) : holiday.name!;
}

function holidayNames(team: TeamSettingsRow, schedule: ScheduleSettings, t: CommandContext['t']): string[] {
  return [
    ...builtInHolidays(schedule.holidays, team.locale).map((key) => holidayName({ builtIn: key, name: null }, t)),
    ...schedule.holidays.custom.map((h) => h.name),
  ];
}

/** The built-in holiday a name stands for, in either language or as its key. */
function builtInNamed(name: string): BuiltInHoliday | undefined {
  const folded = name.trim().toLowerCase();
  return BUILT_IN_HOLIDAY_KEYS.find(
    (key) => key === folded || LOCALES.some((locale) => translator(locale)(`scheduler.holiday.names.${key}`).toLowerCase() === folded),
  );
}

/**
 * `holiday add <date> <name>` (a date `MM-DD` every year or `YYYY-MM-DD` once), `holiday add
 * <built-in name>` (back on the calendar), `holiday remove <name>`, `holiday list`. The first
 * edit writes the language's defaults into the team's calendar, which from then on is its own.
 */
function parseHoliday(values: string[], t: CommandContext['t']): Parsed {
  const [action, ...rest] = values;
  const verb = action?.toLowerCase();
  if (verb === 'list' || verb === undefined) return { show: 'holidays' };
  const edit = (describe: string, apply: (calendar: { builtIn: BuiltInHoliday[]; custom: CustomHoliday[] }) => void): Parsed => ({
    change: (team) =>
      withSettings(team, (s) => {
        const current = scheduleSettingsFrom(s).holidays;
        const calendar = { builtIn: [...builtInHolidays(current, team.locale)], custom: [...current.custom] };
        apply(calendar);
        s.holidays = calendar;
      }),
    describe,
  });
  if (verb === 'remove') {
    const name = rest.join(' ');
    const key = builtInNamed(name);
    if (!name) return { error: 'rapport.settings.badHoliday' };
    return edit(`holiday remove ${name}`, (calendar) => {
      calendar.builtIn = calendar.builtIn.filter((k) => k !== key);
      calendar.custom = calendar.custom.filter((h) => h.name !== name);
    });
  }
  if (verb !== 'add') return { error: 'rapport.settings.badHoliday' };
  const restored = builtInNamed(rest.join(' '));
  if (restored) return edit(`holiday add ${restored}`, (calendar) => void (calendar.builtIn = [...new Set([...calendar.builtIn, restored])]));
  const [date, ...words] = rest;
  const name = words.join(' ').trim();
  if (!date || !isCustomHolidayDate(date) || name === '' || name.length > MAX_HOLIDAY_NAME) return { error: 'rapport.settings.badHoliday' };
  if (builtInNamed(name)) return { error: 'rapport.settings.holidayTaken', params: { name: holidayName({ builtIn: builtInNamed(name)!, name: null }, t) } };
  return edit(`holiday add ${date} ${name}`, (calendar) => {
    calendar.custom = [...calendar.custom.filter((h) => h.name !== name), { name, date }];
  });
}

/** The team's holidays of the coming year with their dates. */
function holidayList(team: TeamSettingsRow, ctx: CommandContext): Reply {
  const { t } = ctx;
  const schedule = parseScheduleSettings(team.settings);
  const today = localDateOf(ctx.clock.now(), safeZone(team.timeZone));
  const coming = holidaysBetween(schedule.holidays, team.locale, today, addDays(today, 365));
  return reply.private({
    type: 'list',
    title: t('rapport.settings.holidayTitle', { team: team.name }),
    numbered: false,
    items: coming.map((h) => ({
      primary: holidayName(h, t),
      secondary: formatDate(atLocalTime(h.date, 12, 'UTC'), ctx.locale, 'UTC'),
    })),
    footer: t(schedule.holidays.builtIn === null ? 'rapport.settings.holidayDefaults' : 'rapport.settings.holidayOwn'),
  });
}
