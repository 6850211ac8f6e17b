import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

/**
 * The hand-written parts of both histories (name grams, the CustomerViewer view, the callback, ticket and carried-nudge
 * triggers, the tag index and the case-blind region index) behave alike.
 */
describeEngines('the hand-written schema', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  const grams = async () =>
    (await db.kysely.selectFrom('CustomerNameGram').selectAll().execute())
      .map((g) => `${g.customerId}:${g.gram}`)
      .sort();

  it('does keep the CJK name grams of every customer current through insert, rename and delete', async () => {
    const ids = await db.kysely
      .insertInto('Customer')
      .values(['王芳', 'Emma Fischer', '欧阳 娜娜'].map((name, i) => ({ externalId: `C${i}`, name, createdAt: 0, updatedAt: 0 })))
      .returning('id')
      .execute();
    const [wang, emma, ouyang] = ids.map((r) => r.id) as [number, number, number];
    expect(await grams()).toEqual([`${wang}:王`, `${wang}:王芳`, `${wang}:芳`, `${ouyang}:娜`, `${ouyang}:娜娜`, `${ouyang}:欧`, `${ouyang}:欧阳`, `${ouyang}:阳`].sort());
    await db.kysely.updateTable('Customer').set({ name: '李娜' }).where('id', '=', wang).execute();
    await db.kysely.updateTable('Customer').set({ name: 'Emma Fischer-Lee' }).where('id', '=', emma).execute();
    await db.kysely.deleteFrom('Customer').where('id', '=', ouyang).execute();
    expect(await grams()).toEqual([`${wang}:娜`, `${wang}:李`, `${wang}:李娜`].sort());
  });

  it('does move open callbacks with their customer’s owner and with reps’ teams, and show the same viewers', async () => {
    const teams = await db.kysely.insertInto('Team').values([{ name: 'North', createdAt: 0 }, { name: 'South', createdAt: 0 }]).returning('id').execute();
    const [north, south] = teams.map((t) => t.id) as [number, number];
    const rep = (email: string, role: string, teamId: number | null) => ({ email, name: email, role, teamId, createdAt: 0, updatedAt: 0 });
    const reps = await db.kysely
      .insertInto('Rep')
      .values([rep('a', 'rep', north), rep('m', 'manager', north), rep('c', 'rep', south), rep('admin', 'admin', null)])
      .returning('id')
      .execute();
    const [a, m, c, admin] = reps.map((r) => r.id) as [number, number, number, number];
    const { id: customer } = await db.kysely
      .insertInto('Customer')
      .values({ externalId: 'X1', name: 'Emma', ownerId: a, createdAt: 0, updatedAt: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const callback = (ownerId: number, status = 'open') => ({ customerId: customer, ownerId, dueAt: 0, status, createdAt: 0 });
    await db.kysely.insertInto('Callback').values([callback(a), callback(m), callback(a, 'done')]).execute();
    const viewers = async () =>
      (await db.kysely.selectFrom('CustomerViewer').selectAll().execute()).map((v) => v.repId).sort((x, y) => x - y);
    const owners = async () => (await db.kysely.selectFrom('Callback').select(['ownerId', 'status']).orderBy('id').execute()).map((r) => `${r.ownerId}:${r.status}`);

    expect(await viewers()).toEqual([a, m, admin].sort((x, y) => x - y));
    await db.kysely.updateTable('Customer').set({ ownerId: c }).where('id', '=', customer).execute();
    // The former owner's and the north manager's (who no longer sees the customer) go to the new owner; a done one stays.
    expect(await owners()).toEqual([`${c}:open`, `${c}:open`, `${a}:done`]);
    expect(await viewers()).toEqual([c, admin].sort((x, y) => x - y));
    await db.kysely.updateTable('Callback').set({ ownerId: admin }).where('status', '=', 'open').execute();
    await db.kysely.updateTable('Rep').set({ role: 'rep' }).where('id', '=', admin).execute();
    // The admin who lost the role no longer sees the customer: its callbacks go back to the owner.
    expect(await owners()).toEqual([`${c}:open`, `${c}:open`, `${a}:done`]);
  });

  it('does move open tickets, pending holiday greetings and reorder reminders with their customer’s owner, and leave the rest', async () => {
    const reps = await db.kysely
      .insertInto('Rep')
      .values(['a', 'b', 'other'].map((email) => ({ email, name: email, role: 'rep', createdAt: 0, updatedAt: 0 })))
      .returning('id')
      .execute();
    const [a, b, other] = reps.map((r) => r.id) as [number, number, number];
    const customers = await db.kysely
      .insertInto('Customer')
      .values([{ externalId: 'X1', name: 'Emma', ownerId: a, createdAt: 0, updatedAt: 0 }, { externalId: 'X2', name: 'Li', ownerId: a, createdAt: 0, updatedAt: 0 }])
      .returning('id')
      .execute();
    const [emma, li] = customers.map((c) => c.id) as [number, number];
    const ticket = (customerId: number, status: string) => ({ customerId, ownerId: a, tier: 'A', openedAt: 0, deadline: 0, status, createdAt: 0 });
    await db.kysely.insertInto('Ticket').values([ticket(emma, 'open'), ticket(emma, 'resolved'), ticket(li, 'open')]).execute();
    const greeting = (key: string, customerId: number, status: string, targetId = a, kind = 'holiday') =>
      ({ kind, dedupeKey: key, dueAt: 0, targetKind: 'rep', targetId, customerId, payload: '{}', status, createdAt: 0 });
    await db.kysely
      .insertInto('Nudge')
      .values([
        greeting('pending', emma, 'pending'), greeting('sent', emma, 'sent'), greeting('other-rep', emma, 'pending', other),
        greeting('birthday', emma, 'pending', a, 'birthday'), greeting('li', li, 'pending'), greeting('reorder', emma, 'pending', a, 'reorder'),
      ])
      .execute();

    await db.kysely.updateTable('Customer').set({ ownerId: b }).where('id', '=', emma).execute();
    const tickets = await db.kysely.selectFrom('Ticket').select(['customerId', 'ownerId', 'status']).orderBy('id').execute();
    expect(tickets).toEqual([
      { customerId: emma, ownerId: b, status: 'open' }, { customerId: emma, ownerId: a, status: 'resolved' }, { customerId: li, ownerId: a, status: 'open' },
    ]);
    const targets = await db.kysely.selectFrom('Nudge').select(['dedupeKey', 'targetId']).orderBy('id').execute();
    expect(targets.map((n) => `${n.dedupeKey}:${n.targetId}`)).toEqual([`pending:${b}`, `sent:${a}`, `other-rep:${other}`, `birthday:${a}`, `li:${a}`, `reorder:${b}`]);
    // A customer without an owner before: its greetings were nobody's, so nothing moves; its open tickets do.
    await db.kysely.updateTable('Customer').set({ ownerId: null }).where('id', '=', li).execute();
    await db.kysely.updateTable('Customer').set({ ownerId: b }).where('id', '=', li).execute();
    expect((await db.kysely.selectFrom('Ticket').select('ownerId').where('customerId', '=', li).executeTakeFirstOrThrow()).ownerId).toBe(b);
    expect((await db.kysely.selectFrom('Nudge').select('targetId').where('dedupeKey', '=', 'li').executeTakeFirstOrThrow()).targetId).toBe(a);
  });

  const tagRows = async () =>
    (await sql<{ tag: string; customerId: number }>`SELECT "tag", "customerId" FROM "CustomerTag"`.execute(db.kysely)).rows
      .map((r) => `${r.customerId}:${r.tag}`)
      .sort();

  it('does keep one tag row per tag of every customer, blind to case, through insert, retag and delete', async () => {
    const ids = await db.kysely
      .insertInto('Customer')
      .values(['vip,Berlin', 'VIP,vip,,b2b', 'tab\there,kept out', ''].map((tags, i) => ({ externalId: `C${i}`, name: `N${i}`, tags, createdAt: 0, updatedAt: 0 })))
      .returning('id')
      .execute();
    const [emma, li, tabbed, untagged] = ids.map((r) => r.id) as [number, number, number, number];
    // A customer's tags that differ only in case are one tag; tags holding a control character are left out, not fatal.
    expect(await tagRows()).toEqual([`${emma}:vip`, `${emma}:Berlin`, `${li}:VIP`, `${li}:b2b`].sort());
    const tagged = async (tag: string) =>
      (await sql<{ customerId: number }>`SELECT "customerId" FROM "CustomerTag" WHERE "tag" = ${tag}`.execute(db.kysely)).rows.map((r) => r.customerId).sort((x, y) => x - y);
    expect(await tagged('Vip')).toEqual([emma, li].sort((x, y) => x - y));

    await db.kysely.updateTable('Customer').set({ tags: 'berlin,"quoted" \\ tag' }).where('id', '=', emma).execute();
    await db.kysely.updateTable('Customer').set({ tags: 'new' }).where('id', 'in', [tabbed, untagged]).execute();
    await db.kysely.deleteFrom('Customer').where('id', '=', li).execute();
    expect(await tagRows()).toEqual([`${emma}:berlin`, `${emma}:"quoted" \\ tag`, `${tabbed}:new`, `${untagged}:new`].sort());
  });

  it('does find regions without regard to case through the region index', async () => {
    await db.kysely
      .insertInto('Customer')
      .values(['Berlin', 'BERLIN', 'Bern', null].map((region, i) => ({ externalId: `C${i}`, name: `N${i}`, region, createdAt: 0, updatedAt: 0 })))
      .execute();
    const matches = await sql<{ region: string }>`SELECT "region" FROM "Customer" WHERE "region" = ${'berlin'} COLLATE "nocase" ORDER BY "region"`.execute(db.kysely);
    expect(matches.rows.map((r) => r.region)).toEqual(['BERLIN', 'Berlin']);
  });
});
