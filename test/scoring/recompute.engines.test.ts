import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoteTier } from '../../src/domain/analytics/rfm.js';
import { logNormal, seededRandom } from '../../src/domain/random.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { ensureScoresCurrent, heldOutViews, readBase, recomputeScores, scoresFreshness } from '../../src/scoring/recompute.js';
import { buildWeeklyDigest } from '../../src/scheduler/weekly-digest.js';
import { latestSnapshot } from '../../src/scoring/snapshots.js';
import { describeEngines, openTestDatabase, type TestEngine, type TestStoreDatabase } from '../helpers/engines.js';

const DAY = 86_400_000;
const AS_OF = new Date('2026-11-23T12:00:00Z');
const day = (offset: number) => Date.parse('2026-11-23T00:00:00Z') + offset * DAY;

describeEngines('scoring', (engine: TestEngine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => {
    await db.cleanup();
  });

  async function addCustomer(externalId: string, status = 'none', statusChangedAt: number | null = null): Promise<number> {
    const now = day(-800);
    const { id } = await db.kysely
      .insertInto('Customer')
      .values({ externalId, name: `Customer ${externalId}`, status, statusChangedAt, createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async function addOrders(customerId: number, days: number[], amountMinor: number, marginMinor: number | null = null, category: string | null = null): Promise<void> {
    if (days.length === 0) return;
    await db.kysely
      .insertInto('Order')
      .values(days.map((d) => ({ customerId, orderedAt: day(d) + 10 * 3_600_000, amountMinor, marginMinor, category, createdAt: day(d) })))
      .execute();
  }

  const idOf = async (externalId: string) => (await db.kysely.selectFrom('Customer').select('id').where('externalId', '=', externalId).executeTakeFirstOrThrow()).id;
  const addRep = async (teamId: number | null) =>
    (await db.kysely.insertInto('Rep').values({ email: 'a@x', name: 'A', teamId, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
  const snapshotCount = async () => Number((await db.kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  /** Thirty regulars buying every `every` days for a year, each order around their own typical amount, so the models have a base to fit. */
  async function addRegulars(): Promise<void> {
    const random = seededRandom(3);
    for (let i = 0; i < 30; i++) {
      const id = await addCustomer(`R${i}`);
      const every = 10 + i;
      for (let k = 0; k < Math.floor(360 / every); k++) await addOrders(id, [-360 + k * every + (i % 5)], Math.round(logNormal(random, 5_000 + i * 300, 0.4)));
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
  async function addFormerRegulars(): Promise<void> {
    const random = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      const id = await addCustomer(`F${i}`);
      const every = 12 + i;
      const stop = -60 - 20 * i;
      const typical = logNormal(random, 6_000, 0.6);
      for (let d = -700 + (i % 3); d <= stop; d += every) await addOrders(id, [d], Math.round(logNormal(random, typical, 0.5)));
    }
  }

  /**
   * Forty occasional buyers (two to four orders in two years): repeat buyers with few purchases,
   * whose mean order still varies a lot, are what tells Gamma-Gamma how much spend varies within
   * a customer (regulars' means over dozens of orders hardly do).
   */
  async function addOccasionals(): Promise<void> {
    const random = seededRandom(5);
    for (let i = 0; i < 40; i++) {
      const id = await addCustomer(`S${i}`);
      const typical = logNormal(random, 6_000, 0.6);
      const count = 2 + (i % 3);
      for (let k = 0; k < count; k++) await addOrders(id, [-700 + Math.floor(random() * 690)], Math.round(logNormal(random, typical, 0.5)));
    }
  }

  describe('recomputeScores', () => {
    it('does score prospects, regulars, overdue and lost customers and write one row each', async () => {
      await addRegulars();
      await addFormerRegulars();
      await addOccasionals();
      const prospect = await addCustomer('P');
      const overdue = await addCustomer('O');
      await addOrders(overdue, [-200, -182, -164, -146, -128, -64], 20_000);
      const lost = await addCustomer('L', 'lost', day(-10));
      await addOrders(lost, [-300, -250], 9_000);

      const report = await recomputeScores(db, AS_OF);
      expect(report).toMatchObject({ week: '2026-W48', customers: 93 });
      expect(report.models.purchases.status).toBe('converged');
      expect(report.models.spend.status).toBe('converged');
      expect(report.models.timeUnit).toBe('days');
      expect(await snapshotCount()).toBe(93);

      expect(await latestSnapshot(db, prospect)).toMatchObject({ lifecycle: 'prospect', tier: 'D', rScore: null, churnRisk: null, churnReason: { code: 'no_orders' } });
      const o = (await latestSnapshot(db, overdue))!;
      expect(o.lifecycle).toBe('lapsed');
      // Purchase days −200…−128 every 18 days, then −64: gaps 18, 18, 18, 18, 64 → median 18.
      // Too small a base to calibrate on: churn risk is the purchase model's P(no purchase in 90 days).
      expect(o.churnReason).toMatchObject({ code: 'overdue_vs_rhythm', typicalIntervalDays: 18, daysSinceLast: 64, riskBasis: 'model' });
      const regular = (await latestSnapshot(db, await idOf('R0')))!;
      expect(regular.lifecycle).toBe('active');
      expect(o.churnRisk).toBeGreaterThan(regular.churnRisk! + 0.1);
      expect(o.pAlive).toBeGreaterThanOrEqual(0);
      expect(o.pAlive).toBeLessThan(regular.pAlive!);
      expect(await latestSnapshot(db, lost)).toMatchObject({ lifecycle: 'lost', churnRisk: 1, expected30: 0, clv12Minor: 0 });
    });

    it('does count refunds and free items as money, never as purchases, and keep expected spend and value non-negative', async () => {
      await addRegulars();
      await addFormerRegulars();
      await addOccasionals();
      const refunded = await addCustomer('REFUNDED');
      await addOrders(refunded, [-40], 5_000);
      await addOrders(refunded, [-22], -5_000);
      // A refund of something bought before the history starts, then two purchases: net negative, still a buyer.
      const negative = await addCustomer('NEGATIVE');
      await addOrders(negative, [-300], -9_000);
      await addOrders(negative, [-200, -100], 2_000);
      // Refunds larger than the repeat spend: they come off the last purchase, then the one before.
      const heavy = await addCustomer('HEAVY');
      await addOrders(heavy, [-200], 10_000);
      await addOrders(heavy, [-100], 2_000);
      await addOrders(heavy, [-50], -3_000);
      const free = await addCustomer('FREE');
      await addOrders(free, [-30, -10], 0);
      const report = await recomputeScores(db, AS_OF);
      expect(report.models.spend.status).toBe('converged');
      // Bought once and got all the money back: no purchase kept.
      expect(await latestSnapshot(db, refunded)).toMatchObject({ orderCount: 2, frequency: 0, lifetimeMinor: 0, lifecycle: 'prospect', churnReason: { code: 'no_purchases' } });
      const n = (await latestSnapshot(db, negative))!;
      expect(n.lifetimeMinor).toBe(-5_000);
      expect(n.frequency).toBe(2);
      expect(n.expectedAovMinor).toBeGreaterThan(0);
      expect(n.clv12Minor).toBeGreaterThanOrEqual(0);
      expect(await latestSnapshot(db, heavy)).toMatchObject({ frequency: 1, monetaryMinor: 9_000, lifetimeMinor: 9_000 });
      expect((await latestSnapshot(db, heavy))!.expectedAovMinor).toBeGreaterThan(0);
      expect(await latestSnapshot(db, free)).toMatchObject({ orderCount: 2, frequency: 0, monetaryMinor: 0, rScore: null, churnRisk: null, churnReason: { code: 'no_purchases' } });
    });

    it('does score customers whose stored orders go back before 1970, as an older version let them in', async () => {
      await addRegulars();
      const old = await addCustomer('OLD');
      await db.kysely
        .insertInto('Order')
        .values(['1900-01-01', '1969-12-31', '1969-12-31'].map((iso) => ({ customerId: old, orderedAt: Date.parse(`${iso}T00:00:00Z`), amountMinor: 1_000, createdAt: 0 })))
        .execute();
      await addOrders(old, [-30], 1_000);
      const report = await recomputeScores(db, AS_OF);
      expect(report.customers).toBe(31);
      expect(await latestSnapshot(db, old)).toMatchObject({ orderCount: 4, lifetimeMinor: 4_000, recencyDays: 30, lastOrderAt: new Date(day(-30)) });
    });

    it('does ignore orders after the as-of day and count recency in whole days', async () => {
      await addRegulars();
      const id = await addCustomer('X');
      await addOrders(id, [-30, -10, 0, 1, 5], 1_000);
      await recomputeScores(db, AS_OF);
      expect(await latestSnapshot(db, id)).toMatchObject({ orderCount: 3, recencyDays: 0, lifetimeMinor: 3_000, lastOrderAt: new Date(day(0)) });
    });

    it('does overwrite the week’s row on a second run and keep older weeks as history', async () => {
      await addRegulars();
      const id = await addCustomer('W');
      await addOrders(id, [-100, -80, -60, -40, -20], 10_000);
      await recomputeScores(db, new Date(day(-7)));
      await recomputeScores(db, AS_OF);
      await addOrders(id, [-1], 10_000);
      await recomputeScores(db, AS_OF);
      const history = await db.kysely.selectFrom('ScoreSnapshot').select(['week', 'orderCount']).where('customerId', '=', id).orderBy('week').execute();
      expect(history).toEqual([{ week: '2026-W47', orderCount: 5 }, { week: '2026-W48', orderCount: 6 }]);
    });

    it('does show a customer newly at risk in the digest against the previous scored week', async () => {
      await addRegulars();
      const id = await addCustomer('M');
      await addOrders(id, [-120, -110, -100, -90, -80, -70, -60, -50, -40, -30], 10_000);
      await recomputeScores(db, new Date(day(-28)));
      await recomputeScores(db, AS_OF);
      const lifecycles = await db.kysely.selectFrom('ScoreSnapshot').select(['week', 'lifecycle']).where('customerId', '=', id).orderBy('week').execute();
      expect(lifecycles).toEqual([{ week: '2026-W44', lifecycle: 'active' }, { week: '2026-W48', lifecycle: 'at_risk' }]);
      const digest = await buildWeeklyDigest(db, { kind: 'all' }, AS_OF, 'UTC');
      expect([digest.week, digest.previousWeek]).toEqual(['2026-W48', '2026-W44']);
      expect(digest.newlyAtRisk.map((c) => c.id)).toContain(id);
    });

    it('does demote a low-margin customer one tier and band below an identical full-margin one', async () => {
      await addRegulars();
      const full = await addCustomer('F');
      const thin = await addCustomer('T');
      await addOrders(full, [-50, -40, -30, -20, -10], 90_000, 30_000);
      await addOrders(thin, [-50, -40, -30, -20, -10], 90_000, 1_000);
      await recomputeScores(db, AS_OF);
      const [a, b] = [(await latestSnapshot(db, full))!, (await latestSnapshot(db, thin))!];
      expect([a.rScore, a.fScore, a.mScore]).toEqual([b.rScore, b.fScore, b.mScore]);
      expect(a.tier).not.toBe('D');
      expect(b.tier).toBe(demoteTier(a.tier));
      expect(a.valueBand).toBe('high');
      expect(b.valueBand).toBe('mid');
    });

    it('does report BG/NBD as not converged and use the rhythm rule when nobody in the base drops out', async () => {
      // Every regular is on rhythm: the likelihood keeps rising as a, b → 0 (nobody with two or
      // more repeat purchases ever drops out), which is no identified optimum.
      await addRegulars();
      const report = await recomputeScores(db, AS_OF);
      expect(report.models.purchases.status).toBe('not_converged');
      const id = await idOf('R0');
      expect(await latestSnapshot(db, id)).toMatchObject({ pAlive: null, expected30: null, clv12Minor: null, churnReason: { riskBasis: 'rhythm' } });
    });

    it('does fall back to the rhythm rule and say so when too few customers repeat to fit BG/NBD', async () => {
      const id = await addCustomer('S');
      await addOrders(id, [-40, -20], 1_000);
      const report = await recomputeScores(db, AS_OF);
      expect(report.models.purchases.status).toBe('too_few_repeat_buyers');
      expect(await latestSnapshot(db, id)).toMatchObject({ pAlive: null, expected30: null, clv12Minor: null, churnReason: { riskBasis: 'rhythm' } });
    });

    it('does rank customers against their own team with that team’s window', async () => {
      await addRegulars();
      const { id: team } = await db.kysely
        .insertInto('Team')
        .values({ name: 'Solo', settings: JSON.stringify({ scoring: { rfmWindowDays: 30 } }), createdAt: 0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rep = await addRep(team);
      const id = await addCustomer('T1');
      await db.kysely.updateTable('Customer').set({ ownerId: rep }).where('id', '=', id).execute();
      await addOrders(id, [-100, -50, -20, -5], 1_000);
      await recomputeScores(db, AS_OF);
      // Alone in its team it ranks first; only the last 30 days count towards F and M.
      expect(await latestSnapshot(db, id)).toMatchObject({ rScore: 1, frequency: 2, monetaryMinor: 2_000 });
    });

    it('does store the low-margin marker and the long-tail class with the scores', async () => {
      await addRegulars();
      const thin = await addCustomer('T');
      await addOrders(thin, [-50, -40, -30, -20, -10], 90_000, 1_000);
      const rareSmall = await addCustomer('RS');
      await addOrders(rareSmall, [-200], 500);
      const rareLarge = await addCustomer('RL');
      await addOrders(rareLarge, [-200], 900_000);
      const prospect = await addCustomer('P');
      await recomputeScores(db, AS_OF);
      expect(await latestSnapshot(db, thin)).toMatchObject({ lowMargin: true, longTail: 'rare-large' });
      expect(await latestSnapshot(db, rareSmall)).toMatchObject({ lowMargin: false, longTail: 'long-tail' });
      expect(await latestSnapshot(db, rareLarge)).toMatchObject({ longTail: 'rare-large' });
      expect(await latestSnapshot(db, prospect)).toMatchObject({ longTail: 'none' });
    });

    it('does suggest the category a team’s customers buy with theirs, and nothing on thin support', async () => {
      for (let i = 0; i < 60; i++) {
        const id = await addCustomer(`AB${i}`);
        await addOrders(id, [-30 - i], 5_000, null, '护肤');
        await addOrders(id, [-20 - i], 3_000, null, '彩妆');
      }
      const onlyA = await addCustomer('A');
      await addOrders(onlyA, [-15], 5_000, null, '护肤');
      for (let i = 0; i < 100; i++) await addOrders(await addCustomer(`C${i}`), [-10 - i], 4_000, null, '香氛');
      const report = await recomputeScores(db, AS_OF);
      expect((await latestSnapshot(db, onlyA))!.crossSell).toEqual({ category: '彩妆', from: '护肤', lift: expect.closeTo((60 * 161) / (61 * 60), 4) });
      expect(report.elapsedMs.crossSell).toBeGreaterThanOrEqual(0);
      // With fewer than 20 customers behind the pair, no rule and no suggestion.
      const pairs = await db.kysely.selectFrom('Customer').select(['id', 'externalId']).where('externalId', 'like', 'AB%').execute();
      const dropped = pairs.filter((c) => /^AB[2-9]/.test(c.externalId)).map((c) => c.id);
      await db.kysely.deleteFrom('Order').where('category', '=', '彩妆').where('customerId', 'in', dropped).execute();
      await recomputeScores(db, AS_OF);
      expect((await latestSnapshot(db, onlyA))!.crossSell).toBeNull();
    });

    it('does report the check-in and reorder refreshes as a part of the write', async () => {
      await addOrders(await addCustomer('R'), [-30, -10], 5_000);
      const { elapsedMs } = await recomputeScores(db, AS_OF);
      expect(elapsedMs.refresh).toBeGreaterThan(0);
      expect(elapsedMs.refresh).toBeLessThan(elapsedMs.write);
    });

    it('does give a regular customer a reorder day and keep it on the customer for the planner, and none to others', async () => {
      await addRegulars();
      const regular = await addCustomer('REG');
      await addOrders(regular, [-100, -80, -60, -40, -20], 5_000);
      const oneTime = await addCustomer('ONE');
      await addOrders(oneTime, [-20], 5_000);
      const irregular = await addCustomer('IRR');
      await addOrders(irregular, [-200, -195, -100, -90, -20], 5_000);
      const rep = await addRep(null);
      await db.kysely.updateTable('Customer').set({ ownerId: rep }).where('externalId', 'in', ['REG', 'ONE', 'IRR']).execute();
      await recomputeScores(db, AS_OF);
      const due = async (id: number) => (await db.kysely.selectFrom('Customer').select('reorderDueAt').where('id', '=', id).executeTakeFirstOrThrow()).reorderDueAt;
      expect((await latestSnapshot(db, regular))!.reorderDueAt).toEqual(new Date(day(0)));
      expect(await due(regular)).toBe(day(0));
      for (const id of [oneTime, irregular]) {
        expect((await latestSnapshot(db, id))!.reorderDueAt).toBeNull();
        expect(await due(id)).toBeNull();
      }
      // Without an owner there is nobody to remind.
      await db.kysely.updateTable('Customer').set({ ownerId: null }).where('id', '=', regular).execute();
      await recomputeScores(db, AS_OF);
      expect(await due(regular)).toBeNull();
    });
  });

  describe('stale scores', () => {
    const NOW = new Date('2026-11-23T09:00:00Z');

    it('does recompute when data changed after the last live run, and not again when nothing did', async () => {
      expect(await scoresFreshness(db)).toEqual({ reason: 'no_customers', stale: false });
      await seedDemoData(db, { customers: 40, seed: 7, asOf: NOW });
      expect(await ensureScoresCurrent(db, NOW)).toEqual({ recomputed: true, reason: 'never_scored' });
      expect(await ensureScoresCurrent(db, NOW)).toEqual({ recomputed: false, reason: 'current' });
      // An import committed and the process died before rescoring: the data version moved on.
      await db.kysely
        .insertInto('AppState')
        .values({ key: 'scores.dataVersion', value: '1' })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: '9' }))
        .execute();
      expect(await scoresFreshness(db)).toEqual({ reason: 'data_changed', stale: true });
      expect(await ensureScoresCurrent(db, new Date(NOW.getTime() + DAY))).toEqual({ recomputed: true, reason: 'data_changed' });
      const weeks = await db.kysely.selectFrom('ScoreSnapshot').select('week').distinct().orderBy('week').execute();
      expect(weeks.map((w) => w.week)).toEqual(['2026-W48']);
      expect(await ensureScoresCurrent(db, NOW)).toMatchObject({ recomputed: false });
      // Scored by older rules: recomputed once after the upgrade.
      const lastRun = (await db.kysely.selectFrom('AppState').select('value').where('key', '=', 'scores.lastRun').executeTakeFirstOrThrow()).value;
      await db.kysely.updateTable('AppState').set({ value: JSON.stringify({ ...JSON.parse(lastRun), rules: 0 }) }).where('key', '=', 'scores.lastRun').execute();
      expect(await ensureScoresCurrent(db, NOW)).toEqual({ recomputed: true, reason: 'rules_changed' });
      expect(await scoresFreshness(db)).toEqual({ reason: 'current', stale: false });
    });
  });

  describe('readBase', () => {
    it('does read every order of every customer when the orders come a thousand customers at a time, ids with gaps', async () => {
      // 2,600 customers with ids in three runs far apart, the read's batches cutting through each run.
      const ids = [...Array.from({ length: 1200 }, (_, k) => k + 1), ...Array.from({ length: 900 }, (_, k) => 50_000 + k), ...Array.from({ length: 500 }, (_, k) => 3_000_000 + 7 * k)];
      await db.kysely.insertInto('Customer').values(ids.map((id) => ({ id, externalId: `G${id}`, name: 'c', createdAt: 0, updatedAt: 0 }))).execute();
      const orders = ids.flatMap((id) => [
        // 0–3 orders, one of them after the as-of day (not read).
        ...Array.from({ length: id % 4 }, (_, k) => ({ customerId: id, orderedAt: day(-10 * (k + 1)), category: k % 2 ? 'Tea' : 'Coffee' })),
        ...(id % 5 === 0 ? [{ customerId: id, orderedAt: day(3), category: 'Tea' }] : []),
      ]);
      for (let from = 0; from < orders.length; from += 500) {
        await db.kysely.insertInto('Order').values(orders.slice(from, from + 500).map((o) => ({ ...o, amountMinor: 1000, createdAt: 0 }))).execute();
      }
      const base = await readBase(db, heldOutViews(Math.floor(AS_OF.getTime() / DAY), 90), { categories: true });
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
});
