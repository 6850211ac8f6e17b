import { z } from 'zod';
import { MAX_CHECK_INS_PER_DAY, parseScheduleSettings } from '../../domain/schedule/schedule-settings.js';
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
const SETTINGS = ['timezone', 'language', 'channel', 'cadence', 'checkins', 'digest', 'winback', 'guild'] as const;

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
/** A parsed setting: the change to write and the words that describe it, or the i18n key of what is wrong. */
type Parsed = { change: (team: TeamSettingsRow) => Change; describe: string } | { error: string; params?: Record<string, string> };

function days(text: string | undefined): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= MAX_DAYS ? n : null;
}

/** Writes into Team.settings JSON without dropping the fields this command does not know. */
function withSettings(team: TeamSettingsRow, edit: (settings: Record<string, unknown>) => void): Change {
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(team.settings) as Record<string, unknown>;
  } catch {
    settings = {};
  }
  edit(settings);
  return { settings: JSON.stringify(settings) };
}

function parseSetting(name: Exclude<(typeof SETTINGS)[number], 'guild'>, values: string[]): Parsed {
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
      const tier = a?.toUpperCase();
      if (!tier || !['A', 'B', 'C', 'D'].includes(tier)) return { error: 'rapport.settings.badTier' };
      const n = days(b);
      if (n === null) return { error: 'rapport.settings.badDays' };
      return {
        change: (team) => withSettings(team, (s) => (s.cadenceDays = { ...(s.cadenceDays as object | undefined), [tier]: n })),
        describe: `cadence ${tier} ${n}`,
      };
    }
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
      return { change: (team) => withSettings(team, (s) => (s.digest = { weekday, hour })), describe: `digest ${weekday} ${hour}` };
    }
    case 'winback': {
      const n = days(a);
      if (n === null) return { error: 'rapport.settings.badDays' };
      return { change: (team) => withSettings(team, (s) => (s.winbackDays = n)), describe: `winback ${n}` };
    }
  }
}

/**
 * Admins read and change a team's settings: the team's time zone and language (the defaults
 * of its reps), its channels, and the scheduling settings the scheduler reads from
 * Team.settings (cadence days per tier, check-ins per agenda, digest weekday and hour, win-back days).
 */
export const rapportSettingsCommand = defineCommand({
  name: 'rapport settings',
  key: 'rapportSettings',
  requires: 'admin',
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
    const team = teamQuery ? await ctx.services.teams.find(teamQuery) : ctx.actor.teamId === null ? null : await ctx.services.teams.get(ctx.actor.teamId);
    if (!team) return reply.error(teamQuery ? t('rapport.settings.teamNotFound', { team: teamQuery }) : t('rapport.settings.noTeam'));
    if (setting === undefined) return show(team, ctx);
    const values = (value ?? '').split(/\s+/).filter(Boolean);
    if (setting === 'guild') return listGuild(team, values, ctx);
    const parsed = parseSetting(setting, values);
    if ('error' in parsed) return reply.error(t(parsed.error, parsed.params));
    await ctx.services.teams.update(team.id, parsed.change(team));
    return updated(team, parsed.describe, ctx);
  },
});

/** Audits a change and shows the settings as they are now, headed by what changed. */
async function updated(team: TeamSettingsRow, describe: string, ctx: CommandContext): Promise<Reply> {
  await ctx.audit('team.settings', `team:${team.id}`, describe);
  const shown = await show((await ctx.services.teams.get(team.id))!, ctx);
  return { ...shown, blocks: [{ type: 'text', tone: 'success', text: ctx.t('rapport.settings.updated', { team: team.name, setting: describe }) }, ...shown.blocks] };
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
    ] }],
  });
}
