import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withinBook } from '../../src/db/customer-segments.js';
import { toActor } from '../../src/db/identity-directory.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { bookScope } from '../../src/domain/actor.js';
import { deliverDue } from '../../src/scheduler/delivery-worker.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import {
  ADMIN, ANNA, commandHarness, customerWhere, LI_NA, LIU_YANG, MAX, NOW, repIdOf, textOf, ZHANG_WEI, type AnyEngineHarness,
} from '../commands/helpers.js';
import { describeEngines, describeSqlite } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { importCli, writeFixture } from '../import/import-helpers.js';
import { deliveryDeps, RecordingNotifier } from '../scheduler/helpers.js';

describeEngines('callbacks following customers', (engine) => {
  let h: AnyEngineHarness;
  const work = tempDir();
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => {
    await h.cleanup();
    work.cleanup();
  });

  const idIn = (text: string) => Number(/#(\d+)/.exec(text)![1]);
  const repId = (email: string) => repIdOf(h.db, email);
  const ownerOfCallback = async (id: number) => (await h.db.kysely.selectFrom('Callback').select('ownerId').where('id', '=', id).executeTakeFirstOrThrow()).ownerId;
  let files = 0;

  /** Imports customers as an admin would from the CLI: the real import, on its own connection. */
  async function importCustomers(rows: string[]): Promise<number> {
    const file = writeFixture(work.dir, `customers-${++files}.csv`, ['external_id,name,owner', ...rows, ''].join('\n'));
    const run = await importCli(h.db, ['customers', file]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    return Number(/as run (\d+)/.exec(run.out)![1]);
  }

  describe('callbacks follow the customer\'s book', () => {
    it('does take a callback away from the old rep when an import gives the customer to another team', async () => {
      const c = await customerWhere(h.db, ZHANG_WEI);
      const id = idIn(textOf(await h.say(ZHANG_WEI, `/callback ${c.externalId} tomorrow 10am check the refill`)));
      await importCustomers([`${c.externalId},${c.name},${MAX}`]);

      // The old rep: gone from the agenda, and done/snooze read like a callback that does not exist.
      expect(textOf(await h.say(ZHANG_WEI, '/callbacks'))).not.toContain(c.name);
      expect(textOf(await h.say(ZHANG_WEI, `/callback done ${id}`))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      // The old team's manager: cannot snooze it and does not learn the customer's name.
      const snooze = textOf(await h.say(LI_NA, `/callback snooze ${id}`));
      expect(snooze).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      expect(snooze).not.toContain(c.name);
      // The new owner: the card's next callback is the one they can close.
      expect(await ownerOfCallback(id)).toBe(await repId(MAX));
      expect(textOf(await h.say(MAX, `/customer lookup ${c.externalId}`))).toContain(`(#${id})`);
      expect(textOf(await h.say(MAX, '/callbacks'))).toContain(`#${id} · ${c.name}`);
      expect(textOf(await h.say(MAX, `/callback done ${id}`))).toBe(`Callback #${id} with ${c.name} is done.`);
    });

    it('does give the callbacks back when the import that moved the customer is undone', async () => {
      const c = await customerWhere(h.db, LIU_YANG, (eb) =>
        eb.not(eb.exists(eb.selectFrom('Callback as k').select('k.id').whereRef('k.customerId', '=', 'c.id').where('k.status', '=', 'open'))),
      );
      const id = idIn(textOf(await h.say(LIU_YANG, `/callback ${c.externalId} tomorrow 11am`)));
      const run = await importCustomers([`${c.externalId},${c.name},${MAX}`]);
      expect(await ownerOfCallback(id)).toBe(await repId(MAX));
      const undo = await importCli(h.db, ['undo', String(run)]);
      expect(undo.code).toBe(0);
      expect(await ownerOfCallback(id)).toBe(await repId(LIU_YANG));
      expect(textOf(await h.say(LIU_YANG, '/callbacks'))).toContain(`#${id} · ${c.name}`);
      expect(textOf(await h.say(MAX, `/callback snooze ${id}`))).toBe(`There is no callback #${id} in your book.`);
    });

    it('does keep the callbacks of a customer left without an owner for admins and the next owner', async () => {
      const c = await customerWhere(h.db, ZHANG_WEI);
      const id = idIn(textOf(await h.say(ZHANG_WEI, `/callback ${c.externalId} tomorrow 3pm`)));
      await importCustomers([`${c.externalId},${c.name},`]);
      expect(textOf(await h.say(ZHANG_WEI, `/callback snooze ${id}`))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      expect(textOf(await h.say(ZHANG_WEI, '/callbacks'))).not.toContain(`#${id} `);
      expect(textOf(await h.say(ADMIN, `/customer lookup ${c.externalId}`))).toContain(`(#${id})`);
      await importCustomers([`${c.externalId},${c.name},${LIU_YANG}`]);
      expect(await ownerOfCallback(id)).toBe(await repId(LIU_YANG));
      expect(textOf(await h.say(LIU_YANG, `/callback done ${id}`))).toBe(`与 ${c.name} 的回访 #${id} 已完成。`);
    });

    it('does move a manager\'s callback to the customer\'s owner when the owner changes team', async () => {
      const c = await customerWhere(h.db, ZHANG_WEI);
      const id = idIn(textOf(await h.say(LI_NA, `/callback ${c.externalId} tomorrow 4pm`)));
      expect(await ownerOfCallback(id)).toBe(await repId(LI_NA));
      const file = writeFixture(work.dir, 'reps.csv', `email,name,team\n${ZHANG_WEI},张伟,Berlin B2B\n`);
      expect((await importCli(h.db, ['reps', file])).code).toBe(0);
      expect(await ownerOfCallback(id)).toBe(await repId(ZHANG_WEI));
      expect(textOf(await h.say(LI_NA, `/callback cancel ${id}`))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      expect(textOf(await h.say(ANNA, `/callback snooze ${id} 2026-12-01 10:00`))).toContain(`#${id}`);
    });

    it('does send a ping planned for the old owner to the new one, and none for a customer without an owner', async () => {
      const c = await customerWhere(h.db, LIU_YANG, (eb) =>
        eb.not(eb.exists(eb.selectFrom('Callback as k').select('k.id').whereRef('k.customerId', '=', 'c.id').where('k.status', '=', 'open'))),
      );
      const id = idIn(textOf(await h.say(LIU_YANG, `/callback ${c.externalId} in 2 hours`)));
      const { dueAt } = await h.db.kysely.selectFrom('Callback').select('dueAt').where('id', '=', id).executeTakeFirstOrThrow();
      const liu = await repId(LIU_YANG);
      const max = await repId(MAX);
      const plan = (key: string) =>
        createOutboxStore(h.db).insert(
          [{ kind: 'callback', dedupeKey: key, dueAt: new Date(dueAt), target: { kind: 'rep', id: liu }, customerId: c.id, payload: { callbackId: id, dueAt: new Date(dueAt).toISOString() } }],
          NOW,
        );
      const setOwner = (ownerId: number | null) => h.db.kysely.updateTable('Customer').set({ ownerId }).where('id', '=', c.id).execute();
      await plan(`test:callback:${id}:a`);
      await setOwner(max);
      const notifier = new RecordingNotifier();
      await deliverDue(new Date(dueAt + 60_000), deliveryDeps(h.db, notifier));
      expect(notifier.sent.map((n) => n.recipient)).toEqual([expect.objectContaining({ kind: 'rep', repId: max })]);

      await plan(`test:callback:${id}:b`);
      await setOwner(null);
      await deliverDue(new Date(dueAt + 120_000), deliveryDeps(h.db, notifier));
      expect(notifier.sent).toHaveLength(1);
      expect(await h.db.kysely.selectFrom('Nudge').select(['status', 'lastError']).where('dedupeKey', '=', `test:callback:${id}:b`).executeTakeFirst()).toEqual({
        status: 'skipped', lastError: "the customer is not in the rep's book",
      });
    });

    it('does agree with bookScope on who may see each customer', async () => {
      const reps = await h.db.kysely.selectFrom('Rep').selectAll().orderBy('id').execute();
      for (const rep of reps) {
        const scope = bookScope(toActor({ ...rep, teamLocale: null, teamTimeZone: null }));
        const byScope = await h.db.kysely.selectFrom('Customer as c').select('c.id').where((eb) => eb.and(withinBook(eb, scope))).orderBy('c.id').execute();
        const byView = await h.db.kysely.selectFrom('CustomerViewer').select('customerId').where('repId', '=', rep.id).orderBy('customerId').execute();
        expect(byView.map((v) => v.customerId), rep.email).toEqual(byScope.map((c) => c.id));
      }
    });
  });
});

// SQLite's own migration history (PostgreSQL's schema starts from the squashed one).
describeSqlite('the callbacks_follow_customers migration', () => {
  it('does give open callbacks that point at a former owner to the customer\'s owner, and keep the rest', () => {
    const { dir, cleanup } = tempDir();
    const sqlite = new BetterSqlite3(path.join(dir, 'old.db'));
    try {
      const migrations = readMigrations();
      const at = migrations.findIndex((m) => m.name.endsWith('_callbacks_follow_customers'));
      migrate(sqlite, migrations.slice(0, at));
      sqlite.exec(`
        INSERT INTO Team (id, name, createdAt) VALUES (1, 'North', 0), (2, 'South', 0);
        INSERT INTO Rep (id, email, name, role, teamId, createdAt, updatedAt) VALUES
          (1, 'old@x', 'Old', 'rep', 1, 0, 0), (2, 'new@x', 'New', 'rep', 2, 0, 0), (3, 'boss@x', 'Boss', 'manager', 2, 0, 0);
        INSERT INTO Customer (id, externalId, name, ownerId, createdAt, updatedAt) VALUES (1, 'C1', 'Moved', 2, 0, 0), (2, 'C2', 'Orphan', NULL, 0, 0);
        INSERT INTO Callback (id, customerId, ownerId, dueAt, status, createdAt) VALUES
          (1, 1, 1, 0, 'open', 0), (2, 1, 3, 0, 'open', 0), (3, 1, 1, 0, 'done', 0), (4, 2, 1, 0, 'open', 0);
      `);
      migrate(sqlite, migrations);
      expect(sqlite.prepare('SELECT id, ownerId FROM Callback ORDER BY id').all()).toEqual([
        { id: 1, ownerId: 2 }, // the former owner's open callback: to the owner
        { id: 2, ownerId: 3 }, // the owner's manager still sees the customer: kept
        { id: 3, ownerId: 1 }, // done: history stays as it was
        { id: 4, ownerId: 1 }, // no owner to give it to: kept, hidden from the former owner
      ]);
    } finally {
      sqlite.close();
      cleanup();
    }
  });
});
