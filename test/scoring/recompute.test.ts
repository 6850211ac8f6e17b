import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoteTier } from '../../src/domain/analytics/rfm.js';
import { logNormal, seededRandom } from '../../src/domain/random.js';
import { heldOutViews, readBase, recomputeScores } from '../../src/scoring/recompute.js';
import { buildWeeklyDigest } from '../../src/scheduler/weekly-digest.js';
import { latestSnapshot } from '../../src/scoring/snapshots.js';
import { openTempDatabase } from '../helpers/temp-database.js';

const DAY = 86_400_000;
const AS_OF = new Date('2026-11-23T12:00:00Z');
const day = (offset: number) => Date.parse('2026-11-23T00:00:00Z') + offset * DAY;

let db: Awaited<ReturnType<typeof openTempDatabase>>;
beforeEach(async () => {
  db = await openTempDatabase();
});
afterEach(async () => {
  await db.cleanup();
});

function addCustomer(externalId: string, status = 'none', statusChangedAt: number | null = null): number {
  const now = day(-800);
  return Number(
    db.sqlite
      .prepare('INSERT INTO Customer (externalId, name, status, statusChangedAt, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)')
      .run(externalId, `Customer ${externalId}`, status, statusChangedAt, now, now).lastInsertRowid,
  );
}

function addOrders(customerId: number, days: number[], amountMinor: number, marginMinor: number | null = null, category: string | null = null): void {
  const insert = db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, marginMinor, category, createdAt) VALUES (?, ?, ?, ?, ?, ?)');
  for (const d of days) insert.run(customerId, day(d) + 10 * 3_600_000, amountMinor, marginMinor, category, day(d));
}

/** Thirty regulars buying every `every` days for a year, each order around their own typical amount, so the models have a base to fit. */
function addRegulars(): void {
  const random = seededRandom(3);
  for (let i = 0; i < 30; i++) {
    const id = addCustomer(`R${i}`);
    const every = 10 + i;
    for (let k = 0; k < Math.floor(360 / every); k++) addOrders(id, [-360 + k * every + (i % 5)], Math.round(logNormal(random, 5_000 + i * 300, 0.4)));
  }
}

/**
 * Twenty former regulars who bought every 12–31 days, each around their own typical order
 * (60.00 give or take), and stopped at different times, 60 to 440 days ago: beside the regulars,
 * a base in which customers do drop out and spend varies within and between customers, so the
 * purchase model and Gamma-Gamma have something to fit. (With the regulars alone nobody ever
 * drops out and no one's spend varies: neither fit is identified. With one typical order for
 * everyone, Gamma-Gamma runs off to q, γ → ∞: no spread between customers.)
 */
function addFormerRegulars(): void {
  const random = seededRandom(7);
  for (let i = 0; i < 20; i++) {
    const id = addCustomer(`F${i}`);
    const every = 12 + i;
    const stop = -60 - 20 * i;
    const typical = logNormal(random, 6_000, 0.6);
    for (let d = -700 + (i % 3); d <= stop; d += every) addOrders(id, [d], Math.round(logNormal(random, typical, 0.5)));
  }
}

/**
 * Forty occasional buyers (two to four orders in two years): repeat buyers with few purchases,
 * whose mean order still varies a lot, are what tells Gamma-Gamma how much spend varies within
 * a customer (regulars' means over dozens of orders hardly do).
 */
function addOccasionals(): void {
  const random = seededRandom(5);
  for (let i = 0; i < 40; i++) {
    const id = addCustomer(`S${i}`);
    const typical = logNormal(random, 6_000, 0.6);
    const count = 2 + (i % 3);
    for (let k = 0; k < count; k++) addOrders(id, [-700 + Math.floor(random() * 690)], Math.round(logNormal(random, typical, 0.5)));
  }
}

describe('recomputeScores', () => {
  it('does score prospects, regulars, overdue and lost customers and write one row each', async () => {
    addRegulars();
    addFormerRegulars();
    addOccasionals();
    const prospect = addCustomer('P');
    const overdue = addCustomer('O');
    addOrders(overdue, [-200, -182, -164, -146, -128, -64], 20_000);
    const lost = addCustomer('L', 'lost', day(-10));
    addOrders(lost, [-300, -250], 9_000);

    const report = await recomputeScores(db, AS_OF);
    expect(report).toMatchObject({ week: '2026-W48', customers: 93 });
    expect(report.models.purchases.status).toBe('converged');
    expect(report.models.spend.status).toBe('converged');
    expect(report.models.timeUnit).toBe('days');
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM ScoreSnapshot').pluck().get()).toBe(93);

    expect(latestSnapshot(db.sqlite, prospect)).toMatchObject({ lifecycle: 'prospect', tier: 'D', rScore: null, churnRisk: null, churnReason: { code: 'no_orders' } });
    const o = latestSnapshot(db.sqlite, overdue)!;
    expect(o.lifecycle).toBe('lapsed');
    // Purchase days −200…−128 every 18 days, then −64: gaps 18, 18, 18, 18, 64 → median 18.
    // Too small a base to calibrate on: churn risk is the purchase model's P(no purchase in 90 days).
    expect(o.churnReason).toMatchObject({ code: 'overdue_vs_rhythm', typicalIntervalDays: 18, daysSinceLast: 64, riskBasis: 'model' });
    const regular = latestSnapshot(db.sqlite, Number(db.sqlite.prepare("SELECT id FROM Customer WHERE externalId = 'R0'").pluck().get()))!;
    expect(regular.lifecycle).toBe('active');
    expect(o.churnRisk).toBeGreaterThan(regular.churnRisk! + 0.1);
    expect(o.pAlive).toBeGreaterThanOrEqual(0);
    expect(o.pAlive).toBeLessThan(regular.pAlive!);
    expect(latestSnapshot(db.sqlite, lost)).toMatchObject({ lifecycle: 'lost', churnRisk: 1, expected30: 0, clv12Minor: 0 });
  });

  it('does count refunds and free items as money, never as purchases, and keep expected spend and value non-negative', async () => {
    addRegulars();
    addFormerRegulars();
    addOccasionals();
    const refunded = addCustomer('REFUNDED');
    addOrders(refunded, [-40], 5_000);
    addOrders(refunded, [-22], -5_000);
    // A refund of something bought before the history starts, then two purchases: net negative, still a buyer.
    const negative = addCustomer('NEGATIVE');
    addOrders(negative, [-300], -9_000);
    addOrders(negative, [-200, -100], 2_000);
    // Refunds larger than the repeat spend: they come off the last purchase, then the one before.
    const heavy = addCustomer('HEAVY');
    addOrders(heavy, [-200], 10_000);
    addOrders(heavy, [-100], 2_000);
    addOrders(heavy, [-50], -3_000);
    const free = addCustomer('FREE');
    addOrders(free, [-30, -10], 0);
    const report = await recomputeScores(db, AS_OF);
    expect(report.models.spend.status).toBe('converged');
    // Bought once and got all the money back: no purchase kept.
    expect(latestSnapshot(db.sqlite, refunded)).toMatchObject({ orderCount: 2, frequency: 0, lifetimeMinor: 0, lifecycle: 'prospect', churnReason: { code: 'no_purchases' } });
    const n = latestSnapshot(db.sqlite, negative)!;
    expect(n.lifetimeMinor).toBe(-5_000);
    expect(n.frequency).toBe(2);
    expect(n.expectedAovMinor).toBeGreaterThan(0);
    expect(n.clv12Minor).toBeGreaterThanOrEqual(0);
    expect(latestSnapshot(db.sqlite, heavy)).toMatchObject({ frequency: 1, monetaryMinor: 9_000, lifetimeMinor: 9_000 });
    expect(latestSnapshot(db.sqlite, heavy)!.expectedAovMinor).toBeGreaterThan(0);
    expect(latestSnapshot(db.sqlite, free)).toMatchObject({ orderCount: 2, frequency: 0, monetaryMinor: 0, rScore: null, churnRisk: null, churnReason: { code: 'no_purchases' } });
  });

  it('does score customers whose stored orders go back before 1970, as an older version let them in', async () => {
    addRegulars();
    const old = addCustomer('OLD');
    const insert = db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, ?, 0)');
    for (const iso of ['1900-01-01', '1969-12-31', '1969-12-31']) insert.run(old, Date.parse(`${iso}T00:00:00Z`), 1_000);
    addOrders(old, [-30], 1_000);
    const report = await recomputeScores(db, AS_OF);
    expect(report.customers).toBe(31);
    expect(latestSnapshot(db.sqlite, old)).toMatchObject({ orderCount: 4, lifetimeMinor: 4_000, recencyDays: 30, lastOrderAt: new Date(day(-30)) });
  });

  it('does ignore orders after the as-of day and count recency in whole days', async () => {
    addRegulars();
    const id = addCustomer('X');
    addOrders(id, [-30, -10, 0, 1, 5], 1_000);
    await recomputeScores(db, AS_OF);
    expect(latestSnapshot(db.sqlite, id)).toMatchObject({ orderCount: 3, recencyDays: 0, lifetimeMinor: 3_000, lastOrderAt: new Date(day(0)) });
  });

  it('does overwrite the week’s row on a second run and keep older weeks as history', async () => {
    addRegulars();
    const id = addCustomer('W');
    addOrders(id, [-100, -80, -60, -40, -20], 10_000);
    await recomputeScores(db, new Date(day(-7)));
    await recomputeScores(db, AS_OF);
    addOrders(id, [-1], 10_000);
    await recomputeScores(db, AS_OF);
    const history = db.sqlite.prepare('SELECT week, orderCount FROM ScoreSnapshot WHERE customerId = ? ORDER BY week').all(id);
    expect(history).toEqual([{ week: '2026-W47', orderCount: 5 }, { week: '2026-W48', orderCount: 6 }]);
  });

  it('does show a customer newly at risk in the digest against the previous scored week', async () => {
    addRegulars();
    const id = addCustomer('M');
    addOrders(id, [-120, -110, -100, -90, -80, -70, -60, -50, -40, -30], 10_000);
    await recomputeScores(db, new Date(day(-28)));
    await recomputeScores(db, AS_OF);
    const lifecycles = db.sqlite.prepare('SELECT week, lifecycle FROM ScoreSnapshot WHERE customerId = ? ORDER BY week').all(id);
    expect(lifecycles).toEqual([{ week: '2026-W44', lifecycle: 'active' }, { week: '2026-W48', lifecycle: 'at_risk' }]);
    const digest = await buildWeeklyDigest(db, { kind: 'all' }, AS_OF, 'UTC');
    expect([digest.week, digest.previousWeek]).toEqual(['2026-W48', '2026-W44']);
    expect(digest.newlyAtRisk.map((c) => c.id)).toContain(id);
  });

  it('does demote a low-margin customer one tier and band below an identical full-margin one', async () => {
    addRegulars();
    const full = addCustomer('F');
    const thin = addCustomer('T');
    addOrders(full, [-50, -40, -30, -20, -10], 90_000, 30_000);
    addOrders(thin, [-50, -40, -30, -20, -10], 90_000, 1_000);
    await recomputeScores(db, AS_OF);
    const [a, b] = [latestSnapshot(db.sqlite, full)!, latestSnapshot(db.sqlite, thin)!];
    expect([a.rScore, a.fScore, a.mScore]).toEqual([b.rScore, b.fScore, b.mScore]);
    expect(a.tier).not.toBe('D');
    expect(b.tier).toBe(demoteTier(a.tier));
    expect(a.valueBand).toBe('high');
    expect(b.valueBand).toBe('mid');
  });

  it('does report BG/NBD as not converged and use the rhythm rule when nobody in the base drops out', async () => {
    // Every regular is on rhythm: the likelihood keeps rising as a, b → 0 (nobody with two or
    // more repeat purchases ever drops out), which is no identified optimum.
    addRegulars();
    const report = await recomputeScores(db, AS_OF);
    expect(report.models.purchases.status).toBe('not_converged');
    const id = Number(db.sqlite.prepare("SELECT id FROM Customer WHERE externalId = 'R0'").pluck().get());
    expect(latestSnapshot(db.sqlite, id)).toMatchObject({ pAlive: null, expected30: null, clv12Minor: null, churnReason: { riskBasis: 'rhythm' } });
  });

  it('does fall back to the rhythm rule and say so when too few customers repeat to fit BG/NBD', async () => {
    const id = addCustomer('S');
    addOrders(id, [-40, -20], 1_000);
    const report = await recomputeScores(db, AS_OF);
    expect(report.models.purchases.status).toBe('too_few_repeat_buyers');
    expect(latestSnapshot(db.sqlite, id)).toMatchObject({ pAlive: null, expected30: null, clv12Minor: null, churnReason: { riskBasis: 'rhythm' } });
  });

  it('does rank customers against their own team with that team’s window', async () => {
    addRegulars();
    const team = Number(db.sqlite.prepare("INSERT INTO Team (name, settings, createdAt) VALUES ('Solo', ?, 0)").run(JSON.stringify({ scoring: { rfmWindowDays: 30 } })).lastInsertRowid);
    const rep = Number(db.sqlite.prepare("INSERT INTO Rep (email, name, teamId, createdAt, updatedAt) VALUES ('a@x', 'A', ?, 0, 0)").run(team).lastInsertRowid);
    const id = addCustomer('T1');
    db.sqlite.prepare('UPDATE Customer SET ownerId = ? WHERE id = ?').run(rep, id);
    addOrders(id, [-100, -50, -20, -5], 1_000);
    await recomputeScores(db, AS_OF);
    // Alone in its team it ranks first; only the last 30 days count towards F and M.
    expect(latestSnapshot(db.sqlite, id)).toMatchObject({ rScore: 1, frequency: 2, monetaryMinor: 2_000 });
  });

  it('does store the low-margin marker and the long-tail class with the scores', async () => {
    addRegulars();
    const thin = addCustomer('T');
    addOrders(thin, [-50, -40, -30, -20, -10], 90_000, 1_000);
    const rareSmall = addCustomer('RS');
    addOrders(rareSmall, [-200], 500);
    const rareLarge = addCustomer('RL');
    addOrders(rareLarge, [-200], 900_000);
    const prospect = addCustomer('P');
    await recomputeScores(db, AS_OF);
    expect(latestSnapshot(db.sqlite, thin)).toMatchObject({ lowMargin: true, longTail: 'rare-large' });
    expect(latestSnapshot(db.sqlite, rareSmall)).toMatchObject({ lowMargin: false, longTail: 'long-tail' });
    expect(latestSnapshot(db.sqlite, rareLarge)).toMatchObject({ longTail: 'rare-large' });
    expect(latestSnapshot(db.sqlite, prospect)).toMatchObject({ longTail: 'none' });
  });

  it('does suggest the category a team’s customers buy with theirs, and nothing on thin support', async () => {
    for (let i = 0; i < 60; i++) {
      const id = addCustomer(`AB${i}`);
      addOrders(id, [-30 - i], 5_000, null, '护肤');
      addOrders(id, [-20 - i], 3_000, null, '彩妆');
    }
    const onlyA = addCustomer('A');
    addOrders(onlyA, [-15], 5_000, null, '护肤');
    for (let i = 0; i < 100; i++) addOrders(addCustomer(`C${i}`), [-10 - i], 4_000, null, '香氛');
    const report = await recomputeScores(db, AS_OF);
    expect(latestSnapshot(db.sqlite, onlyA)!.crossSell).toEqual({ category: '彩妆', from: '护肤', lift: expect.closeTo((60 * 161) / (61 * 60), 4) });
    expect(report.elapsedMs.crossSell).toBeGreaterThanOrEqual(0);
    // With fewer than 20 customers behind the pair, no rule and no suggestion.
    db.sqlite.prepare("DELETE FROM \"Order\" WHERE category = '彩妆' AND customerId IN (SELECT id FROM Customer WHERE externalId GLOB 'AB[2-9]*')").run();
    await recomputeScores(db, AS_OF);
    expect(latestSnapshot(db.sqlite, onlyA)!.crossSell).toBeNull();
  });

  it('does give a regular customer a reorder day and keep it on the customer for the planner, and none to others', async () => {
    addRegulars();
    const regular = addCustomer('REG');
    addOrders(regular, [-100, -80, -60, -40, -20], 5_000);
    const oneTime = addCustomer('ONE');
    addOrders(oneTime, [-20], 5_000);
    const irregular = addCustomer('IRR');
    addOrders(irregular, [-200, -195, -100, -90, -20], 5_000);
    const rep = Number(db.sqlite.prepare("INSERT INTO Rep (email, name, createdAt, updatedAt) VALUES ('a@x', 'A', 0, 0)").run().lastInsertRowid);
    db.sqlite.prepare("UPDATE Customer SET ownerId = ? WHERE externalId IN ('REG', 'ONE', 'IRR')").run(rep);
    await recomputeScores(db, AS_OF);
    const due = (id: number) => db.sqlite.prepare('SELECT reorderDueAt FROM Customer WHERE id = ?').pluck().get(id);
    expect(latestSnapshot(db.sqlite, regular)!.reorderDueAt).toEqual(new Date(day(0)));
    expect(due(regular)).toBe(day(0));
    for (const id of [oneTime, irregular]) {
      expect(latestSnapshot(db.sqlite, id)!.reorderDueAt).toBeNull();
      expect(due(id)).toBeNull();
    }
    // Without an owner there is nobody to remind.
    db.sqlite.prepare('UPDATE Customer SET ownerId = NULL WHERE id = ?').run(regular);
    await recomputeScores(db, AS_OF);
    expect(due(regular)).toBeNull();
  });
});

describe('readBase', () => {
  it('does read every order of every customer when the orders come a thousand customers at a time, ids with gaps', () => {
    // 2,600 customers with ids in three runs far apart, the read's batches cutting through each run.
    const insert = db.sqlite.prepare("INSERT INTO Customer (id, externalId, name, createdAt, updatedAt) VALUES (?, ?, 'c', 0, 0)");
    const order = db.sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, category, createdAt) VALUES (?, ?, 1000, ?, 0)');
    const ids = [...Array.from({ length: 1200 }, (_, k) => k + 1), ...Array.from({ length: 900 }, (_, k) => 50_000 + k), ...Array.from({ length: 500 }, (_, k) => 3_000_000 + 7 * k)];
    db.sqlite.transaction(() => {
      for (const id of ids) {
        insert.run(id, `G${id}`);
        // 0–3 orders, one of them after the as-of day (not read).
        for (let k = 0; k < id % 4; k++) order.run(id, day(-10 * (k + 1)), k % 2 ? 'Tea' : 'Coffee');
        if (id % 5 === 0) order.run(id, day(3), 'Tea');
      }
    })();
    const base = db.sqlite.transaction(() => readBase(db.sqlite, heldOutViews(Math.floor(AS_OF.getTime() / DAY), 90), { categories: true }))();
    const today = base.histories[2]!;
    expect(base.orders).toBe(ids.reduce((n, id) => n + (id % 4), 0));
    expect(Array.from(base.customerIds)).toEqual(ids);
    ids.forEach((id, slot) => {
      expect(today.orderCount[slot], `customer ${id}`).toBe(id % 4);
      const bought = base.categories!.offsets[slot + 1]! - base.categories!.offsets[slot]!;
      expect(bought, `customer ${id}`).toBe(Math.min(id % 4, 2));
    });
  });
});
