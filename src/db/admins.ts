import type { StoreHandle } from './stores/store.js';
import { writeTransaction } from './stores/store.js';

export interface AdminSummary {
  id: number;
  email: string;
  name: string;
  active: boolean;
}

export type AddedAdmin =
  | {
      outcome: 'created' | 'promoted' | 'unchanged';
      admin: AdminSummary;
      /** What a promotion changed: the role, activity and name the rep had before. */
      before: { role?: string; inactive?: true; name?: string };
    }
  /** No rep has this email and no name was given: nothing changed. */
  | { outcome: 'needs-name' };

/** The one line that tells whoever runs Rapport how to get in when no admin exists. */
export const NO_ADMIN_HINT = 'There is no admin yet. Create one with: npm run admin -- add <email> --name "<name>"';

/** Every admin, active ones first, oldest first. */
export async function listAdmins({ kysely }: StoreHandle): Promise<AdminSummary[]> {
  return kysely.selectFrom('Rep').select(['id', 'email', 'name', 'active']).where('role', '=', 'admin').orderBy('active', 'desc').orderBy('id').execute();
}

/** Whom the console acts as when no --as is given: the oldest active admin, or null when there is none. */
export async function firstAdmin({ kysely }: StoreHandle): Promise<AdminSummary | null> {
  const admin = await kysely.selectFrom('Rep').select(['id', 'email', 'name', 'active']).where('role', '=', 'admin').where('active', '=', true).orderBy('id').executeTakeFirst();
  return admin ?? null;
}

/**
 * Creates an admin, or makes the rep with this email one (active again if they were not); a
 * given name replaces the stored one. Audited with who ran it (`by`, e.g. "cli:alice"): the
 * AuditLog has no rep for a person at the command line.
 */
export async function addAdmin(db: StoreHandle, input: { email: string; name: string | null }, by: string, at: Date): Promise<AddedAdmin> {
  return writeTransaction(db, async (trx): Promise<AddedAdmin> => {
    const now = at.getTime();
    const existing = await trx.selectFrom('Rep').select(['id', 'name', 'role', 'active']).where('email', '=', input.email).executeTakeFirst();
    const audit = (id: number, action: string, detail: Record<string, unknown>) =>
      trx.insertInto('AuditLog').values({ at: now, repId: null, action, target: `rep:${id}`, detail: JSON.stringify({ by, ...detail }) }).execute();
    if (!existing) {
      if (input.name === null) return { outcome: 'needs-name' };
      const { id } = await trx
        .insertInto('Rep')
        .values({ email: input.email, name: input.name, role: 'admin', active: true, createdAt: now, updatedAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(id, 'rep.admin.create', { email: input.email });
      return { outcome: 'created', admin: { id, email: input.email, name: input.name, active: true }, before: {} };
    }
    const name = input.name ?? existing.name;
    const before = {
      ...(existing.role === 'admin' ? {} : { role: existing.role }),
      ...(existing.active ? {} : { inactive: true as const }),
      ...(name === existing.name ? {} : { name: existing.name }),
    };
    const admin = { id: existing.id, email: input.email, name, active: true };
    if (Object.keys(before).length === 0) return { outcome: 'unchanged', admin, before };
    await trx.updateTable('Rep').set({ role: 'admin', active: true, name, updatedAt: now }).where('id', '=', existing.id).execute();
    await audit(existing.id, 'rep.admin.promote', { email: input.email, before });
    return { outcome: 'promoted', admin, before };
  });
}
