import { z } from 'zod';
import { defineCommand } from '../command.js';
import { reply } from '../reply.js';

export const rapportWhoamiCommand = defineCommand({
  name: 'rapport whoami',
  key: 'rapportWhoami',
  requires: 'rep',
  args: z.object({ text: z.string() }),
  async run(_, ctx) {
    const { t, actor } = ctx;
    const rep = await ctx.services.identities.rep(actor.repId);
    const ownOrTeam = (own: string | null | undefined, effective: string) => (own ? effective : t('rapport.whoami.teamDefault', { value: effective }));
    return reply.private({
      type: 'card',
      title: t('rapport.whoami.title', { name: actor.name }),
      fields: [
        { label: t('rapport.whoami.email'), value: actor.email },
        { label: t('rapport.whoami.role'), value: t(`role.${actor.role}`) },
        { label: t('rapport.whoami.team'), value: rep?.teamName ?? t('rapport.whoami.noTeam') },
        { label: t('rapport.whoami.language'), value: ownOrTeam(rep?.locale, t(`language.${ctx.locale}`)) },
        { label: t('rapport.whoami.timeZone'), value: ownOrTeam(rep?.timeZone, ctx.timeZone) },
        { label: t('rapport.whoami.slack'), value: rep?.slackUserId ?? t('rapport.whoami.notLinked') },
        { label: t('rapport.whoami.discord'), value: rep?.discordUserId ?? t('rapport.whoami.notLinked') },
      ],
    });
  },
});
