import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CustomerDirectory } from '../../../src/commands/ports.js';
import { createCustomerDirectory } from '../../../src/db/customer-directory.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { daysAgo, NOW, seedCustomers, WEEK, type CustomerFixture } from './customer-fixture.js';

const ALL = { kind: 'all' } as const;

describeEngines('the customer directory', (engine) => {
  let db: TestStoreDatabase;
  let fx: CustomerFixture;
  let customers: CustomerDirectory;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    fx = await seedCustomers(db);
    customers = createCustomerDirectory(db);
  });
  afterEach(async () => db?.cleanup());

  const team = () => ({ kind: 'team', teamId: fx.teams.north }) as const;
  const own = (repId: number) => ({ kind: 'owner', repId }) as const;
  const found = async (query: string, scope: Parameters<CustomerDirectory['search']>[1] = ALL, limit = 10) => {
    const result = await customers.search(query, scope, limit);
    return { names: result.matches.map((m) => m.name), total: result.total };
  };

  it('does find a customer by each key: external id in any case, email in any case, phone with or without its country code, exact name', async () => {
    expect(await found('c000003')).toEqual({ names: ['Anna Schmidt'], total: 1 });
    expect(await found('WANG.FANG@example.cn')).toEqual({ names: ['王芳'], total: 1 });
    expect(await found('+86 138 1234 5678')).toEqual({ names: ['王芳'], total: 1 });
    expect(await found('138 1234 5678')).toEqual({ names: ['王芳'], total: 1 });
    expect(await found('151 12345678')).toEqual({ names: ['Anna Schmidt'], total: 1 });
    // Two customers share an email: both, by name.
    expect(await found('anna@example.de')).toEqual({ names: ['Anna Schmidt', 'Anna Schmitz'], total: 2 });
    expect(await found('王方')).toEqual({ names: ['王方'], total: 1 });
    const [match] = (await customers.search('C000001', ALL, 1)).matches;
    expect(match).toEqual({ id: fx.customers.wangFang, externalId: 'C000001', name: '王芳', email: 'wang.fang@example.cn', phone: '+8613812345678', ownerId: fx.reps.ann, ownerName: 'Ann' });
  });

  it('does find names holding 3+ characters in any case, 1–2 CJK characters, and 1–2 Latin letters as a prefix', async () => {
    expect(await found('schmi')).toEqual({ names: ['Anna Schmidt', 'Anna Schmitz'], total: 2 });
    expect(await found('NNA')).toEqual({ names: ['Anna Schmidt', 'Anna Schmitz', 'Annabel Lee'], total: 3 });
    expect(await found('王')).toEqual({ names: ['王方', '王芳'], total: 2 });
    expect(await found('an')).toEqual({ names: ['Anna Schmidt', 'Anna Schmitz', 'Annabel Lee'], total: 3 });
    expect(await found('lumière')).toEqual({ names: ['École Lumière'], total: 1 });
    expect(await found('nobody here')).toEqual({ names: [], total: 0 });
    expect(await found('   ')).toEqual({ names: [], total: 0 });
  });

  it('does read % and _ in a query as themselves, not as wildcards', async () => {
    expect(await found('50%_M')).toEqual({ names: ['Rabatt 50%_Markt'], total: 1 });
    expect(await found('t 5%')).toEqual({ names: [], total: 0 });
    expect(await found('a_b')).toEqual({ names: [], total: 0 });
  });

  it('does show the same customers on both engines when more match than fit: the first by customer id, sorted by name', async () => {
    // Anna Schmidt (3), Anna Schmitz (4), Annabel Lee (6): the first two ids, then by name.
    expect(await found('nna', ALL, 2)).toEqual({ names: ['Anna Schmidt', 'Anna Schmitz'], total: 3 });
    expect(await found('an', ALL, 1)).toEqual({ names: ['Anna Schmidt'], total: 3 });
  });

  it('does search only within the book: a team, a rep’s own customers', async () => {
    expect(await found('anna', team())).toEqual({ names: ['Anna Schmidt'], total: 1 });
    expect(await found('C000004', team())).toEqual({ names: [], total: 0 });
    expect(await found('王', own(fx.reps.ann))).toEqual({ names: ['王方', '王芳'], total: 2 });
    expect(await found('SCHMIDT', own(fx.reps.bob))).toEqual({ names: ['Anna Schmidt'], total: 1 });
    expect(await found('schmidt', own(fx.reps.ann))).toEqual({ names: [], total: 0 });
    expect(await found('%', own(fx.reps.bob))).toEqual({ names: ['Rabatt 50%_Markt'], total: 1 });
  });

  it('does complete from nothing typed, an external id prefix, and a name, within the book', async () => {
    const names = async (prefix: string, scope: Parameters<CustomerDirectory['complete']>[1], limit = 10) => (await customers.complete(prefix, scope, limit)).map((c) => c.name);
    expect(await names('', ALL, 3)).toEqual(['Anna Schmidt', 'Anna Schmitz', 'Annabel Lee']);
    expect(await names('', own(fx.reps.ann))).toEqual(['王方', '王芳']);
    expect(await names('c00000', team(), 3)).toEqual(['Anna Schmidt', '王方', '王芳']);
    expect(await names('schm', ALL)).toEqual(['Anna Schmidt', 'Anna Schmitz']);
    expect(await names('王', team())).toEqual(['王方', '王芳']);
  });

  it('does suggest the closest names for a typo, Latin and Chinese, within the book', async () => {
    expect((await customers.suggest('Ana Schmidt', ALL, 1))[0]).toBe('Anna Schmidt');
    expect(await customers.suggest('Anna Schmixt', team(), 3)).toEqual(['Anna Schmidt']);
    expect(await customers.suggest('王放', ALL, 2)).toEqual(expect.arrayContaining(['王芳', '王方']));
    expect(await customers.suggest('王放', own(fx.reps.bob), 2)).toEqual([]);
    expect(await customers.suggest('', ALL, 2)).toEqual([]);
  });

  it('does find the same typo candidates whether the first customers in id order hold them or only those after (PostgreSQL walks the first ones)', async () => {
    // Walks that end before, among and after the matching customers (3, 4, 5, 7); SQLite has no walk and answers alike.
    // The typos are in the first letters, so the names come from their trigrams alone, not from the prefix index.
    for (const nameWalk of [1, 3, 4, 100]) {
      const walking = createCustomerDirectory(db, { nameWalk });
      expect(await walking.suggest('Xnna Schmixt', ALL, 3), `walk ${nameWalk}`).toEqual(['Anna Schmidt', 'Anna Schmitz']);
      expect(await walking.suggest('Xnna Schmixt', team(), 3), `walk ${nameWalk}`).toEqual(['Anna Schmidt']);
      expect(await walking.suggest('XCOLE LUMIÈRE', ALL, 3), `walk ${nameWalk}`).toEqual(['École Lumière']);
      expect(await walking.suggest('Xabatt 50%_Markt', ALL, 3), `walk ${nameWalk}`).toEqual(['Rabatt 50%_Markt']);
    }
  });

  it('does list birthdays of the next days soonest first, without opted-out customers, within the book', async () => {
    const upcoming = await customers.upcomingBirthdays(ALL, { year: 2026, month: 12, day: 1 }, 7, 10);
    expect(upcoming).toEqual([
      { id: fx.customers.annaSchmidt, externalId: 'C000003', name: 'Anna Schmidt', inDays: 1 },
      { id: fx.customers.wangFang, externalId: 'C000001', name: '王芳', inDays: 2 },
    ]);
    expect((await customers.upcomingBirthdays(own(fx.reps.ann), { year: 2026, month: 12, day: 1 }, 7, 10)).map((b) => b.name)).toEqual(['王芳']);
    expect(await customers.upcomingBirthdays(ALL, { year: 2026, month: 12, day: 1 }, 1, 10)).toEqual([]);
  });

  it('does give a summary only within the book', async () => {
    expect((await customers.summary(fx.customers.annaSchmitz, ALL))?.ownerName).toBe('Cai');
    expect(await customers.summary(fx.customers.annaSchmitz, team())).toBeNull();
    expect(await customers.summary(fx.customers.annabel, own(fx.reps.ann))).toBeNull();
    expect(await customers.summary(999_999, ALL)).toBeNull();
  });

  it('does draw every section of a card from the customer’s own rows', async () => {
    const card = await customers.card(fx.customers.wangFang, NOW);
    expect(card).toMatchObject({
      externalId: 'C000001',
      ownerName: 'Ann',
      ownerAddresses: { slack: 'U_ANN' },
      region: 'Nord',
      tags: ['vip', '护肤'],
      birthday: { month: 12, day: 3, year: 1990 },
      lifetimeMinor: 99_000,
      orderCount: 6,
      lastOrderAt: new Date(daysAgo(10)),
      nextCallback: { dueAt: new Date(daysAgo(-1)), timed: true, note: 'ask about refill' },
      lastInteraction: { kind: 'note', repName: 'Bob', text: 'likes green tea', at: new Date(daysAgo(4)) },
      satisfaction: { last: 2, average: 3, count: 2 },
      referredBy: null,
      referrals: { count: 2, names: ['Annabel Lee', 'Anna Schmidt'] },
      handover: { at: new Date(daysAgo(2)), text: 'from Bob to Ann' },
      openTickets: 1,
    });
    // Tea in any case and spacing is one category; the refund nets coffee; the old teapot is past the window.
    expect(card!.purchases.topCategories).toEqual([
      { name: 'Tea', spendMinor: 8_000 },
      { name: 'Coffee', spendMinor: 1_000 },
    ]);
    expect(card!.purchases.topProducts).toEqual([
      { name: 'Longjing', spendMinor: 5_000 },
      { name: 'Oolong', spendMinor: 3_000 },
      { name: 'Espresso', spendMinor: 1_000 },
    ]);
    expect(card!.purchases.lastItems).toEqual([
      { at: new Date(daysAgo(10)), product: 'Espresso', category: 'Coffee', amountMinor: 2_000, refunded: true },
      { at: new Date(daysAgo(20)), product: 'Oolong', category: ' tea ', amountMinor: 3_000, refunded: false },
      { at: new Date(daysAgo(30)), product: 'Longjing', category: 'Tea', amountMinor: 5_000, refunded: false },
    ]);
    expect(card!.score).toMatchObject({ week: WEEK, tier: 'A', lifecycle: 'at_risk', lowMargin: false, churnReason: { code: 'gap', days: 40 }, crossSell: { category: 'tea', from: 'coffee', lift: 2.5 } });

    const referred = await customers.card(fx.customers.annaSchmidt, NOW);
    expect(referred).toMatchObject({ referredBy: { id: fx.customers.wangFang, name: '王芳' }, nextCallback: null, lastInteraction: null, satisfaction: null, handover: null, openTickets: 0, lifetimeMinor: 0, lastOrderAt: null });
    expect((await customers.card(fx.customers.wangFang2, NOW))?.score).toMatchObject({ lowMargin: true, tier: 'B' });
    expect(await customers.card(999_999, NOW)).toBeNull();
  });

  it('does list a segment by value at stake in the newest week, each filter alone', async () => {
    const names = async (filter: Parameters<CustomerDirectory['list']>[0], scope: Parameters<CustomerDirectory['list']>[1] = ALL) =>
      (await customers.list(filter, scope, { offset: 0, limit: 10 })).rows.map((r) => r.name);
    // Ties on value at stake (7,000) go to the higher customer id.
    expect(await names({})).toEqual(['Anna Schmitz', 'Annabel Lee', 'Anna Schmidt', '王方', '王芳', 'École Lumière', 'Rabatt 50%_Markt']);
    expect(await names({ tier: 'A' })).toEqual(['Anna Schmitz', 'Annabel Lee', 'Anna Schmidt', '王芳']);
    expect(await names({ lifecycles: ['lapsed', 'active'] })).toEqual(['Anna Schmidt', '王方', 'Rabatt 50%_Markt']);
    expect(await names({ longTail: 'long-tail' })).toEqual(['王方']);
    expect(await names({ lowProfit: true })).toEqual(['王方', 'Rabatt 50%_Markt']);
    expect(await names({ ownerId: fx.reps.bob })).toEqual(['Anna Schmidt', 'École Lumière', 'Rabatt 50%_Markt']);
    expect(await names({ tag: 'VIP' })).toEqual(['Anna Schmitz', '王方', '王芳']);
    expect(await names({ tag: '护肤' })).toEqual(['王芳']);
    expect(await names({ region: 'nord' })).toEqual(['Anna Schmitz', '王方', '王芳']);
    expect(await names({ category: 'TEA' })).toEqual(['Anna Schmitz', '王方', '王芳']);
    expect(await names({ born: { from: { year: 1985, month: 12, day: 5 }, to: { year: 2000, month: 12, day: 1 } } })).toEqual(['王方', '王芳']);
    expect(await names({}, own(fx.reps.ann))).toEqual(['王方', '王芳']);
    expect(await names({}, team())).toEqual(['Anna Schmidt', '王方', '王芳', 'École Lumière', 'Rabatt 50%_Markt']);
    expect(await names({ tag: 'nobody' })).toEqual([]);
  });

  it('does combine filters, page through a segment and say whether more follow', async () => {
    const list = (filter: Parameters<CustomerDirectory['list']>[0], offset: number, limit: number, scope: Parameters<CustomerDirectory['list']>[1] = ALL) => customers.list(filter, scope, { offset, limit });
    expect((await list({ tier: 'A', tag: 'vip', region: 'NORD' }, 0, 10)).rows.map((r) => r.name)).toEqual(['Anna Schmitz', '王芳']);
    expect((await list({ tier: 'A', tag: 'vip' }, 0, 10, team())).rows.map((r) => r.name)).toEqual(['王芳']);
    expect((await list({ category: 'coffee', lifecycles: ['at_risk'] }, 0, 10)).rows.map((r) => r.name)).toEqual(['王芳']);
    expect((await list({ lowProfit: true, tier: 'B', born: { from: { year: 1980, month: 1, day: 1 }, to: { year: 1990, month: 1, day: 1 } } }, 0, 10)).rows.map((r) => r.name)).toEqual(['王方']);
    const first = await list({ tier: 'A' }, 0, 2);
    const second = await list({ tier: 'A' }, 2, 2);
    const third = await list({ tier: 'A' }, 4, 2);
    expect(first.rows.map((r) => r.name)).toEqual(['Anna Schmitz', 'Annabel Lee']);
    expect(first.more).toBe(true);
    expect(second.rows.map((r) => r.name)).toEqual(['Anna Schmidt', '王芳']);
    expect(second.more).toBe(false);
    expect(third).toEqual({ rows: [], more: false });
    expect(first.rows[0]).toEqual({
      id: fx.customers.annaSchmitz, externalId: 'C000004', name: 'Anna Schmitz', email: 'anna@example.de', phone: null, ownerId: fx.reps.cai, ownerName: 'Cai',
      tier: 'A', lifecycle: 'at_risk', churnRisk: 0.5, valueMinor: 18_000, atStakeMinor: 9_000,
    });
  });

  it('does count a segment, up to a limit when given, with its value at stake', async () => {
    expect(await customers.count({ tag: 'vip' }, ALL)).toEqual({ total: 3, more: false, atStakeTotalMinor: 21_000 });
    expect(await customers.count({ tier: 'A' }, ALL, 2)).toMatchObject({ total: 2, more: true });
    expect(await customers.count({ tier: 'A' }, team(), 5)).toEqual({ total: 2, more: false, atStakeTotalMinor: 12_000 });
    expect(await customers.count({ region: 'nowhere' }, ALL)).toEqual({ total: 0, more: false, atStakeTotalMinor: 0 });
  });

  it('does export a segment’s rows within the book, with birthdays as text and dates as dates', async () => {
    const all = await customers.exportRows({ tag: 'vip' }, ALL, 10);
    expect(all.more).toBe(false);
    expect(all.rows.map((r) => r.name)).toEqual(['Anna Schmitz', '王方', '王芳']);
    expect(all.rows[2]).toMatchObject({ region: 'Nord', tags: 'vip,护肤', birthday: '1990-12-03', valueBand: 'mid', longTail: 'head', lowMargin: false, clv12Minor: 10_000, lastOrderAt: null, crossSell: 'tea' });
    expect(all.rows[1]).toMatchObject({ lowMargin: true, birthday: '1985-12-05' });
    const teamOnly = await customers.exportRows({ tag: 'vip' }, team(), 1);
    expect(teamOnly).toMatchObject({ more: true, rows: [{ name: '王方' }] });
    expect((await customers.exportRows({}, own(fx.reps.cai), 10)).rows.map((r) => r.name)).toEqual(['Anna Schmitz']);
  });

  it('does match regions and tags without regard to case, beyond ASCII too, on both engines', async () => {
    const names = async (filter: Parameters<CustomerDirectory['list']>[0]) => (await customers.list(filter, ALL, { offset: 0, limit: 10 })).rows.map((r) => r.name);
    expect(await names({ region: 'Île-DE-FRANCE' })).toEqual(['École Lumière']);
    // SQLite's NOCASE leaves Î and î apart: the filter asks for both spellings there (caseSpellings); PostgreSQL's ICU collation folds them.
    expect(await names({ region: 'îLE-DE-FRANCE' })).toEqual(['École Lumière']);
    expect(await names({ tag: 'ÉTé' })).toEqual(['École Lumière']);
    expect(await names({ tag: 'été' })).toEqual(['École Lumière']);
    expect(await names({ tag: 'ete' })).toEqual([]);
  });

  it('does list nothing before the first scoring', async () => {
    await db.kysely.deleteFrom('ScoreSnapshot').execute();
    expect(await customers.list({}, ALL, { offset: 0, limit: 10 })).toEqual({ rows: [], more: false });
    expect(await customers.count({}, ALL)).toEqual({ total: 0, more: false, atStakeTotalMinor: 0 });
    expect(await customers.exportRows({}, ALL, 10)).toEqual({ rows: [], more: false });
  });

  it('does page through a history of orders and contacts newest first, an order before a contact at the same time', async () => {
    const c = fx.customers.wangFang;
    await db.kysely.insertInto('Interaction').values({ customerId: c, repId: fx.reps.ann, kind: 'visit', at: daysAgo(10), text: '', satisfaction: null, createdAt: NOW.getTime() }).execute();
    const pages = await Promise.all([0, 3, 6, 9].map((offset) => customers.history(c, { offset, limit: 3 })));
    expect(pages.map((p) => p.total)).toEqual([10, 10, 10, 10]);
    const entries = pages.flatMap((p) => p.entries);
    expect(entries.map((e) => (e.type === 'order' ? `order ${e.externalId}` : `${e.kind}`))).toEqual([
      'handover', 'order O6', 'note', 'order O4', 'order O3', 'visit', 'call', 'order O2', 'order O1', 'order O5',
    ]);
    expect(entries[3]).toEqual({ type: 'order', at: new Date(daysAgo(5)), externalId: 'O4', product: 'Espresso', category: 'Coffee', amountMinor: -1_000, refundOf: 'O3', refunded: false });
    expect(entries[4]).toMatchObject({ type: 'order', externalId: 'O3', refunded: true });
    expect(entries[2]).toEqual({ type: 'interaction', at: new Date(daysAgo(4)), kind: 'note', repName: 'Bob', text: 'likes green tea', satisfaction: 2 });
    expect(await customers.history(c, { offset: 30, limit: 3 })).toEqual({ total: 10, entries: [] });
    expect(await customers.history(fx.customers.annabel, { offset: 0, limit: 3 })).toEqual({ total: 0, entries: [] });
  });

  it('does edit tags without regard to case, keep their order, and let the segment follow', async () => {
    const c = fx.customers.wangFang;
    expect(await customers.editTags(c, ['Gold', 'VIP'], ['护肤'])).toEqual({ before: ['vip', '护肤'], after: ['vip', 'Gold'] });
    expect(await customers.editTags(c, [], ['GOLD', 'none'])).toEqual({ before: ['vip', 'Gold'], after: ['vip'] });
    expect(await customers.editTags(c, ['vip'], [])).toEqual({ before: ['vip'], after: ['vip'] });
    expect((await customers.list({ tag: '护肤' }, ALL, { offset: 0, limit: 10 })).rows).toEqual([]);
    await customers.editTags(c, ['gold'], []);
    expect((await customers.list({ tag: 'GOLD' }, ALL, { offset: 0, limit: 10 })).rows.map((r) => r.name)).toEqual(['王芳']);
    expect((await customers.card(c, NOW))?.tags).toEqual(['vip', 'gold']);
  });

  it('does save a query once per rep and command, and read it back only for that rep and command', async () => {
    const id = await customers.saveQuery(fx.reps.ann, 'customer list', { tier: 'A', tag: 'vip' });
    expect(await customers.saveQuery(fx.reps.ann, 'customer list', { tag: 'vip', tier: 'A' })).toBe(id);
    expect(await customers.saveQuery(fx.reps.bob, 'customer list', { tag: 'vip', tier: 'A' })).not.toBe(id);
    expect(await customers.savedQuery(id, fx.reps.ann, 'customer list')).toEqual({ tag: 'vip', tier: 'A' });
    expect(await customers.savedQuery(id, fx.reps.bob, 'customer list')).toBeNull();
    expect(await customers.savedQuery(id, fx.reps.ann, 'customer export')).toBeNull();
  });

  it('does log a contact and move a customer, each a touch that moves the next check-in', async () => {
    const c = fx.customers.annabel;
    const contact = { customerId: c, repId: fx.reps.ann, kind: 'call' as const, at: new Date(daysAgo(1)), text: 'called back', satisfaction: 5 };
    const lastTouch = async () => (await db.kysely.selectFrom('Customer').select(['lastTouchAt', 'ownerId']).where('id', '=', c).executeTakeFirstOrThrow());
    const { id } = await customers.addInteraction(contact);
    expect((await customers.history(c, { offset: 0, limit: 5 })).entries).toEqual([{ type: 'interaction', at: contact.at, kind: 'call', repName: 'Ann', text: 'called back', satisfaction: 5 }]);
    expect(id).toBeGreaterThan(0);
    expect((await lastTouch()).lastTouchAt).toBe(daysAgo(1));
    await customers.assign(c, fx.reps.cai);
    expect((await customers.summary(c, ALL))?.ownerName).toBe('Cai');
  });
});
