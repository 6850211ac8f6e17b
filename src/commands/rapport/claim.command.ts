import { z } from 'zod';
import { CHAT_PLATFORMS, isChatPlatform } from '../../domain/platform.js';
import { CLAIM_FAILURES_PER_HOUR } from '../../domain/invite-code.js';
import { defineCommand, type GuestContext } from '../command.js';
import { reply, type Reply } from '../reply.js';

const HOUR_MS = 3_600_000;

/**
 * `/rapport claim <code>`: a chat user links themselves to the rep an admin invited
 * (`/rapport invite`), once, audited. Runs for users nobody has linked yet. Wrong codes count
 * against the user: after `CLAIM_FAILURES_PER_HOUR` in an hour, claims wait.
 */
export const rapportClaimCommand = defineCommand({
  name: 'rapport claim',
  key: 'rapportClaim',
  requires: 'rep',
  guest: true,
  platforms: CHAT_PLATFORMS,
  // `rest`: a code read out may be typed with spaces (ABCDE FGHJK).
  options: [{ name: 'code', type: 'text', required: true, typed: 'rest', maxLength: 40 }],
  args: z.object({ code: z.string('rapport.claim.missingCode').trim().min(1, 'rapport.claim.missingCode').max(40, 'rapport.claim.invalid') }),
  async run({ code }, ctx: GuestContext): Promise<Reply> {
    const { t, platform, userId } = ctx;
    if (ctx.actor) return reply.text(t('rapport.claim.already', { name: ctx.actor.name, email: ctx.actor.email }));
    if (!isChatPlatform(platform)) return reply.error(t('common.notOnPlatform', { command: '/rapport claim', platform: t(`platform.${platform}`) }));
    const claimer = { platform, userId };
    const now = ctx.clock.now();
    const invites = ctx.services.invites;
    if ((await invites.failedClaims(claimer, new Date(now.getTime() - HOUR_MS))) >= CLAIM_FAILURES_PER_HOUR) {
      return reply.error(t('rapport.claim.tooMany', { count: CLAIM_FAILURES_PER_HOUR }));
    }
    const claimed = await invites.claim(code, claimer, now);
    if (!claimed.ok) {
      if (claimed.reason === 'invalid') await invites.recordFailedClaim(claimer, now);
      const key = { invalid: 'rapport.claim.invalid', 'rep-linked': 'rapport.claim.repLinked', 'rep-inactive': 'rapport.claim.repInactive' }[claimed.reason];
      // `platform` as typed in commands (`/rapport link discord …`).
      return reply.error(t(key, { platform, userId }));
    }
    await ctx.services.audit.record({
      at: now,
      repId: claimed.repId,
      action: 'rep.claim',
      target: `rep:${claimed.repId}`,
      detail: JSON.stringify({ platform, userId, invite: claimed.inviteId }),
    });
    const rep = await ctx.services.identities.rep(claimed.repId);
    return reply.text(t('rapport.claim.done', { name: rep?.name ?? '', email: rep?.email ?? '', platform: t(`platform.${platform}`) }), 'success');
  },
});
