import crypto from 'node:crypto';
import type { InviteBook } from '../commands/ports.js';
import { INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, INVITE_VALID_HOURS, normalizeInviteCode } from '../domain/invite-code.js';
import type { Sqlite } from './database.js';
import { USER_ID_COLUMN } from './identity-directory.js';

/** Codes carry 50 random bits, so a plain SHA-256 is enough: there is nothing small to brute-force offline. */
function hashOf(code: string): string {
  return crypto.createHash('sha256').update(code).digest('hex');
}

function newCode(): string {
  return Array.from({ length: INVITE_CODE_LENGTH }, () => INVITE_CODE_ALPHABET[crypto.randomInt(INVITE_CODE_ALPHABET.length)]).join('');
}

export function createInviteBook(sqlite: Sqlite): InviteBook {
  const retire = sqlite.prepare('UPDATE InviteCode SET usedAt = ? WHERE repId = ? AND usedAt IS NULL');
  const insert = sqlite.prepare('INSERT INTO InviteCode (codeHash, repId, createdBy, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?)');
  const valid = sqlite.prepare('SELECT id, repId FROM InviteCode WHERE codeHash = ? AND usedAt IS NULL AND expiresAt > ?');
  const use = sqlite.prepare('UPDATE InviteCode SET usedAt = ?, usedPlatform = ?, usedUserId = ? WHERE id = ? AND usedAt IS NULL');
  const rep = sqlite.prepare('SELECT active, slackUserId, discordUserId FROM Rep WHERE id = ?');
  const failures = sqlite.prepare('SELECT COUNT(*) FROM ClaimAttempt WHERE platform = ? AND userId = ? AND at > ?').pluck();
  const failure = sqlite.prepare('INSERT INTO ClaimAttempt (platform, userId, at) VALUES (?, ?, ?)');
  const prune = sqlite.prepare('DELETE FROM ClaimAttempt WHERE at < ?');

  return {
    async issue(repId, createdBy, now) {
      const code = newCode();
      const expiresAt = new Date(now.getTime() + INVITE_VALID_HOURS * 3_600_000);
      const inviteId = sqlite.transaction(() => {
        // One live code per rep: a new invite (the old one got lost in chat) replaces it.
        retire.run(now.getTime(), repId);
        return Number(insert.run(hashOf(code), repId, createdBy, now.getTime(), expiresAt.getTime()).lastInsertRowid);
      })();
      return { code, inviteId, expiresAt };
    },

    async claim(code, { platform, userId }, now) {
      const normalized = normalizeInviteCode(code);
      if (!normalized) return { ok: false, reason: 'invalid' };
      const column = USER_ID_COLUMN[platform];
      return sqlite.transaction(() => {
        const invite = valid.get(hashOf(normalized), now.getTime()) as { id: number; repId: number } | undefined;
        if (!invite) return { ok: false, reason: 'invalid' } as const;
        const owner = rep.get(invite.repId) as { active: number; slackUserId: string | null; discordUserId: string | null } | undefined;
        if (!owner?.active) return { ok: false, reason: 'rep-inactive' } as const;
        if (owner[column] !== null && owner[column] !== userId) return { ok: false, reason: 'rep-linked' } as const;
        // The conditional update is what makes a code single-use when two people claim it at once.
        if (use.run(now.getTime(), platform, userId, invite.id).changes !== 1) return { ok: false, reason: 'invalid' } as const;
        // Column names come from USER_ID_COLUMN, never from user text.
        sqlite.prepare(`UPDATE Rep SET "${column}" = ?, lastPlatform = ? WHERE id = ?`).run(userId, platform, invite.repId);
        return { ok: true, repId: invite.repId, inviteId: invite.id } as const;
      })();
    },

    async failedClaims({ platform, userId }, since) {
      return failures.get(platform, userId, since.getTime()) as number;
    },

    async recordFailedClaim({ platform, userId }, at) {
      sqlite.transaction(() => {
        failure.run(platform, userId, at.getTime());
        // Only the last hour counts; older attempts are kept a day for anyone looking into abuse.
        prune.run(at.getTime() - 24 * 3_600_000);
      })();
    },
  };
}
