import { z } from 'zod';
import { defineCommand } from '../command.js';
import { repRef } from '../option-schemas.js';
import { reply } from '../reply.js';

/**
 * Console only: switch who the console speaks as, to try permissions locally. On chat
 * platforms the platform says who a user is, so the command is not offered there.
 */
export const rapportAsCommand = defineCommand({
  name: 'rapport as',
  key: 'rapportAs',
  requires: 'rep',
  platforms: ['console'],
  options: [{ name: 'rep', type: 'rep', required: true, typed: 'rest' }],
  args: z.object({ rep: repRef('rapport.as.missingRep') }),
  async run({ rep: query }, ctx) {
    const { t } = ctx;
    if (!ctx.session) return reply.error(t('rapport.as.consoleOnly'));
    const rep = await ctx.services.identities.findRep(query);
    if (!rep) return reply.error(t('rapport.as.repNotFound', { rep: query }));
    await ctx.audit('console.as', `rep:${rep.id}`);
    ctx.session.switchUser(rep.email);
    return reply.text(t('rapport.as.done', { name: rep.name, role: t(`role.${rep.role}`) }), 'success');
  },
});
