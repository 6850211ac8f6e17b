import { z } from 'zod';
import { CHAT_PLATFORMS, type ChatPlatform } from '../../domain/platform.js';
import { defineCommand } from '../command.js';
import { choice, repRef } from '../option-schemas.js';
import { reply } from '../reply.js';

/** Slack user ids (U…, W… for Enterprise Grid) and Discord snowflakes; mentions (<@U…>, <@!123…>) are unwrapped. */
const USER_ID: Record<ChatPlatform, RegExp> = { slack: /^[UW][A-Z0-9]{2,}$/, discord: /^\d{17,20}$/ };

/**
 * Admins link a chat user to a rep (imports may carry the ids too). A user id belongs to one
 * rep: linking it again moves it. The unknown-user reply tells people the exact line to ask for.
 */
export const rapportLinkCommand = defineCommand({
  name: 'rapport link',
  key: 'rapportLink',
  requires: 'admin',
  options: [
    { name: 'platform', type: 'choice', choices: CHAT_PLATFORMS, required: true },
    { name: 'user', type: 'text', required: true, maxLength: 64 },
    { name: 'rep', type: 'rep', required: true },
  ],
  args: z.object({
    platform: choice(CHAT_PLATFORMS, 'rapport.link.badPlatform'),
    user: z
      .string('rapport.link.missingUser')
      .trim()
      .min(1, 'rapport.link.missingUser')
      .max(64, 'rapport.link.missingUser')
      .transform((user) => user.replace(/^<@!?([^>|]+)(?:\|[^>]*)?>$/, '$1')),
    rep: repRef('rapport.link.missingRep'),
  }),
  async run({ platform, user: userId, rep: repQuery }, ctx) {
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
