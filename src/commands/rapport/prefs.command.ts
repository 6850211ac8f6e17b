import { z } from 'zod';
import { CHAT_PLATFORMS, type ChatPlatform } from '../../domain/platform.js';
import { isTimeZone } from '../../domain/time-zone.js';
import { isLocale, LOCALES, translator } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { choice } from '../option-schemas.js';
import type { RepPreferences } from '../ports.js';
import { reply } from '../reply.js';

/** "team" clears the rep's own value, so the team default applies again; "auto" sends nudges where the rep last talked to Rapport. */
const TEAM = 'team';
const AUTO = 'auto';

export const rapportPrefsCommand = defineCommand({
  name: 'rapport prefs',
  key: 'rapportPrefs',
  requires: 'rep',
  options: [
    { name: 'language', type: 'choice', choices: [...LOCALES, TEAM], typed: 'keyword' },
    { name: 'timezone', type: 'text', typed: 'keyword', maxLength: 64 },
    { name: 'platform', type: 'choice', choices: [...CHAT_PLATFORMS, AUTO], typed: 'keyword' },
  ],
  args: z
    .object({
      language: choice([...LOCALES, TEAM], 'rapport.prefs.badLanguage').optional(),
      timezone: z
        .string()
        .trim()
        .refine((zone) => zone.toLowerCase() === TEAM || isTimeZone(zone), 'rapport.prefs.badZone')
        .optional(),
      platform: choice([...CHAT_PLATFORMS, AUTO], 'rapport.prefs.badPlatform').optional(),
    })
    .refine((a) => a.language !== undefined || a.timezone !== undefined || a.platform !== undefined, 'rapport.prefs.nothing'),
  async run({ language, timezone, platform }, ctx) {
    const change: RepPreferences = {};
    if (language !== undefined) change.locale = language === TEAM ? null : language;
    if (timezone !== undefined) change.timeZone = timezone.toLowerCase() === TEAM ? null : timezone;
    if (platform !== undefined) change.preferredPlatform = platform === AUTO ? null : (platform as ChatPlatform);
    await ctx.services.identities.setPreferences(ctx.actor.repId, change);
    await ctx.audit('rep.prefs', `rep:${ctx.actor.repId}`, JSON.stringify(change));
    // The confirmation speaks the language just chosen.
    const actor = await ctx.services.identities.resolveRep(ctx.actor.repId);
    const t = translator(isLocale(actor?.locale) ? actor.locale : ctx.locale);
    return reply.text(
      t('rapport.prefs.saved', {
        language: actor?.locale ? t(`language.${actor.locale}`, { defaultValue: actor.locale }) : t('common.none'),
        timeZone: actor?.timeZone ?? t('common.none'),
      }),
      'success',
    );
  },
});
