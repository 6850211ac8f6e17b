import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CARD_FIELDS, type Block, type Reply } from '../../src/commands/reply.js';
import type { Insertable } from 'kysely';
import type { Schema } from '../../src/db/schema.js';
import { CHEN_JING, commandHarness, fieldOf, NOW, repIdOf, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('the customer card', (engine) => {
  const DAY = 86_400_000;
  const daysAgo = (days: number) => NOW.getTime() - days * DAY;

  let h: AnyEngineHarness;
  let chen: number;
  beforeAll(async () => {
    h = await commandHarness({ engine });
    chen = await repIdOf(h.db, CHEN_JING);
  });
  afterAll(async () => h.cleanup());

  /** A customer of 陈静's with these orders and this week's score row as the scoring run filed it. */
  async function customerWith(
    externalId: string, orders: [number, number, string | null, string | null, string?, string?][], score: Partial<Insertable<Schema['ScoreSnapshot']>> = {},
  ): Promise<number> {
    const { id } = await h.db.kysely
      .insertInto('Customer')
      .values({ externalId, name: `Kunde ${externalId}`, email: 'k@example.com', phone: '+8613800000000', ownerId: chen, tags: '', createdAt: 0, updatedAt: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (orders.length > 0) {
      await h.db.kysely
        .insertInto('Order')
        .values(orders.map(([ago, amountMinor, product, category, orderId, refundOf]) => ({
          customerId: id, orderedAt: daysAgo(ago), amountMinor, product, category, externalId: orderId ?? null, refundOf: refundOf ?? null, createdAt: 0,
        })))
        .execute();
    }
    await h.db.kysely
      .insertInto('ScoreSnapshot')
      .values({
        customerId: id, week: '2026-W48', computedAt: NOW.getTime(), asOf: NOW.getTime(), recencyDays: 3, frequency: 5, monetaryMinor: 100000, lifetimeMinor: 100000,
        orderCount: orders.length, rScore: 3, fScore: 4, mScore: 2, tier: 'B', valueBand: 'mid', longTail: 'head', lowMargin: false, lifecycle: 'active', churnRisk: 0.2,
        churnReason: '{}', crossSell: null, crossSellFrom: null, crossSellLift: null, ...score,
      })
      .execute();
    return id;
  }

  const card = (reply: Reply) => reply.blocks.find((b): b is Extract<Block, { type: 'card' }> => b.type === 'card')!;

  describe('the card: what they buy', () => {
    it('does show the top 3 categories and products by 12-month spend, refunds netted, and the last 3 purchases', async () => {
      await customerWith('K1', [
        [400, 500_000, 'Gift box', '礼品'], // older than 12 months: not in the tops
        [60, 30_000, '精华液', '护肤', 'K1-1'],
        [50, 20_000, '面霜', '护肤'],
        [40, 40_000, '口红', '彩妆'],
        [30, 12_000, '香水', '香氛'],
        [20, 10_000, '洗发水', '洗护'],
        [10, -35_000, '精华液', '护肤', 'K1-R', 'K1-1'], // refunds the serum, and then some of the 护肤 spend
        [5, 9_000, null, null],
      ]);
      const reply = await h.say(CHEN_JING, '/customer lookup K1');
      expect(fieldOf(reply, 'Top 3 (12 months)')).toBe('categories: 彩妆 CN¥400.00 · 护肤 CN¥150.00 · 香氛 CN¥120.00\nproducts: 口红 CN¥400.00 · 面霜 CN¥200.00 · 香水 CN¥120.00');
      expect(fieldOf(reply, 'Last purchases')).toBe('Nov 18, 2026 (5 days ago): item CN¥90.00 · Nov 3, 2026: 洗发水 CN¥100.00 · Oct 24, 2026: 香水 CN¥120.00');
      expect(card(reply).sections[1]!.title).toBe('What they buy');
    });

    it('does take a category or product written in several cases as one, beyond ASCII too, shown in its first spelling', async () => {
      await customerWith('K7', [
        [30, 10_000, 'Ölfarbe', 'Öl'],
        [20, 20_000, 'ÖLFARBE', 'öl'],
        [10, 5_000, 'Écharpe', 'ÖL '],
        [5, 1_000, 'écharpe', 'Tee'],
      ]);
      expect(fieldOf(await h.say(CHEN_JING, '/customer lookup K7'), 'Top 3 (12 months)')).toBe(
        'categories: ÖL CN¥350.00 · Tee CN¥10.00\nproducts: ÖLFARBE CN¥300.00 · Écharpe CN¥60.00',
      );
    });

    it('does mark a purchase a refund names as refunded', async () => {
      await customerWith('K2', [
        [9, 30_000, '精华液', '护肤', 'K2-1'],
        [2, -30_000, '精华液', '护肤', 'K2-R', 'K2-1'],
      ]);
      expect(fieldOf(await h.say(CHEN_JING, '/customer lookup K2'), 'Last purchases')).toBe('Nov 14, 2026 (9 days ago): 精华液 CN¥300.00 (refunded)');
    });

    it('does say never when nothing was bought, and leave out the tops', async () => {
      await customerWith('K3', []);
      const reply = await h.say(CHEN_JING, '/customer lookup K3');
      expect(fieldOf(reply, 'Last purchases')).toBe('never');
      expect(fieldOf(reply, 'Top 3 (12 months)')).toBeUndefined();
    });

    it('does show the long-tail class, the low-profit marker and the cross-sell suggestion as the scoring run stored them', async () => {
      // Stored, not recomputed: these orders alone would make neither.
      await customerWith('K4', [[3, 50_000, '精华液', '护肤']], { lowMargin: true, longTail: 'long-tail', crossSell: '彩妆', crossSellFrom: '护肤', crossSellLift: 2.34 });
      const reply = await h.say(CHEN_JING, '/customer lookup K4');
      expect(fieldOf(reply, 'Tier')).toBe('B — keep engaged · mid value · low profit');
      expect(fieldOf(reply, 'R / F / M')).toBe('R 3 · F 4 · M 2 · long tail (rare, small orders)');
      expect(fieldOf(reply, 'Suggest')).toBe('彩妆: customers who buy 护肤 buy it 2.3× as often as others');
      await customerWith('K5', [[3, 50_000, '精华液', '护肤']]);
      const plain = await h.say(CHEN_JING, '/customer lookup K5');
      expect(fieldOf(plain, 'Tier')).toBe('B — keep engaged · mid value');
      expect(fieldOf(plain, 'Suggest')).toBeUndefined();
    });

    it('does keep within Slack’s 10 fields a section and 16 a card when a customer has everything to show', async () => {
      const id = await customerWith(
        'K6',
        [[3, 50_000, '精华液', '护肤'], [2, 40_000, '口红', '彩妆'], [1, 30_000, '香水', '香氛']],
        { lowMargin: true, longTail: 'frequent-small', crossSell: 'Tea', crossSellFrom: '护肤', crossSellLift: 1.5, churnRisk: 0.4 },
      );
      await h.db.kysely.updateTable('Customer').set({ tags: 'vip,coffee', region: '上海', birthdayMonth: 11, birthdayDay: 25, birthdayYear: 1980 }).where('id', '=', id).execute();
      await h.db.kysely.updateTable('ScoreSnapshot').set({ expected30: 1.2, expected90: 3, expectedAovMinor: 40000, clv12Minor: 900000 }).where('customerId', '=', id).execute();
      await h.say(CHEN_JING, '/customer note K6 called about the refill --kind call --satisfaction 4');
      await h.say(CHEN_JING, '/complaint K6 the refill came late');
      await h.say(CHEN_JING, '/callback K6 tomorrow 10am');
      const reply = await h.say(CHEN_JING, '/customer lookup K6');
      expect(fieldOf(reply, 'Care')).toBe('Satisfaction: last 4/5 (1 rating)\nOpen complaints: 1');
      expect(fieldOf(reply, 'Contact')).toBe('k@example.com · +8613800000000');
      const fields = card(reply).sections.map((s) => s.fields.length);
      expect(fields.reduce((a, b) => a + b, 0)).toBe(MAX_CARD_FIELDS);
      expect(Math.max(...fields)).toBeLessThanOrEqual(10);
    });
  });
});
