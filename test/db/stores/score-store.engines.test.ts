import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  customerNames,
  hasCustomers,
  lastLiveRun,
  latestSnapshotRow,
  markScoresStale,
  readScoringBase,
  recordLiveRun,
  scoringDataVersion,
  snapshotWriter,
  teamsWithZones,
  type SnapshotRow,
} from '../../../src/db/stores/score-store.js';
import { writeInSlices } from '../../../src/db/write-slices.js';
import { DEFAULT_TEAM_SETTINGS } from '../../../src/domain/team-settings.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

const DAY = 86_400_000;

describeEngines('the score store', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db.cleanup());

  const addCustomer = async (externalId: string, fields: { status?: string; statusChangedAt?: number | null; ownerId?: number | null } = {}) =>
    (
      await db.kysely
        .insertInto('Customer')
        .values({ externalId, name: `Name ${externalId}`, createdAt: 0, updatedAt: 0, ...fields })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const addOrder = (order: { customerId: number; orderedAt: number; amountMinor: number; externalId?: string; refundOf?: string; marginMinor?: number; category?: string }) =>
    db.kysely.insertInto('Order').values({ createdAt: 0, ...order }).execute();
  const appState = async (key: string) => (await db.kysely.selectFrom('AppState').select('value').where('key', '=', key).executeTakeFirst())?.value;

  it('does count the data version up from 0 with each markScoresStale, and read a broken one as 0', async () => {
    expect(await scoringDataVersion(db)).toBe(0);
    await markScoresStale(db.kysely);
    await markScoresStale(db.kysely);
    expect(await scoringDataVersion(db)).toBe(2);
    expect(await appState('scores.dataVersion')).toBe('2');
    await db.kysely.updateTable('AppState').set({ value: 'lots' }).where('key', '=', 'scores.dataVersion').execute();
    expect(await scoringDataVersion(db)).toBe(0);
  });

  it('does keep the last live run, replacing the one before, and read a broken one as none', async () => {
    expect(await lastLiveRun(db)).toBeNull();
    const run = { asOf: 1, computedAt: 2, week: '2026-W48', dataVersion: 3, rules: 4 };
    await recordLiveRun(db, run);
    await recordLiveRun(db, { ...run, week: '2026-W49' });
    expect(await lastLiveRun(db)).toEqual({ ...run, week: '2026-W49' });
    for (const broken of ['{not json', '{"asOf": "yesterday"}']) {
      await db.kysely.updateTable('AppState').set({ value: broken }).where('key', '=', 'scores.lastRun').execute();
      expect(await lastLiveRun(db)).toBeNull();
    }
  });

  it('does say whether there are customers', async () => {
    expect(await hasCustomers(db)).toBe(false);
    await addCustomer('C1');
    expect(await hasCustomers(db)).toBe(true);
  });

  it('does read each team’s zone and settings, defaults for broken settings with a problem to log', async () => {
    const teams = await db.kysely
      .insertInto('Team')
      .values([
        { name: 'Berlin', timeZone: 'Europe/Berlin', settings: JSON.stringify({ scoringHour: 4 }), createdAt: 0 },
        { name: 'Broken', timeZone: 'Asia/Shanghai', settings: '{oops', createdAt: 0 },
      ])
      .returning('id')
      .execute();
    const [berlin, broken] = teams.map((t) => t.id) as [number, number];
    const { teams: settings, zones } = await teamsWithZones(db);
    expect(zones).toEqual([{ id: berlin, timeZone: 'Europe/Berlin' }, { id: broken, timeZone: 'Asia/Shanghai' }]);
    expect(settings.of(berlin).schedule.scoringHour).toBe(4);
    expect(settings.of(broken)).toEqual(DEFAULT_TEAM_SETTINGS);
    expect(settings.problems.map((p) => p.teamId)).toEqual([broken]);
  });

  it('does hand over customers by id and their orders before the cut-off by time, a refund with its own customer’s original', async () => {
    const team = (await db.kysely.insertInto('Team').values({ name: 'T', createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const rep = (await db.kysely.insertInto('Rep').values({ email: 'r@x', name: 'R', teamId: team, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const a = await addCustomer('A', { status: 'lost', statusChangedAt: 5 * DAY, ownerId: rep });
    const b = await addCustomer('B');
    await addOrder({ customerId: b, orderedAt: 3 * DAY, amountMinor: 700, externalId: 'X1' });
    await addOrder({ customerId: a, orderedAt: 2 * DAY, amountMinor: -500, refundOf: 'A1', category: 'Tea' });
    await addOrder({ customerId: a, orderedAt: 1 * DAY, amountMinor: 500, externalId: 'A1', marginMinor: 100, category: 'Tea' });
    // Names another customer's order: no original for this one.
    await addOrder({ customerId: a, orderedAt: 2 * DAY, amountMinor: -700, refundOf: 'X1' });
    await addOrder({ customerId: a, orderedAt: 9 * DAY, amountMinor: 100 });
    await markScoresStale(db.kysely);
    for (const categories of [false, true]) {
      const seen: unknown[] = [];
      const { dataVersion } = await readScoringBase(db, { before: 9 * DAY, categories }, {
        start: (teams, customers, maxCustomerId) => seen.push(['start', teams.teamIds, customers, maxCustomerId]),
        customer: (...row) => seen.push(['customer', ...row]),
        order: (...row) => seen.push(['order', ...row]),
      });
      expect(dataVersion).toBe(1);
      const tea = categories ? 'Tea' : null;
      expect(seen).toEqual([
        ['start', [team], 2, b],
        ['customer', a, 'lost', 5 * DAY, team],
        ['customer', b, 'none', null, null],
        ['order', a, 1 * DAY, 500, 100, null, tea],
        ['order', a, 2 * DAY, -500, null, 1 * DAY, tea],
        ['order', a, 2 * DAY, -700, null, null, null],
        ['order', b, 3 * DAY, 700, null, null, null],
      ]);
    }
  });

  it('does hand over nothing but the start on an empty base', async () => {
    const seen: unknown[] = [];
    await readScoringBase(db, { before: DAY, categories: true }, {
      start: (_teams, customers, maxCustomerId) => seen.push([customers, maxCustomerId]),
      customer: () => seen.push('customer'),
      order: () => seen.push('order'),
    });
    expect(seen).toEqual([[0, 0]]);
  });

  const row = (customerId: number, week: string, changes: Partial<SnapshotRow> = {}): SnapshotRow => ({
    customerId, week, computedAt: 10, asOf: 9, recencyDays: null, frequency: 0, monetaryMinor: 0, marginMinor: null, lifetimeMinor: 0, orderCount: 0,
    lastOrderAt: null, rScore: null, fScore: null, mScore: null, tier: 'D', valueBand: 'low', longTail: 'none', lowMargin: false, lifecycle: 'prospect',
    pAlive: null, expected30: null, expected90: null, expectedAovMinor: null, clv12Minor: null, churnRisk: null, churnReason: '{"code":"no_orders"}',
    atStakeMinor: 0, reorderDueAt: null, crossSell: null, crossSellFrom: null, crossSellLift: null, categories: '', ...changes,
  });

  it('does insert a week’s snapshots, replace them on a second write of the week, and keep other weeks', async () => {
    const ids = [await addCustomer('A'), await addCustomer('B')];
    const writer = snapshotWriter(db);
    expect(writer.batchRows).toBeGreaterThan(0);
    const write = (rows: SnapshotRow[]) => writeInSlices(db, [(trx) => writer.upsert(trx, rows)]);
    await write([row(ids[0]!, '2026-W47'), row(ids[1]!, '2026-W47')]);
    const scored = row(ids[0]!, '2026-W48', {
      recencyDays: 3, frequency: 2, monetaryMinor: 9_000, marginMinor: 1_000, lifetimeMinor: 4_000_000_000_123, orderCount: 3, lastOrderAt: 7 * DAY,
      rScore: 5, fScore: 4, mScore: 3, tier: 'A', valueBand: 'high', longTail: 'head', lowMargin: true, lifecycle: 'active', pAlive: 0.75,
      expected30: 0.5, expected90: 1.25, expectedAovMinor: 4_500, clv12Minor: 20_000, churnRisk: 0.125, churnReason: '{"code":"on_rhythm"}',
      // Money past 2^31, quotes, backslashes and CJK: PostgreSQL's rows go over as JSON.
      atStakeMinor: 2_500, reorderDueAt: 30 * DAY, crossSell: '彩妆', crossSellFrom: '护肤', crossSellLift: 2.5, categories: '|护肤|o\'brien "x" \\ y|',
    });
    await write([scored]);
    await write([{ ...scored, tier: 'B', lowMargin: false }]);
    const stored = await db.kysely.selectFrom('ScoreSnapshot').selectAll().where('customerId', '=', ids[0]!).orderBy('week').execute();
    expect(stored.map((s) => s.week)).toEqual(['2026-W47', '2026-W48']);
    const { id: _id, ...newest } = stored[1]!;
    expect(newest).toEqual({ ...scored, tier: 'B', lowMargin: false });
    expect(await latestSnapshotRow(db, ids[0]!)).toMatchObject({ week: '2026-W48', tier: 'B', lowMargin: false, crossSellCategory: '彩妆' });
    expect(await latestSnapshotRow(db, ids[1]!)).toMatchObject({ week: '2026-W47', lowMargin: false, crossSellCategory: null });
    expect(await latestSnapshotRow(db, 9_999)).toBeUndefined();
  });

  it('does write more rows than one statement takes', async () => {
    const count = 2_345;
    const created = await db.kysely
      .insertInto('Customer')
      .values(Array.from({ length: count }, (_, i) => ({ externalId: `M${i}`, name: 'm', createdAt: 0, updatedAt: 0 })))
      .returning('id')
      .execute();
    const writer = snapshotWriter(db);
    await writeInSlices(db, [(trx) => writer.upsert(trx, created.map((c) => row(c.id, '2026-W48', { frequency: c.id })))]);
    const stored = await db.kysely.selectFrom('ScoreSnapshot').select(['customerId', 'frequency']).orderBy('customerId').execute();
    expect(stored).toEqual(created.map((c) => ({ customerId: c.id, frequency: c.id })));
  });

  it('does list every customer’s external id and name by id', async () => {
    const id = await addCustomer('Ä-1');
    expect(await customerNames(db)).toEqual(new Map([[id, ['Ä-1', 'Name Ä-1']]]));
  });
});
