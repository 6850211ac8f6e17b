import os from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain } from './helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;

const HOUR = 3_600_000;
/** DEMO_ASOF is Monday 2027-01-04 00:00 UTC; Shanghai agendas go out at 01:00 UTC. */
const at = (days: number, hours = 0) => new Date(DEMO_ASOF.getTime() + days * DAY_MS + hours * HOUR);
/** Every 10 days for five months, the last 8 days ago: due to reorder on Wednesday at the default factor. */
const REGULAR_DAYS = Array.from({ length: 15 }, (_, k) => -148 + 10 * k);

/** A customer of `ownerId` who bought 护肤 on these days (relative to DEMO_ASOF). */
function addCustomer(db: Db, ownerId: number, externalId: string, days: number[]): number {
  const id = Number(
    db.sqlite.prepare('INSERT INTO Customer (externalId, name, ownerId, createdAt, updatedAt) VALUES (?, ?, ?, 0, 0)').run(externalId, `客户${externalId}`, ownerId).lastInsertRowid,
  );
  const order = db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, product, category, createdAt) VALUES (?, ?, ?, ?, ?, 0)');
  for (const day of days) order.run(id, DEMO_ASOF.getTime() + day * DAY_MS + 3 * HOUR, 20_000, day % 20 === 0 ? '面霜' : '精华液', '护肤');
  return id;
}

describe('reorder reminders (购买周期)', () => {
  let db: Db;
  let zhang: number;
  const customers: Record<'regular' | 'stale' | 'oneTime' | 'irregular', number> = { regular: 0, stale: 0, oneTime: 0, irregular: 0 };
  const notifier = new RecordingNotifier();
  const reorders = () =>
    db.sqlite.prepare("SELECT customerId, dedupeKey, dueAt, targetId, status, carriedBy, lastError FROM Nudge WHERE kind = 'reorder' ORDER BY id").all() as {
      customerId: number;
      dedupeKey: string;
      dueAt: number;
      targetId: number;
      status: string;
      carriedBy: number | null;
      lastError: string | null;
    }[];
  const agendaList = (sent: Notification[]) =>
    sent
      .find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang)
      ?.reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').startsWith('到了回购时间'));

  beforeAll(async () => {
    db = await demoDatabase(60);
    zhang = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
    const add = (externalId: string, days: number[]) => addCustomer(db, zhang, externalId, days);
    customers.regular = add('R1', REGULAR_DAYS);
    customers.stale = add('R2', REGULAR_DAYS);
    customers.oneTime = add('O1', [-8]);
    customers.irregular = add('I1', [-148, -146, -70, -60, -8]);
    await recomputeScores(db, DEMO_ASOF);
  });
  afterAll(async () => db.cleanup());

  it('does plan one reorder nudge per regular customer on the owner’s agenda of the due day, and none for one-time or irregular buyers', async () => {
    // Monday: Wednesday's agenda is beyond the 2-day horizon.
    await runPlanning(db, DEMO_ASOF);
    expect(reorders()).toEqual([]);
    await runPlanning(db, at(1));
    const planned = reorders();
    expect(planned.map((n) => n.customerId).sort()).toEqual([customers.regular, customers.stale].sort());
    for (const nudge of planned) {
      expect(nudge).toMatchObject({ targetId: zhang, dueAt: Date.parse('2027-01-06T01:00:00Z') });
      expect(nudge.dedupeKey).toBe(`reorder:${nudge.customerId}:2026-12-27`);
    }
    // Taken off the planner's due list until the next purchase.
    const due = db.sqlite.prepare('SELECT reorderDueAt FROM Customer WHERE id = ?').pluck();
    expect([due.get(customers.regular), due.get(customers.stale), due.get(customers.oneTime), due.get(customers.irregular)]).toEqual([null, null, null, null]);
  });

  it('does not plan the same cycle again, whatever runs twice: planning, rescoring', async () => {
    await runPlanning(db, at(1, 1));
    await recomputeScores(db, at(1));
    await runPlanning(db, at(1, 2));
    expect(reorders()).toHaveLength(2);
  });

  it('does list the reminder in the agenda with what they usually buy, and leave out a customer who bought since', async () => {
    db.sqlite.prepare("UPDATE ScoreSnapshot SET crossSell = '彩妆', crossSellFrom = '护肤' WHERE customerId = ?").run(customers.regular);
    // R2 buys on Tuesday, after the reminder was planned and before Wednesday's agenda.
    db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, 15000, 0)').run(customers.stale, at(1, 5).getTime());
    await runPlanning(db, at(2));
    await drain(at(2, 2), deliveryDeps(db.sqlite, notifier));
    const list = agendaList(notifier.sent);
    expect(list?.title).toBe('到了回购时间 (1)');
    expect(list?.items.map((i) => i.primary)).toEqual(['客户R1']);
    expect(list?.items[0]?.secondary).toBe('常买精华液，约每 10 天一次；距上次购买 10 天 · 买护肤的客户也常买彩妆');
    expect(list?.items[0]?.actions?.[0]?.typed).toBe('/customer lookup R1');
    // R1's reminder went out inside the agenda (carried); R2's, no longer holding, is skipped rather than sent on its own.
    expect(notifier.sent.filter((n) => n.kind === 'reorder')).toEqual([]);
    const agendaId = db.sqlite.prepare("SELECT id FROM Nudge WHERE kind = 'agenda' AND targetId = ? AND status = 'sent' ORDER BY id DESC LIMIT 1").pluck().get(zhang);
    expect(reorders().map((n) => [n.customerId, n.status, n.carriedBy, n.lastError])).toEqual([
      [customers.regular, 'sent', agendaId, null],
      [customers.stale, 'skipped', null, 'the reminder no longer holds: bought since'],
    ]);
    // Thursday's agenda does not repeat it.
    const before = notifier.sent.length;
    await runPlanning(db, at(3));
    await drain(at(3, 2), deliveryDeps(db.sqlite, notifier));
    expect(agendaList(notifier.sent.slice(before))).toBeUndefined();
  });

  it('does start a new cycle with the next purchase, and remind again for that one', async () => {
    db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, 20000, 0)').run(customers.regular, at(3, 3).getTime());
    await recomputeScores(db, at(3, 12));
    // Due Sunday 2027-01-17: on Monday's agenda, in reach from Saturday.
    await runPlanning(db, at(12));
    expect(reorders().filter((n) => n.customerId === customers.regular)).toHaveLength(1);
    await runPlanning(db, at(13));
    const mine = reorders().filter((n) => n.customerId === customers.regular);
    expect(mine.map((n) => n.dedupeKey)).toEqual([`reorder:${customers.regular}:2026-12-27`, `reorder:${customers.regular}:2027-01-07`]);
    expect(mine[1]!.dueAt).toBe(Date.parse('2027-01-18T01:00:00Z'));
  });

  it('does show reorder reminders in the nudges preview', async () => {
    await recomputeScores(db, at(12));
    db.sqlite.prepare("DELETE FROM Nudge WHERE kind = 'reorder' AND dedupeKey LIKE '%2027-01-07'").run();
    db.sqlite.prepare('UPDATE Customer SET reorderDueAt = ? WHERE id = ?').run(Date.parse('2027-01-17T00:00:00Z'), customers.regular);
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runNudgesCli(['--from', '2027-01-16', '--to', '2027-01-19', '--json'], { db, clock: new ManualClock(at(12)), out })).toBe(0);
    const items = (JSON.parse(text) as PreviewItem[]).filter((i) => i.kind === 'reorder' && i.customer === 'R1');
    expect(items).toEqual([{ kind: 'reorder', due: '2027-01-18T09:00:00.000+08:00', customer: 'R1', target: 'zhang.wei@rapport.demo' }]);
  });

  it('does send a reminder no agenda carried on its own, as a neutral reply every notifier draws', async () => {
    // Monday 2027-01-25's reminder with no agenda that day (none was planned): it goes out alone an hour after its time.
    db.sqlite.prepare("UPDATE ScoreSnapshot SET crossSell = '彩妆', crossSellFrom = '护肤' WHERE customerId = ?").run(customers.regular);
    db.sqlite
      .prepare(`INSERT INTO Nudge (kind, dedupeKey, dueAt, targetKind, targetId, customerId, payload, status, attempts, late, createdAt)
        VALUES ('reorder', ?, ?, 'rep', ?, ?, '{"cycle":"2027-01-07"}', 'pending', 0, 0, 0)`)
      .run(`reorder:${customers.regular}:2027-01-07`, at(21, 1).getTime(), zhang, customers.regular);
    const before = notifier.sent.length;
    await drain(at(21, 1), deliveryDeps(db.sqlite, notifier));
    const mine = () => notifier.sent.slice(before).filter((n) => n.kind === 'reorder' && n.dedupeKey === `reorder:${customers.regular}:2027-01-07`);
    expect(mine()).toEqual([]);
    await drain(at(21, 2), deliveryDeps(db.sqlite, notifier));
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
    const other = db.sqlite.prepare("SELECT id FROM Rep WHERE id <> ? AND active = 1 ORDER BY id LIMIT 1").pluck().get(zhang) as number;
    db.sqlite
      .prepare(`INSERT INTO Nudge (kind, dedupeKey, dueAt, targetKind, targetId, customerId, payload, status, attempts, late, createdAt)
        VALUES ('reorder', ?, ?, 'rep', ?, ?, '{"cycle":"2027-01-20"}', 'pending', 0, 0, 0)`)
      .run(`reorder:${customers.regular}:2027-01-20`, at(30, 1).getTime(), zhang, customers.regular);
    // A holiday greeting, the other nudge the agenda carries, moves the same way.
    db.sqlite
      .prepare(`INSERT INTO Nudge (kind, dedupeKey, dueAt, targetKind, targetId, customerId, payload, status, attempts, late, createdAt)
        VALUES ('holiday', 'holiday-test', ?, 'rep', ?, ?, '{"date":"2027-02-06","holiday":"spring","name":null}', 'pending', 0, 0, 0)`)
      .run(at(30, 1).getTime(), zhang, customers.regular);
    db.sqlite.prepare('UPDATE Customer SET ownerId = ? WHERE id = ?').run(other, customers.regular);
    expect(db.sqlite.prepare("SELECT targetId FROM Nudge WHERE dedupeKey = 'holiday-test'").pluck().get()).toBe(other);
    const targets = db.sqlite.prepare("SELECT dedupeKey, status, targetId FROM Nudge WHERE kind = 'reorder' AND customerId = ? ORDER BY id").all(customers.regular) as { dedupeKey: string; status: string; targetId: number }[];
    expect(targets.find((n) => n.dedupeKey.endsWith('2027-01-20'))).toMatchObject({ status: 'pending', targetId: other });
    expect(targets.filter((n) => n.status === 'sent').every((n) => n.targetId === zhang)).toBe(true);
    expect(targets.some((n) => n.status === 'sent')).toBe(true);
  });
});

describe('the team’s reorder factor, set from chat', () => {
  let db: Db;
  afterAll(async () => db?.cleanup());

  it('does plan a customer due at factor 1.0 not yet at 1.5, once the manager’s setting is scored', async () => {
    db = await demoDatabase(60);
    const zhang = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
    const regular = addCustomer(db, zhang, 'R1', REGULAR_DAYS);
    const clock = new ManualClock(at(1));
    const app = createDispatcher({ commands, services: servicesFor(db, clock), clock, logger: { error() {} } as never, defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' } });
    const setFactor = async (factor: string) => {
      const reply = await app.dispatch({ platform: 'console', userId: 'li.na@rapport.demo', text: `/rapport settings reorder ${factor}` });
      expect(textOf(reply)).toContain(`已更新 上海旗舰店：回购提醒改为常规购买间隔的 ${factor} 倍`);
      await recomputeScores(db, DEMO_ASOF);
    };
    const planned = () => db.sqlite.prepare("SELECT dueAt FROM Nudge WHERE kind = 'reorder' AND customerId = ?").pluck().all(regular);
    const dueDay = () => db.sqlite.prepare('SELECT reorderDueAt FROM ScoreSnapshot WHERE customerId = ?').pluck().get(regular);

    // 1.5 × 10 days after the purchase 8 days ago: due in 7 days, beyond Tuesday's planning horizon.
    await setFactor('1.5');
    expect(dueDay()).toBe(Date.parse('2027-01-11T00:00:00Z'));
    await runPlanning(db, at(1));
    expect(planned()).toEqual([]);

    await setFactor('1');
    expect(dueDay()).toBe(Date.parse('2027-01-06T00:00:00Z'));
    await runPlanning(db, at(1));
    expect(planned()).toEqual([Date.parse('2027-01-06T01:00:00Z')]);
  });
});
