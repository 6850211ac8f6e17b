import { hasRole, type Actor, type Role } from '../domain/actor.js';
import { isChatPlatform, type Addresses, type ChatPlatform, type Platform } from '../domain/platform.js';
import type { IdentityDirectory, RepSummary } from '../commands/ports.js';
import type { Sqlite } from './sqlite.js';

/** A Rep row with its team's name and defaults, as every query here reads it. */
export interface RepRow {
  id: number;
  name: string;
  email: string;
  role: string;
  teamId: number | null;
  teamName: string | null;
  locale: string | null;
  timeZone: string | null;
  teamLocale: string | null;
  teamTimeZone: string | null;
  slackUserId: string | null;
  discordUserId: string | null;
  preferredPlatform: string | null;
  lastPlatform: string | null;
}

const SELECT_REP = `SELECT r.id, r.name, r.email, r.role, r.teamId, t.name AS teamName, r.locale, r.timeZone,
    t.locale AS teamLocale, t.timeZone AS teamTimeZone, r.slackUserId, r.discordUserId, r.preferredPlatform, r.lastPlatform
  FROM Rep r LEFT JOIN Team t ON t.id = r.teamId`;

/** Chat user id columns; the names come from this map, never from user text. */
export const USER_ID_COLUMN: Record<ChatPlatform, 'slackUserId' | 'discordUserId'> = { slack: 'slackUserId', discord: 'discordUserId' };

/**
 * Who is asking, on prepared statements: every message resolves its sender here, and the
 * first Prisma query of a process costs ~0.3 s (its query compiler loads), so the bot's hot
 * path stays on raw SQL like the other directories.
 */
export function createIdentityDirectory(sqlite: Sqlite): IdentityDirectory {
  const active = (where: string) => sqlite.prepare(`${SELECT_REP} WHERE ${where} AND r.active = 1 LIMIT 2`);
  const byId = active('r.id = ?');
  const byEmail = active('r.email = ?');
  const byName = active('r.name = ?');
  // "zhang.wei" finds zhang.wei@…: the email's local part, compared exactly (no LIKE wildcards).
  const byEmailName = active('substr(r.email, 1, ?) = ?');
  const byUserId = { slack: active('r.slackUserId = ?'), discord: active('r.discordUserId = ?') };
  const one = (rows: unknown[]): RepRow | null => (rows.length === 1 ? (rows[0] as RepRow) : null);
  const lastPlatform = sqlite.prepare('UPDATE Rep SET lastPlatform = ? WHERE id = ?');
  const assignable = {
    all: sqlite.prepare(`${SELECT_REP} WHERE r.active = 1 ORDER BY r.name, r.id LIMIT ?`),
    team: sqlite.prepare(`${SELECT_REP} WHERE r.active = 1 AND r.teamId = ? ORDER BY r.name, r.id LIMIT ?`),
  };

  return {
    async resolve(platform: Platform, userId: string) {
      const id = userId.trim();
      if (id === '') return null;
      const rows =
        platform === 'console' ? (/^\d+$/.test(id) ? byId.all(Number(id)) : byEmail.all(id.toLowerCase())) : byUserId[platform].all(id);
      const rep = one(rows);
      if (!rep) return null;
      // Nudges follow a rep to the platform they last used (unless they chose one): remember it when it changes.
      if (platform !== 'console' && rep.lastPlatform !== platform) lastPlatform.run(platform, rep.id);
      return toActor(rep);
    },

    async resolveRep(repId) {
      const rep = one(byId.all(repId));
      return rep ? toActor(rep) : null;
    },

    async findRep(query) {
      const q = query.trim().replace(/^@/, '').replace(/^<@!?([^>|]+)(?:\|[^>]*)?>$/, '$1');
      if (q === '') return null;
      const lower = q.toLowerCase();
      const lookups = [
        () => byEmail.all(lower),
        () => byName.all(q),
        () => byEmailName.all(lower.length + 1, `${lower}@`),
        () => byUserId.slack.all(q),
        () => byUserId.discord.all(q),
      ];
      if (/^\d{1,15}$/.test(q)) lookups.unshift(() => byId.all(Number(q)));
      for (const lookup of lookups) {
        // An email name shared by two reps (a@x, a@y) is ambiguous: take nothing rather than guess.
        const rep = one(lookup());
        if (rep) return toRepSummary(rep);
      }
      return null;
    },

    async rep(repId) {
      const rep = one(byId.all(repId));
      return rep ? toRepSummary(rep) : null;
    },

    async link(repId, platform, userId) {
      const column = USER_ID_COLUMN[platform];
      return sqlite.transaction(() => {
        const now = Date.now();
        const previous = sqlite.prepare(`SELECT id FROM Rep WHERE ${column} = ?`).pluck().get(userId) as number | undefined;
        const moved = previous !== undefined && previous !== repId;
        if (moved) sqlite.prepare(`UPDATE Rep SET ${column} = NULL, updatedAt = ? WHERE id = ?`).run(now, previous);
        sqlite.prepare(`UPDATE Rep SET ${column} = ?, updatedAt = ? WHERE id = ?`).run(userId, now, repId);
        return { previousRepId: moved ? previous : null };
      })();
    },

    async setPreferences(repId, preferences) {
      const changes = (['locale', 'timeZone', 'preferredPlatform'] as const).filter((column) => preferences[column] !== undefined);
      if (changes.length === 0) return;
      sqlite
        .prepare(`UPDATE Rep SET ${changes.map((column) => `${column} = ?`).join(', ')}, updatedAt = ? WHERE id = ?`)
        .run(...changes.map((column) => preferences[column] ?? null), Date.now(), repId);
    },

    async assignableReps(actor, limit) {
      if (!hasRole(actor, 'manager')) {
        const self = one(byId.all(actor.repId));
        return self ? [toRepSummary(self)] : [];
      }
      const rows = actor.role === 'admin' || actor.teamId === null ? assignable.all.all(limit) : assignable.team.all(actor.teamId, limit);
      return (rows as RepRow[]).map(toRepSummary);
    },
  };
}

/** A rep's own language and time zone win; otherwise their team's. */
export function toActor(rep: Pick<RepRow, 'id' | 'name' | 'email' | 'role' | 'teamId' | 'locale' | 'timeZone' | 'teamLocale' | 'teamTimeZone'>): Actor {
  return {
    repId: rep.id,
    name: rep.name,
    email: rep.email,
    role: rep.role as Role,
    teamId: rep.teamId,
    locale: rep.locale ?? rep.teamLocale,
    timeZone: rep.timeZone ?? rep.teamTimeZone,
  };
}

export function addressesOf(rep: { slackUserId: string | null; discordUserId: string | null }): Addresses {
  return { ...(rep.slackUserId ? { slack: rep.slackUserId } : {}), ...(rep.discordUserId ? { discord: rep.discordUserId } : {}) };
}

function toRepSummary(rep: RepRow): RepSummary {
  return {
    id: rep.id,
    name: rep.name,
    email: rep.email,
    role: rep.role as Role,
    teamId: rep.teamId,
    teamName: rep.teamName,
    locale: rep.locale,
    timeZone: rep.timeZone,
    addresses: addressesOf(rep),
    preferredPlatform: rep.preferredPlatform && isChatPlatform(rep.preferredPlatform) ? rep.preferredPlatform : null,
  };
}
