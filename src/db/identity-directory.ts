import type { Actor, Role } from '../domain/actor.js';
import type { IdentityDirectory, Platform } from '../commands/ports.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Prisma } from '../generated/prisma/client.js';

const repWithTeam = { team: true } as const;
type RepWithTeam = Prisma.RepGetPayload<{ include: typeof repWithTeam }>;

export function createIdentityDirectory(prisma: PrismaClient): IdentityDirectory {
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
      const rep = await prisma.rep.findFirst({ where: { ...where, active: true }, include: repWithTeam });
      return rep ? toActor(rep) : null;
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
