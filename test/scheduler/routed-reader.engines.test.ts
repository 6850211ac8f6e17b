import type { CompiledQuery, Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Schema } from '../../src/db/schema.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import { deliverDue } from '../../src/scheduler/delivery-worker.js';
import { createRecipientLookup } from '../../src/scheduler/nudge-data.js';
import { createNudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import type { NudgeRow } from '../../src/scheduler/outbox.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { deliveryDeps, RecordingNotifier } from './helpers.js';

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

  it('does read the rep once per delivered message: the drawing takes the reader its routing read', async () => {
    await createOutboxStore(db).release('test', NOW);
    const { handle, statements } = recording(db);
    const notifier = new RecordingNotifier();
    const report = await deliverDue(NOW, deliveryDeps(handle as TestStoreDatabase, notifier));
    expect(report).toMatchObject({ claimed: 1, sent: 1 });
    expect(notifier.sent).toMatchObject([{ recipient: { repId }, locale: 'zh-CN' }]);
    expect(statements.filter((text) => /from "Rep" as "r"\s+left join "Team"/i.test(text))).toHaveLength(1);
  });

  it('does read the rep as it is now when a row is drawn with no routing before it (a redraw)', async () => {
    const recipientOf = createRecipientLookup(db);
    const render = renderer(db);
    const [row] = rows;
    const routed = await recipientOf(row!);
    expect(routed).toMatchObject({ recipient: { kind: 'rep', repId, addresses: { slack: 'U1' } }, reader: { locale: 'zh-CN' } });
    await db.kysely.updateTable('Rep').set({ locale: 'en' }).where('id', '=', repId).execute();
    expect(await render(row!, NOW, false, 'redraw')).toMatchObject({ notification: { locale: 'en' } });
    // Given the routed reader, the drawing uses it as read.
    expect(await render(row!, NOW, false, 'send', routed!.reader)).toMatchObject({ notification: { locale: 'zh-CN' } });
  });
});
