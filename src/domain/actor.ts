export const ROLES = ['rep', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The rep behind a chat user, as every command sees them. */
export interface Actor {
  repId: number;
  name: string;
  email: string;
  role: Role;
  teamId: number | null;
  locale: string | null;
  timeZone: string | null;
}

const RANK: Record<Role, number> = { rep: 0, manager: 1, admin: 2 };

export function hasRole(actor: Pick<Actor, 'role'>, required: Role): boolean {
  return RANK[actor.role] >= RANK[required];
}

/** Which customers an actor may see: a rep their own book, a manager their team's, an admin all. */
export type BookScope = { kind: 'all' } | { kind: 'team'; teamId: number } | { kind: 'owner'; repId: number };

export function bookScope(actor: Actor): BookScope {
  if (actor.role === 'admin') return { kind: 'all' };
  if (actor.role === 'manager' && actor.teamId !== null) return { kind: 'team', teamId: actor.teamId };
  return { kind: 'owner', repId: actor.repId };
}

/** Whether an actor may act on a rep's book: a rep their own, a manager their team's reps, an admin anyone's. */
export function mayManage(actor: Actor, rep: { id: number; teamId: number | null }): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role === 'manager') return actor.teamId !== null && rep.teamId === actor.teamId;
  return rep.id === actor.repId;
}
