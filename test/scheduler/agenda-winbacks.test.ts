import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block } from '../../src/commands/reply.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import type { Notification } from '../../src/scheduler/notifier.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, writeSnapshots } from './helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;

const HOUR = 3_600_000;
/** DEMO_ASOF is a Monday 00:00 UTC; Shanghai agendas are at 01:00 UTC. */
const at = (days: number, hours = 0) => new Date(DEMO_ASOF.getTime() + days * DAY_MS + hours * HOUR);

describe('win-back plans in the morning agenda', () => {
  let db: Db;
  let zhang: number;
  let atRisk: string[];
  let riskyIds: number[];
  const notifier = new RecordingNotifier();
  const agendaOf = (sent: Notification[]) => sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang);
  const winbackList = (notification: Notification | undefined) =>
    notification?.reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').startsWith('新的挽回计划'));

  beforeAll(async () => {
    db = await demoDatabase(60);
    zhang = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
    const mine = new Set(db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ?').pluck().all(zhang) as number[]);
    const risky = [...mine].slice(0, 2);
    writeSnapshots(db.sqlite, DEMO_ASOF, (id) => ({ lifecycle: risky.includes(id) ? 'at_risk' : 'active', tier: 'B' }));
    riskyIds = risky;
    atRisk = risky.map((id) => db.sqlite.prepare('SELECT name FROM Customer WHERE id = ?').pluck().get(id) as string);
  });
  afterAll(async () => db.cleanup());

  it('does list plans opened while the bot was down in the first agenda that goes out, once, with offer and deadline', async () => {
    // Plans open on Monday; the bot is then down until Wednesday, so Monday's and Tuesday's agendas never go out.
    await runPlanning(db, DEMO_ASOF);
    expect(db.sqlite.prepare("SELECT COUNT(*) FROM WinbackEpisode WHERE status = 'open'").pluck().get()).toBe(2);
    await runPlanning(db, at(2));
    // The first has a cross-sell suggestion on file, the second none.
    db.sqlite.prepare("UPDATE ScoreSnapshot SET crossSell = '彩妆', crossSellFrom = '护肤' WHERE customerId = ?").run(riskyIds[0]);
    await drain(at(2, 2), deliveryDeps(db.sqlite, notifier));
    expect(notifier.sent.filter((n) => n.kind === 'winback')).toEqual([]);
    const wednesday = winbackList(agendaOf(notifier.sent));
    expect(wednesday?.title).toBe('新的挽回计划 (2)');
    expect(wednesday?.items.map((i) => i.primary).sort()).toEqual([...atRisk].sort());
    const lineOf = (name: string) => wednesday?.items.find((i) => i.primary === name)?.secondary;
    expect(lineOf(atRisk[0]!)).toMatch(/前挽回 · 针对常购商品的会员优惠 · 买护肤的客户也常买彩妆$/);
    expect(lineOf(atRisk[1]!)).toMatch(/前挽回 · 针对常购商品的会员优惠$/);
    expect(wednesday?.footer).toBe('截止日期前没有购买，客户将标记为已流失，提醒随之停止（及时止损）。');

    const before = notifier.sent.length;
    await runPlanning(db, at(3));
    await drain(at(3, 2), deliveryDeps(db.sqlite, notifier));
    expect(winbackList(agendaOf(notifier.sent.slice(before)))).toBeUndefined();
  });
});
