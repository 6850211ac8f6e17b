import type { CompiledQuery, Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Schema } from '../../src/db/schema.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { createRecipientLookup } from '../../src/scheduler/nudge-data.js';
import { createNudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import type { NudgeRow } from '../../src/scheduler/outbox.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const NOW = new Date('2027-03-01T02:00:00Z');

/** `db` with every statement it runs recorded (the stores run compiled queries through executeQuery). */
function recording(db: StoreHandle): { handle: StoreHandle; statements: string[] } {
  const statements: string[] = [];
  const kysely = new Proxy(db.kysely, {
    get(target, key) {
      if (key === 'executeQuery') {
        return (query: CompiledQuery) => {
          statements.push(query.sql);
          return target.executeQuery(query);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Kysely<Schema>;
  return { handle: { engine: db.engine, kysely }, statements };
}

describeEngines('the recipient a delivery routes by', (engine) => {
  let db: TestStoreDatabase;
  let rows: NudgeRow[];
  let repId: number;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    const k = db.kysely;
    const team = await k.insertInto('Team').values({ name: 'Shanghai', timeZone: 'Asia/Shanghai', locale: 'zh-CN', settings: '{}', createdAt: 0 }).returning('id').executeTakeFirstOrThrow();
    repId = (await k.insertInto('Rep').values({ name: 'zhang', email: 'zhang@x', teamId: team.id, slackUserId: 'U1', createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const customerId = (await k.insertInto('Customer').values({ externalId: 'C1', name: 'Bob', ownerId: repId, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const outbox = createOutboxStore(db);
    await outbox.insert(
      [{ kind: 'winback', dedupeKey: 'won:1', dueAt: NOW, target: { kind: 'rep', id: repId }, customerId, payload: { outcome: 'won', episode: 1, tier: 'A', orderedAt: NOW.toISOString() } }],
      NOW,
    );
    rows = await outbox.claimDue(NOW, 10, 'test', 60_000);
  });
  afterEach(async () => db.cleanup());

  const renderer = (handle: StoreHandle) => createNudgeRenderer(handle, { currency: 'CNY', defaultLocale: 'en', buildDigest: () => Promise.reject(new Error('no digests here')) });

  it('does read the rep once per message when the message is drawn right after its routing', async () => {
    const { handle, statements } = recording(db);
    const recipientOf = createRecipientLookup(handle);
    const render = renderer(handle);
    const [row] = rows;
    expect(await recipientOf(row!)).toMatchObject({ kind: 'rep', repId, addresses: { slack: 'U1' } });
    const drawn = await render(row!, NOW, false);
    expect(drawn).toMatchObject({ action: 'send', notification: { recipient: { repId }, locale: 'zh-CN' } });
    expect(statements.filter((text) => /from "Rep" as "r"\s+left join "Team"/i.test(text))).toHaveLength(1);
  });

  it('does read the rep afresh when the same row is drawn again, or drawn with no routing before it', async () => {
    const recipientOf = createRecipientLookup(db);
    const render = renderer(db);
    const [row] = rows;
    await recipientOf(row!);
    expect(await render(row!, NOW, false)).toMatchObject({ notification: { locale: 'zh-CN' } });
    await db.kysely.updateTable('Rep').set({ locale: 'en' }).where('id', '=', repId).execute();
    expect(await render(row!, NOW, false)).toMatchObject({ notification: { locale: 'en' } });
    // A redraw after a button press draws a row of its own, with no routing: it reads the rep as it is now.
    await recipientOf(row!);
    await db.kysely.updateTable('Rep').set({ locale: 'zh-CN' }).where('id', '=', repId).execute();
    expect(await render({ ...row! }, NOW, false)).toMatchObject({ notification: { locale: 'zh-CN' } });
  });

  it('does not hand a rep routed on one database to the drawing on another', async () => {
    const other = await openTestDatabase(engine);
    try {
      const [row] = rows;
      await createRecipientLookup(db)(row!);
      // The other database has no such rep: its renderer must read its own.
      expect(await renderer(other)(row!, NOW, false)).toEqual({ action: 'skip', reason: 'the recipient no longer exists or is inactive' });
    } finally {
      await other.cleanup();
    }
  });
});
