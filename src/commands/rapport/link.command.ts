import { z } from 'zod';
import { defineCommand } from '../command.js';
import type { ChatPlatform } from '../ports.js';
import { reply } from '../reply.js';

/** Slack user ids (U…, W… for Enterprise Grid) and Discord snowflakes; mentions (<@U…>, <@!123…>) are unwrapped. */
const USER_ID: Record<ChatPlatform, RegExp> = { slack: /^[UW][A-Z0-9]{2,}$/, discord: /^\d{17,20}$/ };

const linkArgs = z
  .object({ words: z.array(z.string()).length(3) })
  .transform(({ words }, issue) => {
    const platform = words[0]!.toLowerCase();
    if (platform !== 'slack' && platform !== 'discord') {
      issue.addIssue({ code: 'custom', message: 'rapport.link.badPlatform' });
      return z.NEVER;
    }
    const userId = words[1]!.replace(/^<@!?([^>|]+)(?:\|[^>]*)?>$/, '$1');
    return { platform: platform as ChatPlatform, userId, rep: words[2]! };
  });

/**
 * Admins link a chat user to a rep (imports may carry the ids too). A user id belongs to one
 * rep: linking it again moves it. The unknown-user reply tells people the exact line to ask for.
 */
export const rapportLinkCommand = defineCommand({
  name: 'rapport link',
  key: 'rapportLink',
  requires: 'admin',
  args: linkArgs,
  async run({ platform, userId, rep: repQuery }, ctx) {
    const { t } = ctx;
    if (!USER_ID[platform].test(userId)) return reply.error(t('rapport.link.badUserId', { userId, platform }));
    const rep = await ctx.services.identities.findRep(repQuery);
    if (!rep) return reply.error(t('rapport.link.repNotFound', { rep: repQuery }));
    const { previousRepId } = await ctx.services.identities.link(rep.id, platform, userId);
    await ctx.audit('rep.link', `rep:${rep.id}`, JSON.stringify({ platform, userId, previousRepId }));
    const previous = previousRepId === null ? null : await ctx.services.identities.rep(previousRepId);
    const lines = [t('rapport.link.done', { platform, userId, rep: `${rep.name} <${rep.email}>` })];
    if (previous) lines.push(t('rapport.link.moved', { previous: previous.name }));
    return reply.text(lines.join(' '), 'success');
  },
});
