import crypto from 'node:crypto';
import type { InviteBook, InviteClaim } from '../commands/ports.js';
import { INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, INVITE_VALID_HOURS, normalizeInviteCode } from '../domain/invite-code.js';
import { USER_ID_COLUMN, userIdOf } from './identity-directory.js';
import { writeTransaction, type StoreHandle } from './stores/store.js';

/** Codes carry 50 random bits, so a plain SHA-256 is enough: there is nothing small to brute-force offline. */
function hashOf(code: string): string {
  return crypto.createHash('sha256').update(code).digest('hex');
}

function newCode(): string {
  return Array.from({ length: INVITE_CODE_LENGTH }, () => INVITE_CODE_ALPHABET[crypto.randomInt(INVITE_CODE_ALPHABET.length)]).join('');
}

/** Invite codes and the claims on them, on Kysely (either engine). */
export function createInviteBook(db: StoreHandle): InviteBook {
  const { kysely } = db;
  return {
    async issue(repId, createdBy, now) {
      const code = newCode();
      const expiresAt = new Date(now.getTime() + INVITE_VALID_HOURS * 3_600_000);
      const inviteId = await writeTransaction(db, async (trx) => {
        // One live code per rep: a new invite (the old one got lost in chat) replaces it.
        await trx.updateTable('InviteCode').set({ usedAt: now.getTime() }).where('repId', '=', repId).where('usedAt', 'is', null).execute();
        const { id } = await trx
          .insertInto('InviteCode')
          .values({ codeHash: hashOf(code), repId, createdBy, createdAt: now.getTime(), expiresAt: expiresAt.getTime() })
          .returning('id')
          .executeTakeFirstOrThrow();
        return id;
      });
      return { code, inviteId, expiresAt };
    },

    async claim(code, { platform, userId }, now) {
      const normalized = normalizeInviteCode(code);
      if (!normalized) return { ok: false, reason: 'invalid' };
      const column = USER_ID_COLUMN[platform];
      return writeTransaction(db, async (trx): Promise<InviteClaim> => {
        const invite = await trx
          .selectFrom('InviteCode')
          .select(['id', 'repId'])
          .where('codeHash', '=', hashOf(normalized))
          .where('usedAt', 'is', null)
          .where('expiresAt', '>', now.getTime())
          .executeTakeFirst();
        if (!invite) return { ok: false, reason: 'invalid' };
        const owner = await trx.selectFrom('Rep').select(['active', 'slackUserId', 'discordUserId']).where('id', '=', invite.repId).executeTakeFirst();
        if (!owner?.active) return { ok: false, reason: 'rep-inactive' };
        if (owner[column] !== null && owner[column] !== userId) return { ok: false, reason: 'rep-linked' };
        // The conditional update is what makes a code single-use when two people claim it at once.
        const used = await trx
          .updateTable('InviteCode')
          .set({ usedAt: now.getTime(), usedPlatform: platform, usedUserId: userId })
          .where('id', '=', invite.id)
          .where('usedAt', 'is', null)
          .executeTakeFirst();
        if (used.numUpdatedRows !== 1n) return { ok: false, reason: 'invalid' };
        await trx.updateTable('Rep').set({ ...userIdOf(platform, userId), lastPlatform: platform }).where('id', '=', invite.repId).execute();
        return { ok: true, repId: invite.repId, inviteId: invite.id };
      });
    },

    async failedClaims({ platform, userId }, since) {
      const row = await kysely
        .selectFrom('ClaimAttempt')
        .select((eb) => eb.fn.countAll<number>().as('attempts'))
        .where('platform', '=', platform)
        .where('userId', '=', userId)
        .where('at', '>', since.getTime())
        .executeTakeFirstOrThrow();
      return Number(row.attempts);
    },

    async recordFailedClaim({ platform, userId }, at) {
      await writeTransaction(db, async (trx) => {
        await trx.insertInto('ClaimAttempt').values({ platform, userId, at: at.getTime() }).execute();
        // Only the last hour counts; older attempts are kept a day for anyone looking into abuse.
        await trx.deleteFrom('ClaimAttempt').where('at', '<', at.getTime() - 24 * 3_600_000).execute();
      });
    },
  };
}
