import type { Actor, Role } from '../domain/actor.js';
import type { IdentityDirectory, Platform, RepSummary } from '../commands/ports.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

const repWithTeam = { team: true } as const;
type RepWithTeam = Prisma.RepGetPayload<{ include: typeof repWithTeam }>;

export function createIdentityDirectory(prisma: PrismaClient): IdentityDirectory {
  const findActive = (where: Prisma.RepWhereInput) => prisma.rep.findFirst({ where: { ...where, active: true }, include: repWithTeam });

  return {
    async resolve(platform: Platform, userId: string) {
      const id = userId.trim();
      if (id === '') return null;
      const where: Prisma.RepWhereInput =
        platform === 'slack'
          ? { slackUserId: id }
          : platform === 'discord'
            ? { discordUserId: id }
            : /^\d+$/.test(id)
              ? { id: Number(id) }
              : { email: id.toLowerCase() };
      const rep = await findActive(where);
      return rep ? toActor(rep) : null;
    },

    async findRep(query) {
      const q = query.trim().replace(/^@/, '');
      if (q === '') return null;
      const lower = q.toLowerCase();
      const keys: Prisma.RepWhereInput[] = [{ email: lower }, { name: q }, { email: { startsWith: `${lower}@` } }];
      if (/^\d+$/.test(q)) keys.unshift({ id: Number(q) });
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
      const column = platform === 'slack' ? 'slackUserId' : 'discordUserId';
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
    slackUserId: rep.slackUserId,
    discordUserId: rep.discordUserId,
  };
}
