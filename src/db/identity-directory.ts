import { hasRole, type Actor, type Role } from '../domain/actor.js';
import { isChatPlatform, type Addresses, type ChatPlatform, type Platform } from '../domain/platform.js';
import type { IdentityDirectory, RepSummary } from '../commands/ports.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

const repWithTeam = { team: true } as const;
type RepWithTeam = Prisma.RepGetPayload<{ include: typeof repWithTeam }>;

/** The Rep column that holds each platform's user id. */
export const USER_ID_COLUMN = { slack: 'slackUserId', discord: 'discordUserId' } as const satisfies Record<ChatPlatform, keyof RepWithTeam>;

export function createIdentityDirectory(prisma: PrismaClient): IdentityDirectory {
  const findActive = (where: Prisma.RepWhereInput) => prisma.rep.findFirst({ where: { ...where, active: true }, include: repWithTeam });

  return {
    async resolve(platform: Platform, userId: string) {
      const id = userId.trim();
      if (id === '') return null;
      const where: Prisma.RepWhereInput =
        platform !== 'console' ? { [USER_ID_COLUMN[platform]]: id } : /^\d+$/.test(id) ? { id: Number(id) } : { email: id.toLowerCase() };
      const rep = await findActive(where);
      if (!rep) return null;
      // Nudges follow a rep to the platform they last used (unless they chose one): remember it when it changes.
      if (platform !== 'console' && rep.lastPlatform !== platform) {
        await prisma.rep.update({ where: { id: rep.id }, data: { lastPlatform: platform } });
      }
      return toActor(rep);
    },

    async resolveRep(repId) {
      const rep = await findActive({ id: repId });
      return rep ? toActor(rep) : null;
    },

    async findRep(query) {
      const q = query.trim().replace(/^@/, '').replace(/^<@!?([^>|]+)(?:\|[^>]*)?>$/, '$1');
      if (q === '') return null;
      const lower = q.toLowerCase();
      const keys: Prisma.RepWhereInput[] = [{ email: lower }, { name: q }, { email: { startsWith: `${lower}@` } }, { slackUserId: q }, { discordUserId: q }];
      if (/^\d{1,15}$/.test(q)) keys.unshift({ id: Number(q) });
      for (const where of keys) {
        const matches = await prisma.rep.findMany({ where: { ...where, active: true }, include: repWithTeam, take: 2 });
        // An email name shared by two reps (a@x, a@y) is ambiguous: take nothing rather than guess.
        if (matches.length === 1) return toRepSummary(matches[0]!);
      }
      return null;
    },

    async rep(repId) {
      const rep = await findActive({ id: repId });
      return rep ? toRepSummary(rep) : null;
    },

    async link(repId, platform, userId) {
      const column = USER_ID_COLUMN[platform];
      return prisma.$transaction(async (tx) => {
        const previous = await tx.rep.findFirst({ where: { [column]: userId }, select: { id: true } });
        if (previous && previous.id !== repId) await tx.rep.update({ where: { id: previous.id }, data: { [column]: null } });
        await tx.rep.update({ where: { id: repId }, data: { [column]: userId } });
        return { previousRepId: previous && previous.id !== repId ? previous.id : null };
      });
    },

    async setPreferences(repId, preferences) {
      await prisma.rep.update({ where: { id: repId }, data: preferences });
    },

    async assignableReps(actor, limit) {
      if (!hasRole(actor, 'manager')) {
        const self = await findActive({ id: actor.repId });
        return self ? [toRepSummary(self)] : [];
      }
      const where: Prisma.RepWhereInput = actor.role === 'admin' || actor.teamId === null ? { active: true } : { active: true, teamId: actor.teamId };
      const reps = await prisma.rep.findMany({ where, include: repWithTeam, orderBy: [{ name: 'asc' }, { id: 'asc' }], take: limit });
      return reps.map(toRepSummary);
    },
  };
}

/** A rep's own language and time zone win; otherwise their team's. */
export function toActor(rep: RepWithTeam): Actor {
  return {
    repId: rep.id,
    name: rep.name,
    email: rep.email,
    role: rep.role as Role,
    teamId: rep.teamId,
    locale: rep.locale ?? rep.team?.locale ?? null,
    timeZone: rep.timeZone ?? rep.team?.timeZone ?? null,
  };
}

export function addressesOf(rep: { slackUserId: string | null; discordUserId: string | null }): Addresses {
  return { ...(rep.slackUserId ? { slack: rep.slackUserId } : {}), ...(rep.discordUserId ? { discord: rep.discordUserId } : {}) };
}

function toRepSummary(rep: RepWithTeam): RepSummary {
  return {
    id: rep.id,
    name: rep.name,
    email: rep.email,
    role: rep.role as Role,
    teamId: rep.teamId,
    teamName: rep.team?.name ?? null,
    locale: rep.locale,
    timeZone: rep.timeZone,
    addresses: addressesOf(rep),
    preferredPlatform: rep.preferredPlatform && isChatPlatform(rep.preferredPlatform) ? rep.preferredPlatform : null,
  };
}
