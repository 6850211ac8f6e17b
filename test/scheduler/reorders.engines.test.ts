import os from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConsoleNotifier } from '../../src/adapters/console/console-notifier.js';
import { renderMessage } from '../../src/adapters/discord/render-message.js';
import { ManualClock } from '../../src/clock.js';
import { createDispatcher } from '../../src/commands/dispatcher.js';
import { commands } from '../../src/commands/registry.js';
import type { Block } from '../../src/commands/reply.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { translator } from '../../src/i18n/index.js';
import type { Notification } from '../../src/scheduler/notifier.js';
import { runNudgesCli, type PreviewItem } from '../../src/scheduler/nudges-cli.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { servicesFor, textOf } from '../commands/helpers.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain } from './helpers.js';

type Db = TestStoreDatabase;
/** Scores `db` as of `asOf` (the scoring run still takes the SQLite database: pgscore moves it). */
const rescore = (db: Db, asOf: Date) => recomputeScores(db, asOf);
const zhangOf = async (db: Db) => (await db.kysely.selectFrom('Rep').select('id').where('email', '=', 'zhang.wei@rapport.demo').executeTakeFirstOrThrow()).id;

const HOUR = 3_600_000;
/** DEMO_ASOF is Monday 2027-01-04 00:00 UTC; Shanghai agendas go out at 01:00 UTC. */
const at = (days: number, hours = 0) => new Date(DEMO_ASOF.getTime() + days * DAY_MS + hours * HOUR);
/** Every 10 days for five months, the last 8 days ago: due to reorder on Wednesday at the default factor. */
const REGULAR_DAYS = Array.from({ length: 15 }, (_, k) => -148 + 10 * k);

/** A customer of `ownerId` who bought 护肤 on these days (relative to DEMO_ASOF). */
async function addCustomer(db: Db, ownerId: number, externalId: string, days: number[]): Promise<number> {
  const { id } = await db.kysely.insertInto('Customer').values({ externalId, name: `客户${externalId}`, ownerId, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow();
  await db.kysely.insertInto('Order').values(days.map((day) => ({
    customerId: id, orderedAt: DEMO_ASOF.getTime() + day * DAY_MS + 3 * HOUR, amountMinor: 20_000, product: day % 20 === 0 ? '面霜' : '精华液', category: '护肤', createdAt: 0,
  }))).execute();
  return id;
}

/** A pending nudge written as the planner would (the tests that need one it did not plan). */
const pendingNudge = (db: Db, nudge: { kind: string; dedupeKey: string; dueAt: number; targetId: number; customerId: number; payload: string }) =>
  db.kysely.insertInto('Nudge').values({ ...nudge, targetKind: 'rep', status: 'pending', attempts: 0, late: false, createdAt: 0 }).execute();

// Scores customers (recomputeScores); three tests also render (delivery, the nudges preview).
describeEngines('reorder reminders (购买周期)', (engine) => {
  let db: Db;
  let zhang: number;
  const customers: Record<'regular' | 'stale' | 'oneTime' | 'irregular', number> = { regular: 0, stale: 0, oneTime: 0, irregular: 0 };
  const notifier = new RecordingNotifier();
  const reorders = () =>
    db.kysely.selectFrom('Nudge').select(['customerId', 'dedupeKey', 'dueAt', 'targetId', 'status', 'carriedBy', 'lastError']).where('kind', '=', 'reorder').orderBy('id').execute();
  const agendaList = (sent: Notification[]) =>
    sent
      .find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang)
      ?.reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').startsWith('到了回购时间'));

  beforeAll(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    zhang = await zhangOf(db);
    const add = (externalId: string, days: number[]) => addCustomer(db, zhang, externalId, days);
    customers.regular = await add('R1', REGULAR_DAYS);
    customers.stale = await add('R2', REGULAR_DAYS);
    customers.oneTime = await add('O1', [-8]);
    customers.irregular = await add('I1', [-148, -146, -70, -60, -8]);
    await rescore(db, DEMO_ASOF);
  });
  afterAll(async () => db.cleanup());

  it('does plan one reorder nudge per regular customer on the owner’s agenda of the due day, and none for one-time or irregular buyers', async () => {
    // Monday: Wednesday's agenda is beyond the 2-day horizon.
    await runPlanning(db, DEMO_ASOF);
    expect(await reorders()).toEqual([]);
    await runPlanning(db, at(1));
    const planned = await reorders();
    expect(planned.map((n) => n.customerId).sort()).toEqual([customers.regular, customers.stale].sort());
    for (const nudge of planned) {
      expect(nudge).toMatchObject({ targetId: zhang, dueAt: Date.parse('2027-01-06T01:00:00Z') });
      expect(nudge.dedupeKey).toBe(`reorder:${nudge.customerId}:2026-12-27`);
    }
    // Taken off the planner's due list until the next purchase.
    const due = await db.kysely.selectFrom('Customer').select(['id', 'reorderDueAt']).where('id', 'in', Object.values(customers)).orderBy('id').execute();
    expect(due).toEqual(Object.values(customers).sort((a, b) => a - b).map((id) => ({ id, reorderDueAt: null })));
  });

  it('does not plan the same cycle again, whatever runs twice: planning, rescoring', async () => {
    await runPlanning(db, at(1, 1));
    await rescore(db, at(1));
    await runPlanning(db, at(1, 2));
    expect(await reorders()).toHaveLength(2);
  });

  it('does list the reminder in the agenda with what they usually buy, and leave out a customer who bought since', async () => {
    await db.kysely.updateTable('ScoreSnapshot').set({ crossSell: '彩妆', crossSellFrom: '护肤' }).where('customerId', '=', customers.regular).execute();
    // R2 buys on Tuesday, after the reminder was planned and before Wednesday's agenda.
    await db.kysely.insertInto('Order').values({ customerId: customers.stale, orderedAt: at(1, 5).getTime(), amountMinor: 15_000, createdAt: 0 }).execute();
    await runPlanning(db, at(2));
    await drain(at(2, 2), deliveryDeps(db, notifier));
    const list = agendaList(notifier.sent);
    expect(list?.title).toBe('到了回购时间 (1)');
    expect(list?.items.map((i) => i.primary)).toEqual(['客户R1']);
    expect(list?.items[0]?.secondary).toBe('常买精华液，约每 10 天一次；距上次购买 10 天 · 买护肤的客户也常买彩妆');
    expect(list?.items[0]?.actions?.[0]?.typed).toBe('/customer lookup R1');
    // R1's reminder went out inside the agenda (carried); R2's, no longer holding, is skipped rather than sent on its own.
    expect(notifier.sent.filter((n) => n.kind === 'reorder')).toEqual([]);
    const { id: agendaId } = await db.kysely.selectFrom('Nudge').select('id')
      .where('kind', '=', 'agenda').where('targetId', '=', zhang).where('status', '=', 'sent').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect((await reorders()).map((n) => [n.customerId, n.status, n.carriedBy, n.lastError])).toEqual([
      [customers.regular, 'sent', agendaId, null],
      [customers.stale, 'skipped', null, 'the reminder no longer holds: bought since'],
    ]);
    // Thursday's agenda does not repeat it.
    const before = notifier.sent.length;
    await runPlanning(db, at(3));
    await drain(at(3, 2), deliveryDeps(db, notifier));
    expect(agendaList(notifier.sent.slice(before))).toBeUndefined();
  });

  it('does start a new cycle with the next purchase, and remind again for that one', async () => {
    await db.kysely.insertInto('Order').values({ customerId: customers.regular, orderedAt: at(3, 3).getTime(), amountMinor: 20_000, createdAt: 0 }).execute();
    await rescore(db, at(3, 12));
    // Due Sunday 2027-01-17: on Monday's agenda, in reach from Saturday.
    await runPlanning(db, at(12));
    expect((await reorders()).filter((n) => n.customerId === customers.regular)).toHaveLength(1);
    await runPlanning(db, at(13));
    const mine = (await reorders()).filter((n) => n.customerId === customers.regular);
    expect(mine.map((n) => n.dedupeKey)).toEqual([`reorder:${customers.regular}:2026-12-27`, `reorder:${customers.regular}:2027-01-07`]);
    expect(mine[1]!.dueAt).toBe(Date.parse('2027-01-18T01:00:00Z'));
  });

  it('does show reorder reminders in the nudges preview', async () => {
    await rescore(db, at(12));
    await db.kysely.deleteFrom('Nudge').where('kind', '=', 'reorder').where('dedupeKey', 'like', '%2027-01-07').execute();
    await db.kysely.updateTable('Customer').set({ reorderDueAt: Date.parse('2027-01-17T00:00:00Z') }).where('id', '=', customers.regular).execute();
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runNudgesCli(['--from', '2027-01-16', '--to', '2027-01-19', '--json'], { db: db, clock: new ManualClock(at(12)), out })).toBe(0);
    const items = (JSON.parse(text) as PreviewItem[]).filter((i) => i.kind === 'reorder' && i.customer === 'R1');
    expect(items).toEqual([{ kind: 'reorder', due: '2027-01-18T09:00:00.000+08:00', customer: 'R1', target: 'zhang.wei@rapport.demo' }]);
  });

  it('does send a reminder no agenda carried on its own, as a neutral reply every notifier draws', async () => {
    // Monday 2027-01-25's reminder with no agenda that day (none was planned): it goes out alone an hour after its time.
    await db.kysely.updateTable('ScoreSnapshot').set({ crossSell: '彩妆', crossSellFrom: '护肤' }).where('customerId', '=', customers.regular).execute();
    await pendingNudge(db, { kind: 'reorder', dedupeKey: `reorder:${customers.regular}:2027-01-07`, dueAt: at(21, 1).getTime(), targetId: zhang, customerId: customers.regular, payload: '{"cycle":"2027-01-07"}' });
    const before = notifier.sent.length;
    await drain(at(21, 1), deliveryDeps(db, notifier));
    const mine = () => notifier.sent.slice(before).filter((n) => n.kind === 'reorder' && n.dedupeKey === `reorder:${customers.regular}:2027-01-07`);
    expect(mine()).toEqual([]);
    await drain(at(21, 2), deliveryDeps(db, notifier));
    const alone = mine();
    expect(alone).toHaveLength(1);
    const reply = alone[0]!.reply;
    const list = reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list');
    expect(list?.title).toBe('到了回购时间');
    expect(list?.items.map((i) => [i.primary, i.secondary])).toEqual([['客户R1', '常买精华液，约每 10 天一次；距上次购买 18 天 · 买护肤的客户也常买彩妆']]);
    // Console prints it; Discord draws it as an embed with the lookup button.
    const printed = new PassThrough();
    let text = '';
    printed.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await createConsoleNotifier(printed, os.tmpdir()).deliver('console', alone[0]!);
    expect(text).toContain('到了回购时间');
    expect(text).toContain('客户R1');
    expect(text).toContain('/customer lookup R1');
    const discord = renderMessage(reply, translator('zh-CN'));
    expect(JSON.stringify(discord.body.embeds)).toContain('常买精华液');
    expect(discord.body.components.flatMap((row) => row.components).map((c) => ('label' in c ? c.label : undefined))).toContain('查看档案');
  });

  it('does hand a pending reminder (and greeting) to the customer’s new owner, and leave sent ones where they went', async () => {
    const { id: other } = await db.kysely.selectFrom('Rep').select('id').where('id', '<>', zhang).where('active', '=', true).orderBy('id').limit(1).executeTakeFirstOrThrow();
    await pendingNudge(db, { kind: 'reorder', dedupeKey: `reorder:${customers.regular}:2027-01-20`, dueAt: at(30, 1).getTime(), targetId: zhang, customerId: customers.regular, payload: '{"cycle":"2027-01-20"}' });
    // A holiday greeting, the other nudge the agenda carries, moves the same way.
    await pendingNudge(db, { kind: 'holiday', dedupeKey: 'holiday-test', dueAt: at(30, 1).getTime(), targetId: zhang, customerId: customers.regular, payload: '{"date":"2027-02-06","holiday":"spring","name":null}' });
    await db.kysely.updateTable('Customer').set({ ownerId: other }).where('id', '=', customers.regular).execute();
    expect(await db.kysely.selectFrom('Nudge').select('targetId').where('dedupeKey', '=', 'holiday-test').execute()).toEqual([{ targetId: other }]);
    const targets = await db.kysely.selectFrom('Nudge').select(['dedupeKey', 'status', 'targetId']).where('kind', '=', 'reorder').where('customerId', '=', customers.regular).orderBy('id').execute();
    expect(targets.find((n) => n.dedupeKey.endsWith('2027-01-20'))).toMatchObject({ status: 'pending', targetId: other });
    expect(targets.filter((n) => n.status === 'sent').every((n) => n.targetId === zhang)).toBe(true);
    expect(targets.some((n) => n.status === 'sent')).toBe(true);
  });
});

// Scores customers (recomputeScores), and servicesFor (test/commands/helpers.ts) wires the background jobs on the raw handle.
describeEngines('the team’s reorder factor, set from chat', (engine) => {
  let db: Db;
  afterAll(async () => db?.cleanup());

  it('does plan a customer due at factor 1.0 not yet at 1.5, once the manager’s setting is scored', async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    const zhang = await zhangOf(db);
    const regular = await addCustomer(db, zhang, 'R1', REGULAR_DAYS);
    const clock = new ManualClock(at(1));
    const app = createDispatcher({ commands, services: servicesFor(db, clock), clock, logger: { error() {} } as never, defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' } });
    const setFactor = async (factor: string) => {
      const reply = await app.dispatch({ platform: 'console', userId: 'li.na@rapport.demo', text: `/rapport settings reorder ${factor}` });
      expect(textOf(reply)).toContain(`已更新 上海旗舰店：回购提醒改为常规购买间隔的 ${factor} 倍`);
      await rescore(db, DEMO_ASOF);
    };
    const planned = async () => (await db.kysely.selectFrom('Nudge').select('dueAt').where('kind', '=', 'reorder').where('customerId', '=', regular).orderBy('id').execute()).map((n) => n.dueAt);
    const dueDay = async () => (await db.kysely.selectFrom('ScoreSnapshot').select('reorderDueAt').where('customerId', '=', regular).orderBy('id').limit(1).executeTakeFirst())?.reorderDueAt;

    // 1.5 × 10 days after the purchase 8 days ago: due in 7 days, beyond Tuesday's planning horizon.
    await setFactor('1.5');
    expect(await dueDay()).toBe(Date.parse('2027-01-11T00:00:00Z'));
    await runPlanning(db, at(1));
    expect(await planned()).toEqual([]);

    await setFactor('1');
    expect(await dueDay()).toBe(Date.parse('2027-01-06T00:00:00Z'));
    await runPlanning(db, at(1));
    expect(await planned()).toEqual([Date.parse('2027-01-06T01:00:00Z')]);
  });
});
