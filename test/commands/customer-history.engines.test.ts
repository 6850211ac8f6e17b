import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block, Reply } from '../../src/commands/reply.js';
import { auditRows, button, CHEN_JING, commandHarness, NOW, repIdOf, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/customer history', (engine) => {
  const HOUR = 3_600_000;
  const hoursAgo = (hours: number) => NOW.getTime() - hours * HOUR;

  let h: AnyEngineHarness;
  const list = (reply: Reply) => reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list')!;

  beforeAll(async () => {
    h = await commandHarness({ engine });
    const zhang = await repIdOf(h.db, ZHANG_WEI);
    const customer = async (externalId: string, owner: number) =>
      (await h.db.kysely.insertInto('Customer').values({ externalId, name: `历史${externalId}`, ownerId: owner, tags: '', createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    // 12 entries for 张伟's H1: 8 orders (one refunded, one refund) and 4 contacts, every 10 hours back from NOW.
    const h1 = await customer('H1', zhang);
    const order = (hours: number, amountMinor: number, product: string | null, category: string, externalId: string | null, refundOf: string | null) =>
      ({ customerId: h1, orderedAt: hoursAgo(hours), amountMinor, product, category, externalId, refundOf, createdAt: 0 });
    const contact = (repId: number | null, kind: string, hours: number, text: string, satisfaction: number | null) =>
      ({ customerId: h1, repId, kind, at: hoursAgo(hours), text, satisfaction, createdAt: 0 });
    await h.db.kysely
      .insertInto('Order')
      .values([
        order(110, 12_000, '精华液', '护肤', 'H1-1', null),
        order(100, 8_000, '面霜', '护肤', 'H1-2', null),
        order(90, 30_000, '口红', '彩妆', 'H1-3', null),
        order(70, 5_000, null, '洗护', null, null),
        order(50, -30_000, '口红', '彩妆', 'H1-R', 'H1-3'),
        order(40, 9_000, '香水', '香氛', 'H1-5', null),
        order(20, 15_000, '面膜', '护肤', 'H1-6', null),
        order(5, 6_000, '洁面乳', '护肤', 'H1-7', null),
      ])
      .execute();
    await h.db.kysely
      .insertInto('Interaction')
      .values([
        contact(zhang, 'call', 80, '电话回访，精华液效果很好', 5),
        contact(zhang, 'complaint', 60, '口红颜色不对', 2),
        contact(null, 'visit', 30, 'x'.repeat(500), null),
        contact(zhang, 'email', 10, '', null),
      ])
      .execute();
    await customer('H2', await repIdOf(h.db, CHEN_JING));
  });
  afterAll(async () => h.cleanup());

  describe('/customer history', () => {
    it('does show orders and contacts newest first, 10 a page, in the asker’s language and zone, privately', async () => {
      const reply = await h.say(ZHANG_WEI, '/customer history H1');
      expect(reply.visibility).toBe('private');
      const page = list(reply);
      expect(page.title).toBe('历史H1（H1）的记录');
      expect(page.items).toHaveLength(10);
      expect(page.footer).toBe('第 1 / 2 页 · 共 12 条。');
      // Shanghai time: NOW (09:30) less 5 hours.
      expect(page.items[0]).toEqual({ primary: '2026年11月23日 · 订单: 洁面乳', secondary: '护肤 · ¥60.00 · 订单号 H1-7' });
      expect(page.items[1]).toEqual({ primary: '2026年11月22日 23:30 · 邮件', secondary: '张伟' });
      expect(page.items[3]!.primary).toBe('2026年11月22日 03:30 · 到访');
      expect(page.items[3]!.secondary).toBe(`未注明销售 · ${'x'.repeat(300)}…`);
      expect(page.items[5]).toEqual({ primary: '2026年11月21日 · 订单: 口红', secondary: '彩妆 · -¥300.00 · H1-3 的退款 · 订单号 H1-R' });
      expect(page.items[6]).toEqual({ primary: '2026年11月20日 21:30 · 投诉', secondary: '张伟 · 评分 2/5 · 口红颜色不对' });
      expect(page.items[8]!.primary).toBe('2026年11月20日 01:30 · 电话');
      expect(page.paging).toMatchObject({ page: 1, pages: 2, next: { typed: '/customer history H1 --page 2' } });

      const second = list(await h.press(ZHANG_WEI, button(reply, '下一页')));
      expect(second.footer).toBe('第 2 / 2 页 · 共 12 条。');
      expect(second.items.map((i) => i.primary)).toEqual(['2026年11月19日 · 订单: 面霜', '2026年11月18日 · 订单: 精华液']);
      expect(second.paging?.next).toBeUndefined();
    });

    it('does mark the refunded purchase, and follow the asker’s own language and zone once they set them', async () => {
      await h.say(ZHANG_WEI, '/rapport prefs language en timezone UTC');
      const page = list(await h.say(ZHANG_WEI, '/customer history H1 --page 1'));
      expect(page.title).toBe('History of 历史H1 (H1)');
      expect(page.items.find((i) => i.primary.endsWith('order: 口红') && i.secondary!.startsWith('彩妆 · CN¥300.00'))!.secondary).toBe('彩妆 · CN¥300.00 · refunded · order H1-3');
      expect(page.items[0]!.primary).toBe('Nov 22, 2026 · order: 洁面乳');
      expect(page.items[1]!.primary).toBe('Nov 22, 2026, 3:30 PM · email');
      await h.say(ZHANG_WEI, '/rapport prefs language team timezone team');
    });

    it('does answer for another rep’s customer exactly as for a missing one, and audit what it showed', async () => {
      const other = textOf(await h.say(ZHANG_WEI, '/customer history H2'));
      const missing = textOf(await h.say(ZHANG_WEI, '/customer history H9'));
      expect(other.replace('H2', 'X')).toBe(missing.replace('H9', 'X'));
      expect(textOf(await h.say(CHEN_JING, '/customer history H2'))).toBe('No orders or logged contacts for 历史H2 yet.');
      expect((await auditRows(h.db)).at(-1)).toMatchObject({ action: 'customer.history', target: expect.stringMatching(/^customer:\d+$/), detail: 'page 1' });
      expect(textOf(await h.say(ZHANG_WEI, '/customer history H1 --page 3'))).toBe('没有第 3 页：列表共 2 页。');
    });
  });
});
