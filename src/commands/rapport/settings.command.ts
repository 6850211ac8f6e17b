import { z } from 'zod';
import { MAX_CHECK_INS_PER_DAY, parseScheduleSettings } from '../../domain/schedule/schedule-settings.js';
import { isTimeZone } from '../../domain/time-zone.js';
import { isLocale } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { TeamDirectory, TeamSettingsRow } from '../ports.js';
import { reply, type Reply } from '../reply.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CHANNEL_ID = /^[A-Z0-9]{6,}$|^\d{17,20}$/;
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

function parseSetting(name: string, values: string[]): Parsed {
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
      return { change: () => (platform === 'slack' ? { slackChannelId: id } : { discordChannelId: id }), describe: `${platform} channel ${id}` };
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
      const weekday = /^[1-7]$/.test(a ?? '') ? Number(a) : WEEKDAYS.indexOf((a ?? '').slice(0, 3).toLowerCase()) + 1;
      if (weekday < 1) return { error: 'rapport.settings.badWeekday' };
      const hour = Number(b);
      if (!Number.isInteger(hour) || hour < 0 || hour > 23 || b === undefined) return { error: 'rapport.settings.badHour' };
      return { change: (team) => withSettings(team, (s) => (s.digest = { weekday, hour })), describe: `digest ${weekday} ${hour}` };
    }
    case 'winback': {
      const n = days(a);
      if (n === null) return { error: 'rapport.settings.badDays' };
      return { change: (team) => withSettings(team, (s) => (s.winbackDays = n)), describe: `winback ${n}` };
    }
    default:
      return { error: 'rapport.settings.unknown', params: { setting: name } };
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
  args: z.object({ words: z.array(z.string()), flags: z.object({ team: z.string().optional() }) }),
  async run({ words, flags }, ctx) {
    const { t } = ctx;
    const team = flags.team ? await ctx.services.teams.find(flags.team) : ctx.actor.teamId === null ? null : await ctx.services.teams.get(ctx.actor.teamId);
    if (!team) return reply.error(flags.team ? t('rapport.settings.teamNotFound', { team: flags.team }) : t('rapport.settings.noTeam'));
    if (words.length === 0) return show(team, ctx);
    const parsed = parseSetting(words[0]!.toLowerCase(), words.slice(1));
    if ('error' in parsed) return reply.error(t(parsed.error, parsed.params));
    await ctx.services.teams.update(team.id, parsed.change(team));
    await ctx.audit('team.settings', `team:${team.id}`, parsed.describe);
    const updated = (await ctx.services.teams.get(team.id))!;
    const shown = show(updated, ctx);
    return { ...shown, blocks: [{ type: 'text', tone: 'success', text: t('rapport.settings.updated', { team: team.name, setting: parsed.describe }) }, ...shown.blocks] };
  },
});

function show(team: TeamSettingsRow, ctx: CommandContext): Reply {
  const { t } = ctx;
  const schedule = parseScheduleSettings(team.settings);
  const notSet = t('rapport.settings.notSet');
  return reply.private({
    type: 'card',
    title: t('rapport.settings.title', { team: team.name }),
    fields: [
      { label: t('rapport.settings.timeZone'), value: team.timeZone },
      { label: t('rapport.settings.language'), value: t(`language.${team.locale}`, { defaultValue: team.locale }) },
      { label: t('rapport.settings.slackChannel'), value: team.slackChannelId ?? notSet },
      { label: t('rapport.settings.discordChannel'), value: team.discordChannelId ?? notSet },
      { label: t('rapport.settings.cadence'), value: t('rapport.settings.cadenceValue', schedule.cadenceDays) },
      { label: t('rapport.settings.checkIns'), value: t('rapport.settings.checkInsValue', { count: schedule.checkInsPerDay }) },
      {
        label: t('rapport.settings.digest'),
        value: t('rapport.settings.digestValue', { weekday: t(`weekday.${schedule.digest.weekday}`), hour: String(schedule.digest.hour).padStart(2, '0') }),
      },
      { label: t('rapport.settings.winback'), value: t('rapport.settings.days', { count: schedule.winbackDays }) },
    ],
  });
}
