import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDigestStore, type DigestStore } from '../../../src/db/stores/digest-store.js';
import type { StoreDatabase } from '../../../src/db/store-database.js';
import { loadTeamSettings } from '../../../src/db/team-settings.js';
import { DAY_MS } from '../../../src/domain/calendar.js';
import { DEFAULT_CADENCE_DAYS } from '../../../src/domain/schedule/cadence.js';
import { translator } from '../../../src/i18n/index.js';
import { buildWeeklyDigest, digestReply, type DigestScope } from '../../../src/scheduler/weekly-digest.js';
import { NOW, seededDatabase, textOf } from '../../commands/helpers.js';
import { describeEngines, describePostgres, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

const HOUR = 3_600_000;
const ago = (days: number) => NOW.getTime() - days * DAY_MS;
const WEEK_AGO = ago(7);
/** Shanghai's cadence: A every 20 days, B every 40 (two intervals of B pass 2^31 ms: PostgreSQL's int4 would overflow). */
const SHANGHAI_CADENCE = { A: 20, B: 40, C: 60, D: 90 };

interface Fixture {
  shanghai: number;
  berlin: number;
  reps: { zhang: number; chen: number; max: number };
  /** Customer ids by name. */
  c: Record<string, number>;
}

type Snapshot = { week: string; lifecycle: string; tier: string; clv12Minor?: number | null; monetaryMinor?: number };

/**
 * Two teams: Shanghai (张伟, and 陈静 who left) and Berlin (Max, with a third of the customers:
 * SQLite reads its customers from the team outward), an admin, one customer with no owner;
 * snapshots of two weeks, the week's callbacks, complaints, ratings and closed plans.
 */
async function fill(db: StoreDatabase): Promise<Fixture> {
  const { kysely } = db;
  const at = NOW.getTime();
  const team = async (name: string, settings: string) =>
    (await kysely.insertInto('Team').values({ name, settings, createdAt: at }).returning('id').executeTakeFirstOrThrow()).id;
  const shanghai = await team('Shanghai', JSON.stringify({ cadenceDays: SHANGHAI_CADENCE }));
  const berlin = await team('Berlin', '{}');
  const rep = async (email: string, name: string, teamId: number | null, extra: { role?: string; active?: boolean } = {}) =>
    (await kysely.insertInto('Rep').values({ email, name, teamId, createdAt: at, updatedAt: at, ...extra }).returning('id').executeTakeFirstOrThrow()).id;
  await rep('boss@example.com', 'Boss', null, { role: 'admin' });
  const reps = {
    zhang: await rep('zhang@example.com', '张伟', shanghai),
    chen: await rep('chen@example.com', '陈静', shanghai, { active: false }),
    max: await rep('max@example.com', 'Max Weber', berlin),
  };
  const c: Record<string, number> = {};
  const customer = async (name: string, ownerId: number | null, lastTouchAt: number, snapshots: Snapshot[], status = 'active') => {
    const id = (await kysely
      .insertInto('Customer')
      .values({ externalId: `X-${name}`, name, ownerId, lastTouchAt, status, createdAt: ago(400), updatedAt: ago(400) })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
    c[name] = id;
    for (const s of snapshots) {
      await kysely.insertInto('ScoreSnapshot').values({
        customerId: id, week: s.week, computedAt: at, asOf: at, frequency: 1, monetaryMinor: s.monetaryMinor ?? 100, lifetimeMinor: 100, orderCount: 1,
        tier: s.tier, valueBand: 'mid', lifecycle: s.lifecycle, clv12Minor: s.clv12Minor === undefined ? 1000 : s.clv12Minor,
      }).execute();
    }
  };
  const W47 = '2026-W47';
  const W48 = '2026-W48';
  await customer('Ａlpha 甲', reps.zhang, ago(21), [{ week: W47, lifecycle: 'active', tier: 'B' }, { week: W48, lifecycle: 'at_risk', tier: 'A', clv12Minor: 5000 }]);
  await customer('Beta', reps.zhang, ago(79), [{ week: W47, lifecycle: 'lapsed', tier: 'B' }, { week: W48, lifecycle: 'lapsed', tier: 'B', clv12Minor: null, monetaryMinor: 300 }]);
  await customer('Gamma', reps.chen, ago(50), [{ week: W47, lifecycle: 'active', tier: 'A' }, { week: W48, lifecycle: 'active', tier: 'A', clv12Minor: 100 }]);
  await customer('Delta', reps.max, ago(1), [{ week: W48, lifecycle: 'at_risk', tier: 'C', clv12Minor: 7000 }]);
  await customer('Epsilon', null, ago(200), [{ week: W47, lifecycle: 'at_risk', tier: 'D' }, { week: W48, lifecycle: 'lapsed', tier: 'D', clv12Minor: 7000 }]);
  await customer('Zeta', reps.zhang, ago(2), [{ week: W47, lifecycle: 'active', tier: 'D' }, { week: W48, lifecycle: 'active', tier: 'C', clv12Minor: 1 }]);
  await customer('Eta', reps.max, ago(3), []);
  await customer('Theta', reps.max, ago(2 * DEFAULT_CADENCE_DAYS.A + 1), [{ week: W48, lifecycle: 'active', tier: 'A' }]);
  await customer('Iota', reps.zhang, ago(300), [{ week: W48, lifecycle: 'lapsed', tier: 'A', clv12Minor: 0 }], 'lost');
  // Ａlpha is 41 days untouched (two Shanghai A intervals are 40): neglected; so is Gamma; Beta (B: 80) is not.
  await kysely.updateTable('Customer').set({ lastTouchAt: ago(41) }).where('id', '=', c['Ａlpha 甲']!).execute();

  const callback = (customerId: number, ownerId: number, values: { dueAt: number; status?: string; timed?: boolean; source?: string; completedAt?: number }) =>
    kysely.insertInto('Callback').values({ customerId, ownerId, createdAt: ago(30), ...values }).execute();
  await callback(c['Ａlpha 甲']!, reps.zhang, { dueAt: ago(2), status: 'done', completedAt: ago(1) });
  await callback(c['Ａlpha 甲']!, reps.zhang, { dueAt: NOW.getTime() - HOUR, status: 'open', timed: true });
  await callback(c.Beta!, reps.zhang, { dueAt: NOW.getTime() - 12 * HOUR, status: 'open', timed: false }); // its day has not passed by a day
  await callback(c.Beta!, reps.zhang, { dueAt: ago(2), status: 'open', timed: false });
  await callback(c.Zeta!, reps.zhang, { dueAt: ago(3), status: 'done', completedAt: ago(3), source: 'cadence' });
  await callback(c.Delta!, reps.max, { dueAt: ago(8), status: 'open', source: 'cadence' });
  await callback(c.Delta!, reps.max, { dueAt: ago(6), status: 'done', completedAt: ago(8) }); // done before the week

  const ticket = (customerId: number, ownerId: number, values: { openedAt: number; deadline: number; status?: string; resolvedAt?: number }) =>
    kysely.insertInto('Ticket').values({ customerId, ownerId, tier: 'A', createdAt: values.openedAt, ...values }).execute();
  await ticket(c['Ａlpha 甲']!, reps.zhang, { openedAt: ago(2), deadline: ago(1), status: 'open' });
  await ticket(c.Beta!, reps.zhang, { openedAt: ago(10), deadline: ago(3), status: 'resolved', resolvedAt: ago(1) });
  await ticket(c.Delta!, reps.max, { openedAt: ago(1), deadline: NOW.getTime() + DAY_MS, status: 'open' });

  const rating = (customerId: number, at: number, satisfaction: number | null) =>
    kysely.insertInto('Interaction').values({ customerId, kind: 'call', at, satisfaction, createdAt: at }).execute();
  await rating(c['Ａlpha 甲']!, ago(1), 4);
  await rating(c.Beta!, ago(2), 3);
  await rating(c.Zeta!, ago(3), 3);
  await rating(c['Ａlpha 甲']!, ago(10), 1); // before the week
  await rating(c.Delta!, ago(1), null);

  const plan = (customerId: number, status: string, closedAt: number | null, reason: string | null = null) =>
    kysely.insertInto('WinbackEpisode').values({ customerId, episode: 1, startedAt: ago(40), deadline: ago(10), status, closedAt, reason }).execute();
  await plan(c['Ａlpha 甲']!, 'won', ago(1));
  await plan(c.Delta!, 'lost', ago(2), 'price');
  await plan(c.Epsilon!, 'given_up', ago(3));
  await plan(c.Beta!, 'lost', ago(8), 'price'); // last week's
  await plan(c.Zeta!, 'open', null);
  return { shanghai, berlin, reps, c };
}

describeEngines('the digest store', (engine) => {
  let db: TestStoreDatabase;
  let store: DigestStore;
  let f: Fixture;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    f = await fill(db);
    store = createDigestStore(db);
  });
  afterEach(async () => db.cleanup());

  it('does find the newest snapshot week up to a week, and the one before it', async () => {
    expect(await store.snapshotWeeks('2026-W48')).toEqual({ week: '2026-W48', previousWeek: '2026-W47' });
    expect(await store.snapshotWeeks('2027-W02')).toEqual({ week: '2026-W48', previousWeek: '2026-W47' });
    expect(await store.snapshotWeeks('2026-W47')).toEqual({ week: '2026-W47', previousWeek: null });
    expect(await store.snapshotWeeks('2026-W46')).toEqual({ week: null, previousWeek: null });
  });

  it('does name the reps of a team, or of everyone', async () => {
    expect(await store.repNames(f.shanghai)).toEqual(new Map([[f.reps.zhang, '张伟'], [f.reps.chen, '陈静']]));
    expect([...(await store.repNames(null)).values()].sort()).toEqual(['Boss', 'Max Weber', '张伟', '陈静'].sort());
  });

  it('does hand over only the at-risk, lapsed and tier-moved customers, the most valuable first, ties by id', async () => {
    const rows = await store.weekChanges(null, '2026-W48', '2026-W47');
    expect(rows.map((r) => [r.name, r.valueMinor, r.prevLifecycle, r.prevTier])).toEqual([
      ['Delta', 7000, null, null], ['Epsilon', 7000, 'at_risk', 'D'], ['Ａlpha 甲', 5000, 'active', 'B'], ['Beta', 300, 'lapsed', 'B'],
      ['Zeta', 1, 'active', 'D'], ['Iota', 0, null, null],
    ]);
    expect(rows[0]).toEqual({ id: f.c.Delta, name: 'Delta', ownerId: f.reps.max, lifecycle: 'at_risk', tier: 'C', prevLifecycle: null, prevTier: null, valueMinor: 7000 });
    // A team: its reps' customers only, whichever way they are read.
    expect((await store.weekChanges(f.shanghai, '2026-W48', '2026-W47')).map((r) => r.name)).toEqual(['Ａlpha 甲', 'Beta', 'Zeta', 'Iota']);
    expect((await store.weekChanges(f.berlin, '2026-W48', '2026-W47')).map((r) => r.name)).toEqual(['Delta']);
    // No previous week: nothing moved tier.
    expect((await store.weekChanges(null, '2026-W48', null)).map((r) => [r.name, r.prevTier])).toEqual([
      ['Delta', null], ['Epsilon', null], ['Ａlpha 甲', null], ['Beta', null], ['Iota', null],
    ]);
  });

  it('does list the plans closed in the window in closing order, a team\'s without the unowned', async () => {
    const closed = await store.closedPlans(null, WEEK_AGO, NOW.getTime());
    expect(closed).toEqual([
      { id: f.c.Epsilon, name: 'Epsilon', ownerId: null, status: 'given_up' },
      { id: f.c.Delta, name: 'Delta', ownerId: f.reps.max, status: 'lost' },
      { id: f.c['Ａlpha 甲'], name: 'Ａlpha 甲', ownerId: f.reps.zhang, status: 'won' },
    ]);
    expect((await store.closedPlans(f.shanghai, WEEK_AGO, NOW.getTime())).map((p) => p.name)).toEqual(['Ａlpha 甲']);
    expect(await store.closedPlans(null, ago(1), NOW.getTime())).toEqual([]);
  });

  it('does count at-risk and lapsed customers per week, oldest first, as numbers', async () => {
    expect(await store.history(null, '2026-W48', 12)).toEqual([
      { week: '2026-W47', atRisk: 1, lapsed: 1 },
      { week: '2026-W48', atRisk: 2, lapsed: 3 },
    ]);
    expect(await store.history(f.shanghai, '2026-W48', 12)).toEqual([
      { week: '2026-W47', atRisk: 0, lapsed: 1 },
      { week: '2026-W48', atRisk: 1, lapsed: 2 },
    ]);
    expect(await store.history(null, '2026-W48', 1)).toEqual([{ week: '2026-W48', atRisk: 2, lapsed: 3 }]);
    expect(await store.history(null, '2026-W47', 12)).toEqual([{ week: '2026-W47', atRisk: 1, lapsed: 1 }]);
  });

  it('does list the reps but admins by name, active as a boolean', async () => {
    expect(await store.careReps(null)).toEqual([
      { id: f.reps.max, name: 'Max Weber', active: true },
      { id: f.reps.zhang, name: '张伟', active: true },
      { id: f.reps.chen, name: '陈静', active: false },
    ]);
    expect((await store.careReps(f.berlin)).map((r) => r.name)).toEqual(['Max Weber']);
  });

  it('does count each rep\'s week: books by tier, callbacks, check-ins, complaints and the average rating', async () => {
    const counts = await store.careCounts(null, WEEK_AGO, NOW.getTime());
    expect(counts.books).toEqual(new Map([
      [f.reps.zhang, { A: 2, B: 1, C: 1 }], [f.reps.chen, { A: 1 }], [f.reps.max, { C: 1, A: 1, '-': 1 }],
    ]));
    expect(counts.callbacksDone).toEqual(new Map([[f.reps.zhang, 2]]));
    expect(counts.callbacksOverdue).toEqual(new Map([[f.reps.zhang, 2], [f.reps.max, 1]]));
    expect(counts.checkInsDue).toEqual(new Map([[f.reps.zhang, 1]]));
    expect(counts.checkInsKept).toEqual(new Map([[f.reps.zhang, 1]]));
    expect(counts.complaintsOpened).toEqual(new Map([[f.reps.zhang, 1], [f.reps.max, 1]]));
    expect(counts.complaintsResolved).toEqual(new Map([[f.reps.zhang, 1]]));
    expect(counts.complaintsBreached).toEqual(new Map([[f.reps.zhang, 2]]));
    // AVG is numeric on PostgreSQL: a number all the same, within a double's last digit of SQLite's.
    expect([...counts.satisfaction.keys()]).toEqual([f.reps.zhang]);
    expect(typeof counts.satisfaction.get(f.reps.zhang)).toBe('number');
    expect(counts.satisfaction.get(f.reps.zhang)).toBeCloseTo(10 / 3, 12);
    const berlin = await store.careCounts(f.berlin, WEEK_AGO, NOW.getTime());
    expect(berlin.books).toEqual(new Map([[f.reps.max, { C: 1, A: 1, '-': 1 }]]));
    expect(berlin.callbacksDone).toEqual(new Map());
    expect(berlin.complaintsOpened).toEqual(new Map([[f.reps.max, 1]]));
  });

  it('does count the orphaned customers and name the first few by name', async () => {
    expect(await store.orphaned(null, 5)).toEqual({ count: 2, names: ['Epsilon', 'Gamma'] });
    expect(await store.orphaned(null, 1)).toEqual({ count: 2, names: ['Epsilon'] });
    expect(await store.orphaned(f.shanghai, 5)).toEqual({ count: 1, names: ['Gamma'] });
    expect(await store.orphaned(f.berlin, 5)).toEqual({ count: 0, names: [] });
  });

  it('does find A/B customers past two check-in intervals of their team\'s cadence, the longest untouched first', async () => {
    const teams = await loadTeamSettings(db);
    expect(await store.neglected(null, NOW.getTime(), teams, 5)).toEqual({ count: 3, names: ['Gamma', 'Ａlpha 甲', 'Theta'] });
    expect(await store.neglected(null, NOW.getTime(), teams, 2)).toEqual({ count: 3, names: ['Gamma', 'Ａlpha 甲'] });
    expect(await store.neglected(f.shanghai, NOW.getTime(), teams, 5)).toEqual({ count: 2, names: ['Gamma', 'Ａlpha 甲'] });
    expect(await store.neglected(f.berlin, NOW.getTime(), teams, 5)).toEqual({ count: 1, names: ['Theta'] });
    // A day earlier Ａlpha was 40 days untouched: not yet past two intervals.
    expect((await store.neglected(f.shanghai, ago(1), teams, 5)).names).toEqual(['Gamma']);
  });

  it('does find neglected customers with the defaults on the first day, before any team has settings', async () => {
    await db.kysely.updateTable('Rep').set({ teamId: null }).execute();
    await db.kysely.deleteFrom('Team').execute();
    // Everyone on the default cadence (A 14 days, B 30): Beta (B, 79 days untouched) is now past two intervals too.
    expect(await store.neglected(null, NOW.getTime(), await loadTeamSettings(db), 5)).toEqual({ count: 4, names: ['Beta', 'Gamma', 'Ａlpha 甲', 'Theta'] });
  });

  it('does count the week\'s lost and given-up plans by reason, awaiting for none', async () => {
    const reasons = await store.lostReasons(null, WEEK_AGO, NOW.getTime());
    expect(reasons.sort((a, b) => a.reason.localeCompare(b.reason))).toEqual([{ reason: 'awaiting', n: 1 }, { reason: 'price', n: 1 }]);
    expect(await store.lostReasons(f.shanghai, WEEK_AGO, NOW.getTime())).toEqual([]);
  });
});

/** The digest's text for a reader, as /digest shows it. */
async function digestText(db: StoreDatabase, scope: DigestScope): Promise<string> {
  const digest = await buildWeeklyDigest(db, scope, NOW, 'Asia/Shanghai');
  return textOf(digestReply(digest, scope, { t: translator('en'), locale: 'en', currency: 'CNY' }, null));
}

/** The seeded demo with a previous week to compare with and plans closed this week, written through Kysely. */
async function withHistory(db: StoreDatabase): Promise<void> {
  await db.kysely
    .insertInto('ScoreSnapshot')
    .columns(['customerId', 'week', 'computedAt', 'asOf', 'frequency', 'monetaryMinor', 'lifetimeMinor', 'orderCount', 'tier', 'valueBand', 'lifecycle', 'clv12Minor'])
    .expression((eb) =>
      eb.selectFrom('ScoreSnapshot').select((s) => [
        'customerId', s.val('2026-W47').as('week'), 'computedAt', 'asOf', 'frequency', 'monetaryMinor', 'lifetimeMinor', 'orderCount',
        s.case().when(s(s('customerId', '%', 3), '=', 0)).then(s.val('B')).else(s.ref('tier')).end().as('tier'), 'valueBand',
        s.case().when(s(s('customerId', '%', 2), '=', 0)).then(s.val('active')).else(s.ref('lifecycle')).end().as('lifecycle'), 'clv12Minor',
      ]),
    )
    .execute();
  await db.kysely.updateTable('WinbackEpisode').set({ status: 'won', closedAt: ago(1) }).where((eb) => eb(eb('id', '%', 3), '=', 0)).execute();
  await db.kysely.updateTable('WinbackEpisode').set({ status: 'lost', closedAt: ago(2), reason: 'price' }).where((eb) => eb(eb('id', '%', 3), '=', 1)).execute();
}

describePostgres('the weekly digest on both engines', () => {
  it('does give the same text on SQLite and PostgreSQL for the same seeded data, for everyone and for each team', async () => {
    const texts: Record<string, string[]> = {};
    for (const engine of ['sqlite', 'postgres'] as const) {
      const { db, cleanup } = await seededDatabase(engine);
      try {
        await withHistory(db);
        const teams = await db.kysely.selectFrom('Team').select(['id', 'name']).orderBy('id').execute();
        const scopes: DigestScope[] = [{ kind: 'all' }, ...teams.map((t) => ({ kind: 'team' as const, teamId: t.id, teamName: t.name }))];
        texts[engine] = await Promise.all(scopes.map((scope) => digestText(db, scope)));
      } finally {
        await cleanup();
      }
    }
    expect(texts.sqlite!.length).toBeGreaterThan(1);
    // The comparison means something: the digest shows moved customers, closed plans, ratings and the care table.
    expect(texts.sqlite![0]).toMatch(/Newly at risk \([1-9]/);
    expect(texts.sqlite![0]).toMatch(/Won back \([1-9]/);
    expect(texts.postgres).toEqual(texts.sqlite);
  });
});
