import { z } from 'zod';
import { isTimeZone } from '../../domain/time-zone.js';
import { isLocale } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { reply } from '../reply.js';

/** "team" clears the rep's own value, so the team default applies again. */
const TEAM = 'team';

const prefsArgs = z
  .object({ words: z.array(z.string()) })
  .transform(({ words }, issue) => {
    const change: { locale?: string | null; timeZone?: string | null } = {};
    for (let i = 0; i < words.length; i += 2) {
      const [name, value] = [words[i]!.toLowerCase(), words[i + 1]];
      if (name === 'language' && value && (value === TEAM || isLocale(value))) change.locale = value === TEAM ? null : value;
      else if (name === 'timezone' && value && (value === TEAM || isTimeZone(value))) change.timeZone = value === TEAM ? null : value;
      else {
        issue.addIssue({ code: 'custom', message: name === 'timezone' ? 'rapport.prefs.badZone' : 'rapport.prefs.badLanguage' });
        return z.NEVER;
      }
    }
    if (Object.keys(change).length === 0) {
      issue.addIssue({ code: 'custom', message: 'rapport.prefs.nothing' });
      return z.NEVER;
    }
    return change;
  });

export const rapportPrefsCommand = defineCommand({
  name: 'rapport prefs',
  key: 'rapportPrefs',
  requires: 'rep',
  args: prefsArgs,
  async run(change, ctx) {
    await ctx.services.identities.setPreferences(ctx.actor.repId, change);
    await ctx.audit('rep.prefs', `rep:${ctx.actor.repId}`, JSON.stringify(change));
    const actor = await ctx.services.identities.resolve('console', String(ctx.actor.repId));
    const { t } = ctx;
    return reply.text(
      t('rapport.prefs.saved', { language: actor?.locale ?? t('common.none'), timeZone: actor?.timeZone ?? t('common.none') }),
      'success',
    );
  },
});
