import { z } from 'zod';
import { defineCommand } from '../command.js';
import { reply } from '../reply.js';

/**
 * Console only: switch who the console speaks as, to try permissions locally. On chat
 * platforms the platform says who a user is, so the command refuses there.
 */
export const rapportAsCommand = defineCommand({
  name: 'rapport as',
  key: 'rapportAs',
  requires: 'rep',
  args: z.object({ text: z.string().trim().min(1) }),
  async run({ text }, ctx) {
    const { t } = ctx;
    if (ctx.platform !== 'console') return reply.error(t('rapport.as.consoleOnly'));
    const rep = await ctx.services.identities.findRep(text);
    if (!rep) return reply.error(t('rapport.as.repNotFound', { rep: text }));
    await ctx.audit('console.as', `rep:${rep.id}`);
    return { ...reply.text(t('rapport.as.done', { name: rep.name, role: t(`role.${rep.role}`) }), 'success'), actAs: rep.email };
  },
});
