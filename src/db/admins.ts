import type { Sqlite } from './database.js';

export interface AdminSummary {
  id: number;
  email: string;
  name: string;
  active: boolean;
}

export interface AddedAdmin {
  outcome: 'created' | 'promoted' | 'unchanged';
  admin: AdminSummary;
  /** What a promotion changed: the role, activity and name the rep had before. */
  before: { role?: string; inactive?: true; name?: string };
}

/** The one line that tells whoever runs Rapport how to get in when no admin exists. */
export const NO_ADMIN_HINT = 'There is no admin yet. Create one with: npm run admin -- add <email> --name "<name>"';

const COLUMNS = 'id, email, name, active';

/** Every admin, active ones first, oldest first. */
export function listAdmins(sqlite: Sqlite): AdminSummary[] {
  const rows = sqlite.prepare(`SELECT ${COLUMNS} FROM Rep WHERE role = 'admin' ORDER BY active DESC, id`).all() as (Omit<AdminSummary, 'active'> & { active: number })[];
  return rows.map((row) => ({ ...row, active: row.active === 1 }));
}

/** Whom the console acts as when no --as is given: the oldest active admin, or null when there is none. */
export function firstAdmin(sqlite: Sqlite): AdminSummary | null {
  return listAdmins(sqlite).find((admin) => admin.active) ?? null;
}

/**
 * Creates an admin, or makes the rep with this email one (active again if they were not); a
 * given name replaces the stored one. Audited with who ran it (`by`, e.g. "cli:alice"): the
 * AuditLog has no rep for a person at the command line.
 */
export function addAdmin(sqlite: Sqlite, input: { email: string; name: string | null }, by: string, at: Date): AddedAdmin {
  return sqlite.transaction((): AddedAdmin => {
    const now = at.getTime();
    const existing = sqlite.prepare('SELECT id, name, role, active FROM Rep WHERE email = ?').get(input.email) as
      | { id: number; name: string; role: string; active: number }
      | undefined;
    const audit = (id: number, action: string, detail: Record<string, unknown>) =>
      sqlite.prepare('INSERT INTO AuditLog (at, repId, action, target, detail) VALUES (?, NULL, ?, ?, ?)').run(now, action, `rep:${id}`, JSON.stringify({ by, ...detail }));
    if (!existing) {
      if (input.name === null) throw new Error('a new admin needs a name');
      const id = Number(
        sqlite
          .prepare("INSERT INTO Rep (email, name, role, active, createdAt, updatedAt) VALUES (?, ?, 'admin', 1, ?, ?)")
          .run(input.email, input.name, now, now).lastInsertRowid,
      );
      audit(id, 'rep.admin.create', { email: input.email });
      return { outcome: 'created', admin: { id, email: input.email, name: input.name, active: true }, before: {} };
    }
    const name = input.name ?? existing.name;
    const before = {
      ...(existing.role === 'admin' ? {} : { role: existing.role }),
      ...(existing.active === 1 ? {} : { inactive: true as const }),
      ...(name === existing.name ? {} : { name: existing.name }),
    };
    const admin = { id: existing.id, email: input.email, name, active: true };
    if (Object.keys(before).length === 0) return { outcome: 'unchanged', admin, before };
    sqlite.prepare("UPDATE Rep SET role = 'admin', active = 1, name = ?, updatedAt = ? WHERE id = ?").run(name, now, existing.id);
    audit(existing.id, 'rep.admin.promote', { email: input.email, before });
    return { outcome: 'promoted', admin, before };
  })();
}
