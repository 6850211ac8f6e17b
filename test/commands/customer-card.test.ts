import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CARD_FIELDS, type Block, type Reply } from '../../src/commands/reply.js';
import { CHEN_JING, commandHarness, fieldOf, NOW, type CommandHarness } from './helpers.js';

const DAY = 86_400_000;
const daysAgo = (days: number) => NOW.getTime() - days * DAY;

let h: CommandHarness;
let chen: number;
beforeAll(async () => {
  h = await commandHarness();
  chen = h.db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(CHEN_JING) as number;
});
afterAll(async () => h.cleanup());

/** A customer of 陈静's with these orders and this week's score row as the scoring run filed it. */
function customerWith(externalId: string, orders: [number, number, string | null, string | null, string?, string?][], score: Record<string, unknown> = {}): number {
  const id = Number(
    h.db.sqlite
      .prepare("INSERT INTO Customer (externalId, name, email, phone, ownerId, tags, createdAt, updatedAt) VALUES (?, ?, 'k@example.com', '+8613800000000', ?, '', 0, 0)")
      .run(externalId, `Kunde ${externalId}`, chen).lastInsertRowid,
  );
  const insert = h.db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, product, category, externalId, refundOf, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, 0)');
  for (const [ago, amount, product, category, orderId, refundOf] of orders) insert.run(id, daysAgo(ago), amount, product, category, orderId ?? null, refundOf ?? null);
  const row = { tier: 'B', valueBand: 'mid', longTail: 'head', lowMargin: 0, lifecycle: 'active', churnRisk: 0.2, crossSell: null, crossSellFrom: null, crossSellLift: null, ...score };
  h.db.sqlite
    .prepare(`INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, recencyDays, frequency, monetaryMinor, lifetimeMinor, orderCount, rScore, fScore, mScore,
        tier, valueBand, longTail, lowMargin, lifecycle, churnRisk, churnReason, crossSell, crossSellFrom, crossSellLift)
      VALUES (?, '2026-W48', ?, ?, 3, 5, 100000, 100000, ?, 3, 4, 2, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?)`)
    .run(id, NOW.getTime(), NOW.getTime(), orders.length, row.tier, row.valueBand, row.longTail, row.lowMargin, row.lifecycle, row.churnRisk, row.crossSell, row.crossSellFrom, row.crossSellLift);
  return id;
}

const card = (reply: Reply) => reply.blocks.find((b): b is Extract<Block, { type: 'card' }> => b.type === 'card')!;

describe('the card: what they buy', () => {
  it('does show the top 3 categories and products by 12-month spend, refunds netted, and the last 3 purchases', async () => {
    customerWith('K1', [
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

  it('does mark a purchase a refund names as refunded', async () => {
    customerWith('K2', [
      [9, 30_000, '精华液', '护肤', 'K2-1'],
      [2, -30_000, '精华液', '护肤', 'K2-R', 'K2-1'],
    ]);
    expect(fieldOf(await h.say(CHEN_JING, '/customer lookup K2'), 'Last purchases')).toBe('Nov 14, 2026 (9 days ago): 精华液 CN¥300.00 (refunded)');
  });

  it('does say never when nothing was bought, and leave out the tops', async () => {
    customerWith('K3', []);
    const reply = await h.say(CHEN_JING, '/customer lookup K3');
    expect(fieldOf(reply, 'Last purchases')).toBe('never');
    expect(fieldOf(reply, 'Top 3 (12 months)')).toBeUndefined();
  });

  it('does show the long-tail class, the low-profit marker and the cross-sell suggestion as the scoring run stored them', async () => {
    // Stored, not recomputed: these orders alone would make neither.
    customerWith('K4', [[3, 50_000, '精华液', '护肤']], { lowMargin: 1, longTail: 'long-tail', crossSell: '彩妆', crossSellFrom: '护肤', crossSellLift: 2.34 });
    const reply = await h.say(CHEN_JING, '/customer lookup K4');
    expect(fieldOf(reply, 'Tier')).toBe('B — keep engaged · mid value · low profit');
    expect(fieldOf(reply, 'R / F / M')).toBe('R 3 · F 4 · M 2 · long tail (rare, small orders)');
    expect(fieldOf(reply, 'Suggest')).toBe('彩妆: customers who buy 护肤 buy it 2.3× as often as others');
    customerWith('K5', [[3, 50_000, '精华液', '护肤']]);
    const plain = await h.say(CHEN_JING, '/customer lookup K5');
    expect(fieldOf(plain, 'Tier')).toBe('B — keep engaged · mid value');
    expect(fieldOf(plain, 'Suggest')).toBeUndefined();
  });

  it('does keep within Slack’s 10 fields a section and 16 a card when a customer has everything to show', async () => {
    const id = customerWith(
      'K6',
      [[3, 50_000, '精华液', '护肤'], [2, 40_000, '口红', '彩妆'], [1, 30_000, '香水', '香氛']],
      { lowMargin: 1, longTail: 'frequent-small', crossSell: 'Tea', crossSellFrom: '护肤', crossSellLift: 1.5, churnRisk: 0.4 },
    );
    h.db.sqlite.prepare("UPDATE Customer SET tags = 'vip,coffee', region = '上海', birthdayMonth = 11, birthdayDay = 25, birthdayYear = 1980 WHERE id = ?").run(id);
    h.db.sqlite.prepare("UPDATE ScoreSnapshot SET expected30 = 1.2, expected90 = 3, expectedAovMinor = 40000, clv12Minor = 900000 WHERE customerId = ?").run(id);
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
