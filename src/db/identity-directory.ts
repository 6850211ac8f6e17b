import type { Kysely } from 'kysely';
import { hasRole, type Actor, type Role } from '../domain/actor.js';
import { isChatPlatform, type Addresses, type ChatPlatform, type Platform } from '../domain/platform.js';
import type { IdentityDirectory, RepSummary } from '../commands/ports.js';
import { isRowId, isStorableText } from './lookup-keys.js';
import type { Schema } from './schema.js';
import { compiledQuery } from './stores/compiled-queries.js';
import { writeTransaction, type StoreHandle } from './stores/store.js';

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

/** Chat user id columns; the names come from this map, never from user text. */
export const USER_ID_COLUMN: Record<ChatPlatform, 'slackUserId' | 'discordUserId'> = { slack: 'slackUserId', discord: 'discordUserId' };

/** The Rep change that sets a platform's user id column (typed, where a computed key would not be). */
export function userIdOf(platform: ChatPlatform, userId: string | null): { slackUserId: string | null } | { discordUserId: string | null } {
  return platform === 'slack' ? { slackUserId: userId } : { discordUserId: userId };
}

/** Active reps with their team's name and defaults; at most two, enough to tell one from ambiguous. */
function activeReps(kysely: Kysely<Schema>) {
  return kysely
    .selectFrom('Rep as r')
    .leftJoin('Team as t', 't.id', 'r.teamId')
    .select([
      'r.id', 'r.name', 'r.email', 'r.role', 'r.teamId', 't.name as teamName', 'r.locale', 'r.timeZone', 't.locale as teamLocale',
      't.timeZone as teamTimeZone', 'r.slackUserId', 'r.discordUserId', 'r.preferredPlatform', 'r.lastPlatform',
    ])
    .where('r.active', '=', true);
}

/**
 * Who is asking, on Kysely (either engine): every message resolves its sender here, one indexed
 * point lookup (the first Prisma query of a process would cost ~0.3 s, so never Prisma here).
 */
export function createIdentityDirectory(db: StoreHandle): IdentityDirectory {
  const { kysely } = db;
  const lookup = <V extends string | number>(column: 'r.id' | 'r.email' | 'r.name' | 'r.slackUserId' | 'r.discordUserId') => {
    const run = compiledQuery(kysely, (value: V) => activeReps(kysely).where(column, '=', value).limit(2));
    return async (value: V) => ((typeof value === 'number' ? isRowId(value) : isStorableText(value)) ? run(value) : []);
  };
  const byId = lookup<number>('r.id');
  const byEmail = lookup<string>('r.email');
  const byName = lookup<string>('r.name');
  const byUserIdOn = { slack: lookup<string>('r.slackUserId'), discord: lookup<string>('r.discordUserId') };
  const byUserId = (platform: ChatPlatform, userId: string) => byUserIdOn[platform](userId);
  // "zhang.wei" finds zhang.wei@…: the email's local part, compared exactly (no LIKE wildcards).
  const byEmailName = async (name: string) =>
    isStorableText(name)
      ? activeReps(kysely)
          .where((eb) => eb(eb.fn<string>('substr', ['r.email', eb.val(1), eb.val(name.length + 1)]), '=', `${name}@`))
          .limit(2)
          .execute()
      : [];
  const one = (rows: RepRow[]): RepRow | null => (rows.length === 1 ? rows[0]! : null);

  return {
    async resolve(platform: Platform, userId: string) {
      const id = userId.trim();
      if (id === '') return null;
      const rows = platform === 'console' ? await (/^\d+$/.test(id) ? byId(Number(id)) : byEmail(id.toLowerCase())) : await byUserId(platform, id);
      const rep = one(rows);
      if (!rep) return null;
      // Nudges follow a rep to the platform they last used (unless they chose one): remember it when it changes.
      if (platform !== 'console' && rep.lastPlatform !== platform) {
        await kysely.updateTable('Rep').set({ lastPlatform: platform }).where('id', '=', rep.id).execute();
      }
      return toActor(rep);
    },

    async resolveRep(repId) {
      const rep = one(await byId(repId));
      return rep ? toActor(rep) : null;
    },

    async findRep(query) {
      const q = query.trim().replace(/^@/, '').replace(/^<@!?([^>|]+)(?:\|[^>]*)?>$/, '$1');
      if (q === '') return null;
      const lower = q.toLowerCase();
      const lookups = [
        () => byEmail(lower),
        () => byName(q),
        () => byEmailName(lower),
        () => byUserId('slack', q),
        () => byUserId('discord', q),
      ];
      if (/^\d{1,15}$/.test(q)) lookups.unshift(() => byId(Number(q)));
      for (const next of lookups) {
        // An email name shared by two reps (a@x, a@y) is ambiguous: take nothing rather than guess.
        const rep = one(await next());
        if (rep) return toRepSummary(rep);
      }
      return null;
    },

    async rep(repId) {
      const rep = one(await byId(repId));
      return rep ? toRepSummary(rep) : null;
    },

    async link(repId, platform, userId) {
      const column = USER_ID_COLUMN[platform];
      return writeTransaction(db, async (trx) => {
        const now = Date.now();
        const previous = await trx.selectFrom('Rep').select('id').where(column, '=', userId).executeTakeFirst();
        const moved = previous !== undefined && previous.id !== repId;
        if (moved) await trx.updateTable('Rep').set({ ...userIdOf(platform, null), updatedAt: now }).where('id', '=', previous.id).execute();
        await trx.updateTable('Rep').set({ ...userIdOf(platform, userId), updatedAt: now }).where('id', '=', repId).execute();
        return { previousRepId: moved ? previous.id : null };
      });
    },

    async setPreferences(repId, preferences) {
      const { locale, timeZone, preferredPlatform } = preferences;
      if (locale === undefined && timeZone === undefined && preferredPlatform === undefined) return;
      // Kysely leaves undefined values out of the SET: only what was given changes.
      await kysely.updateTable('Rep').set({ locale, timeZone, preferredPlatform, updatedAt: Date.now() }).where('id', '=', repId).execute();
    },

    async assignableReps(actor, limit) {
      if (!hasRole(actor, 'manager')) {
        const self = one(await byId(actor.repId));
        return self ? [toRepSummary(self)] : [];
      }
      const teamId = actor.role === 'admin' ? null : actor.teamId;
      const rows = await activeReps(kysely)
        .$if(teamId !== null, (query) => query.where('r.teamId', '=', teamId))
        .orderBy('r.name')
        .orderBy('r.id')
        .limit(limit)
        .execute();
      return rows.map(toRepSummary);
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
