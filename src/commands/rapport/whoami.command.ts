import { z } from 'zod';
import { CHAT_PLATFORMS } from '../../domain/platform.js';
import { defineCommand } from '../command.js';
import { reply } from '../reply.js';

export const rapportWhoamiCommand = defineCommand({
  name: 'rapport whoami',
  key: 'rapportWhoami',
  requires: 'rep',
  options: [],
  args: z.object({}),
  async run(_, ctx) {
    const { t, actor } = ctx;
    const rep = await ctx.services.identities.rep(actor.repId);
    const ownOrTeam = (own: string | null | undefined, effective: string) => (own ? effective : t('rapport.whoami.teamDefault', { value: effective }));
    return reply.private({
      type: 'card',
      title: t('rapport.whoami.title', { name: actor.name }),
      sections: [
        {
          fields: [
            { label: t('rapport.whoami.email'), value: actor.email },
            { label: t('rapport.whoami.role'), value: t(`role.${actor.role}`) },
            { label: t('rapport.whoami.team'), value: rep?.teamName ?? t('rapport.whoami.noTeam') },
            { label: t('rapport.whoami.language'), value: ownOrTeam(rep?.locale, t(`language.${ctx.locale}`)) },
            { label: t('rapport.whoami.timeZone'), value: ownOrTeam(rep?.timeZone, ctx.timeZone) },
            ...CHAT_PLATFORMS.map((platform) => ({ label: t(`platform.${platform}`), value: rep?.addresses[platform] ?? t('rapport.whoami.notLinked') })),
            { label: t('rapport.whoami.nudgesOn'), value: rep?.preferredPlatform ? t(`platform.${rep.preferredPlatform}`) : t('rapport.whoami.lastUsed') },
          ],
        },
      ],
    });
  },
});
