import { afterEach, beforeEach, expect, it } from 'vitest';
import { addAdmin, firstAdmin, listAdmins } from '../../../src/db/admins.js';
import { createAuditTrail } from '../../../src/db/audit-trail.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { addRep, repRow } from './fixtures/people.js';

const AT = new Date('2026-12-01T09:00:00Z');

describeEngines('admins and the audit trail', (engine) => {
  let db: TestStoreDatabase;
  const audit = () => db.kysely.selectFrom('AuditLog').select(['at', 'repId', 'action', 'target', 'detail']).orderBy('id').execute();
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  it('does create the first admin, audited with who ran it, and change nothing when asked again', async () => {
    expect(await listAdmins(db)).toEqual([]);
    expect(await firstAdmin(db)).toBeNull();
    const created = await addAdmin(db, { email: 'jane@example.com', name: 'Jane "JD" Doe' }, 'cli:tester', AT);
    expect(created).toMatchObject({ outcome: 'created', admin: { email: 'jane@example.com', name: 'Jane "JD" Doe', active: true }, before: {} });
    const id = created.outcome === 'created' ? created.admin.id : -1;
    expect(await repRow(db, id)).toMatchObject({ role: 'admin', active: true, teamId: null, createdAt: AT.getTime(), updatedAt: AT.getTime() });
    expect(await firstAdmin(db)).toEqual({ id, email: 'jane@example.com', name: 'Jane "JD" Doe', active: true });
    expect(await addAdmin(db, { email: 'jane@example.com', name: null }, 'cli:tester', AT)).toMatchObject({ outcome: 'unchanged', before: {} });
    expect(await audit()).toEqual([
      { at: AT.getTime(), repId: null, action: 'rep.admin.create', target: `rep:${id}`, detail: '{"by":"cli:tester","email":"jane@example.com"}' },
    ]);
  });

  it('does say a new admin needs a name, and write nothing', async () => {
    expect(await addAdmin(db, { email: 'new@example.com', name: null }, 'cli:tester', AT)).toEqual({ outcome: 'needs-name' });
    expect(await db.kysely.selectFrom('Rep').select('id').execute()).toEqual([]);
    expect(await audit()).toEqual([]);
  });

  it('does promote an inactive manager, renaming only when a name is given, and list active admins first', async () => {
    const li = await addRep(db, { name: '李娜', email: 'li.na@example.cn', role: 'manager', active: false });
    const old = await addRep(db, { name: 'Old', email: 'old@example.com', role: 'admin', active: false });
    const promoted = await addAdmin(db, { email: 'li.na@example.cn', name: null }, 'cli:tester', AT);
    expect(promoted).toEqual({ outcome: 'promoted', admin: { id: li, email: 'li.na@example.cn', name: '李娜', active: true }, before: { role: 'manager', inactive: true } });
    expect(await repRow(db, li)).toMatchObject({ role: 'admin', active: true, name: '李娜', updatedAt: AT.getTime() });
    expect(await addAdmin(db, { email: 'li.na@example.cn', name: 'Li Na' }, 'cli:tester', AT)).toMatchObject({ outcome: 'promoted', before: { name: '李娜' } });
    expect((await audit()).map((a) => [a.action, a.target, a.detail])).toEqual([
      ['rep.admin.promote', `rep:${li}`, '{"by":"cli:tester","email":"li.na@example.cn","before":{"role":"manager","inactive":true}}'],
      ['rep.admin.promote', `rep:${li}`, '{"by":"cli:tester","email":"li.na@example.cn","before":{"name":"李娜"}}'],
    ]);
    const jane = await addRep(db, { name: 'Jane', email: 'jane@example.com', role: 'admin' });
    expect(await listAdmins(db)).toEqual([
      { id: li, email: 'li.na@example.cn', name: 'Li Na', active: true },
      { id: jane, email: 'jane@example.com', name: 'Jane', active: true },
      { id: old, email: 'old@example.com', name: 'Old', active: false },
    ]);
    // The oldest active admin, not the oldest admin.
    expect(await firstAdmin(db)).toMatchObject({ id: li });
  });

  it('does record an audit entry as given', async () => {
    const rep = await addRep(db, { name: 'Jane', email: 'jane@example.com' });
    const trail = createAuditTrail(db);
    await trail.record({ at: AT, repId: rep, action: 'customer.lookup', target: 'customer:12', detail: '{"q":"O\'Brien \\"张\\" =1+1"}' });
    await trail.record({ at: new Date(AT.getTime() + 1), repId: null, action: 'invite.issue', target: 'rep:1', detail: '' });
    expect(await audit()).toEqual([
      { at: AT.getTime(), repId: rep, action: 'customer.lookup', target: 'customer:12', detail: '{"q":"O\'Brien \\"张\\" =1+1"}' },
      { at: AT.getTime() + 1, repId: null, action: 'invite.issue', target: 'rep:1', detail: '' },
    ]);
  });
});
