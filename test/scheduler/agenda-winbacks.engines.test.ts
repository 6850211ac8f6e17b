import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Block } from '../../src/commands/reply.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import type { Notification } from '../../src/scheduler/notifier.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { describeEngines, type TestEngine, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, writeSnapshots } from './helpers.js';


const HOUR = 3_600_000;
/** DEMO_ASOF is a Monday 00:00 UTC; Shanghai agendas are at 01:00 UTC. */
const at = (days: number, hours = 0) => new Date(DEMO_ASOF.getTime() + days * DAY_MS + hours * HOUR);

// Renders the agenda.
describeEngines('win-back plans in the morning agenda', (engine) => winbacksInTheAgenda(engine));

function winbacksInTheAgenda(engine: TestEngine) {
  let db: TestStoreDatabase;
  let zhang: number;
  let atRisk: string[];
  let riskyIds: number[];
  const notifier = new RecordingNotifier();
  const agendaOf = (sent: Notification[]) => sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang);
  const winbackList = (notification: Notification | undefined) =>
    notification?.reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').startsWith('新的挽回计划'));

  beforeAll(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    zhang = (await db.kysely.selectFrom('Rep').select('id').where('email', '=', 'zhang.wei@rapport.demo').executeTakeFirstOrThrow()).id;
    const mine = await db.kysely.selectFrom('Customer').select(['id', 'name']).where('ownerId', '=', zhang).orderBy('id').execute();
    const risky = mine.slice(0, 2);
    riskyIds = risky.map((c) => c.id);
    await writeSnapshots(db, DEMO_ASOF, (id) => ({ lifecycle: riskyIds.includes(id) ? 'at_risk' : 'active', tier: 'B' }));
    atRisk = risky.map((c) => c.name);
  });
  afterAll(async () => db.cleanup());

  it('does list plans opened while the bot was down in the first agenda that goes out, once, with offer and deadline', async () => {
    // Plans open on Monday; the bot is then down until Wednesday, so Monday's and Tuesday's agendas never go out.
    await runPlanning(db, DEMO_ASOF);
    expect(await db.kysely.selectFrom('WinbackEpisode').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'open').executeTakeFirstOrThrow()).toEqual({ n: 2 });
    await runPlanning(db, at(2));
    // The first has a cross-sell suggestion on file, the second none.
    await db.kysely.updateTable('ScoreSnapshot').set({ crossSell: '彩妆', crossSellFrom: '护肤' }).where('customerId', '=', riskyIds[0]!).execute();
    await drain(at(2, 2), deliveryDeps(db, notifier));
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
    await drain(at(3, 2), deliveryDeps(db, notifier));
    expect(winbackList(agendaOf(notifier.sent.slice(before)))).toBeUndefined();
  });
}
