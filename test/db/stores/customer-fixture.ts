import type { StoreDatabase } from '../../../src/db/store-database.js';

export const NOW = new Date('2026-12-01T09:00:00Z');
export const WEEK = '2026-W49';
const DAY = 86_400_000;
export const daysAgo = (days: number) => NOW.getTime() - days * DAY;

/** Ids of the fixture's rows, as the database gave them. */
export interface CustomerFixture {
  teams: { north: number; south: number };
  reps: { ann: number; bob: number; cai: number };
  customers: Record<'wangFang' | 'wangFang2' | 'annaSchmidt' | 'annaSchmitz' | 'rabatt' | 'annabel' | 'ecole', number>;
}

const customerRows = (reps: CustomerFixture['reps']) => ({
  wangFang: { externalId: 'C000001', name: '王芳', email: 'wang.fang@example.cn', phone: '+8613812345678', ownerId: reps.ann, region: 'Nord', tags: 'vip,护肤', birthdayYear: 1990, birthdayMonth: 12, birthdayDay: 3 },
  wangFang2: { externalId: 'C000002', name: '王方', email: null, phone: null, ownerId: reps.ann, region: 'nord', tags: 'VIP', birthdayYear: 1985, birthdayMonth: 12, birthdayDay: 5, greetingOptOut: true },
  annaSchmidt: { externalId: 'C000003', name: 'Anna Schmidt', email: 'anna@example.de', phone: '+4915112345678', ownerId: reps.bob, region: 'Süd', tags: 'b2b', birthdayYear: 2000, birthdayMonth: 12, birthdayDay: 2 },
  annaSchmitz: { externalId: 'C000004', name: 'Anna Schmitz', email: 'anna@example.de', phone: null, ownerId: reps.cai, region: 'NORD', tags: 'vip', birthdayYear: 1970, birthdayMonth: 6, birthdayDay: 1 },
  rabatt: { externalId: 'C000005', name: 'Rabatt 50%_Markt', email: null, phone: null, ownerId: reps.bob, region: null, tags: '', birthdayYear: null, birthdayMonth: null, birthdayDay: null },
  annabel: { externalId: 'C000006', name: 'Annabel Lee', email: null, phone: null, ownerId: null, region: null, tags: '', birthdayYear: null, birthdayMonth: null, birthdayDay: null },
  ecole: { externalId: 'C000007', name: 'École Lumière', email: null, phone: null, ownerId: reps.bob, region: 'Île-de-France', tags: 'Été', birthdayYear: null, birthdayMonth: null, birthdayDay: null },
});

/**
 * Two teams (north: Ann and Bob; south: Cai), seven customers with names in Chinese, German and
 * French, their keys, regions and tags in several cases, scores of two weeks, and customer 王芳's
 * orders, contacts, callbacks, ticket and referrals: the same rows on either engine.
 */
export async function seedCustomers(db: StoreDatabase): Promise<CustomerFixture> {
  const { kysely } = db;
  const t = NOW.getTime();
  const team = async (name: string) => (await kysely.insertInto('Team').values({ name, createdAt: t }).returning('id').executeTakeFirstOrThrow()).id;
  const teams = { north: await team('North'), south: await team('South') };
  const rep = async (email: string, name: string, teamId: number, role = 'rep', slackUserId: string | null = null) =>
    (await kysely.insertInto('Rep').values({ email, name, teamId, role, slackUserId, createdAt: t, updatedAt: t }).returning('id').executeTakeFirstOrThrow()).id;
  const reps = { ann: await rep('ann@x', 'Ann', teams.north, 'manager', 'U_ANN'), bob: await rep('bob@x', 'Bob', teams.north), cai: await rep('cai@x', 'Cai', teams.south) };
  const customers = {} as CustomerFixture['customers'];
  for (const [key, row] of Object.entries(customerRows(reps)) as [keyof CustomerFixture['customers'], ReturnType<typeof customerRows>[keyof CustomerFixture['customers']]][]) {
    customers[key] = (await kysely.insertInto('Customer').values({ ...row, createdAt: daysAgo(400) + Object.keys(customers).length, updatedAt: t }).returning('id').executeTakeFirstOrThrow()).id;
  }
  await kysely.updateTable('Customer').set({ referredById: customers.wangFang }).where('id', 'in', [customers.annaSchmidt, customers.annabel]).execute();

  const score = (customerId: number, week: string, tier: string, lifecycle: string, atStakeMinor: number, extra: { longTail?: string; lowMargin?: boolean; categories?: string } = {}) => ({
    customerId, week, computedAt: t, asOf: t, frequency: 2, monetaryMinor: 10_000, lifetimeMinor: 20_000, orderCount: 4, tier, valueBand: 'mid', lifecycle, atStakeMinor,
    churnRisk: 0.5, clv12Minor: atStakeMinor * 2, longTail: extra.longTail ?? 'head', lowMargin: extra.lowMargin ?? false, categories: extra.categories ?? '',
    churnReason: JSON.stringify({ code: 'gap', days: 40 }), crossSell: 'tea', crossSellFrom: 'coffee', crossSellLift: 2.5,
  });
  await kysely
    .insertInto('ScoreSnapshot')
    .values([
      score(customers.wangFang, '2026-W48', 'D', 'lost', 99_000),
      score(customers.wangFang, WEEK, 'A', 'at_risk', 5_000, { categories: '|tea|coffee|' }),
      score(customers.wangFang2, WEEK, 'B', 'active', 7_000, { longTail: 'long-tail', lowMargin: true, categories: '|tea|' }),
      score(customers.annaSchmidt, WEEK, 'A', 'active', 7_000, { categories: '|coffee|' }),
      score(customers.annaSchmitz, WEEK, 'A', 'at_risk', 9_000, { categories: '|tea|' }),
      score(customers.rabatt, WEEK, 'C', 'lapsed', 1_000, { lowMargin: true }),
      score(customers.annabel, WEEK, 'A', 'at_risk', 8_000),
      score(customers.ecole, WEEK, 'B', 'at_risk', 3_000),
    ])
    .execute();

  const c = customers.wangFang;
  await kysely
    .insertInto('Order')
    .values([
      { externalId: 'O1', customerId: c, orderedAt: daysAgo(30), amountMinor: 5_000, product: 'Longjing', category: 'Tea', createdAt: t },
      { externalId: 'O2', customerId: c, orderedAt: daysAgo(20), amountMinor: 3_000, product: 'Oolong', category: ' tea ', createdAt: t },
      { externalId: 'O3', customerId: c, orderedAt: daysAgo(10), amountMinor: 2_000, product: 'Espresso', category: 'Coffee', createdAt: t },
      { externalId: 'O4', customerId: c, orderedAt: daysAgo(5), amountMinor: -1_000, product: 'Espresso', category: 'Coffee', refundOf: 'O3', createdAt: t },
      { externalId: 'O5', customerId: c, orderedAt: daysAgo(500), amountMinor: 90_000, product: 'Teapot', category: 'Ware', createdAt: t },
      { externalId: 'O6', customerId: c, orderedAt: daysAgo(3), amountMinor: 0, product: 'Sample', category: '', createdAt: t },
    ])
    .execute();
  await kysely
    .insertInto('Interaction')
    .values([
      { customerId: c, repId: reps.ann, kind: 'call', at: daysAgo(10), text: 'asked about oolong', satisfaction: 4, createdAt: t },
      { customerId: c, repId: reps.bob, kind: 'note', at: daysAgo(4), text: 'likes green tea', satisfaction: 2, createdAt: t },
      { customerId: c, repId: null, kind: 'handover', at: daysAgo(2), text: 'from Bob to Ann', satisfaction: null, createdAt: t },
    ])
    .execute();
  await kysely
    .insertInto('Callback')
    .values([
      { customerId: c, ownerId: reps.ann, dueAt: daysAgo(-3), timed: false, note: 'later one', status: 'open', source: 'manual', createdAt: t },
      { customerId: c, ownerId: reps.ann, dueAt: daysAgo(-1), timed: true, note: 'ask about refill', status: 'open', source: 'manual', createdAt: t },
      { customerId: c, ownerId: reps.ann, dueAt: daysAgo(-2), timed: true, note: 'done already', status: 'done', source: 'manual', createdAt: t, completedAt: t },
    ])
    .execute();
  await kysely.insertInto('Ticket').values({ customerId: c, ownerId: reps.ann, text: 'late delivery', tier: 'A', openedAt: daysAgo(1), deadline: daysAgo(-1), status: 'open', createdAt: t }).execute();
  return { teams, reps, customers };
}
