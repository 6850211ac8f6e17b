import { afterEach, beforeEach, expect, it } from 'vitest';
import { markCheckInsPlanned, refreshCheckIns, refreshCheckInsAfterRescoring, type CheckInScope } from '../../../src/db/stores/check-in-store.js';
import { bulkCallbackInserter, createPlanningStore, readTeamSettings, type PlannedCallbackRow } from '../../../src/db/stores/planning-store.js';
import { markReordersPlanned, refreshReordersAfterRescoring } from '../../../src/db/stores/reorder-store.js';
import type { StoreHandle } from '../../../src/db/stores/store.js';
import { writeInSlices, type WriteSlicing } from '../../../src/db/write-slices.js';
import { DAY_MS } from '../../../src/domain/calendar.js';
import { dedupeKey } from '../../../src/domain/schedule/dedupe-keys.js';
import { runPlanning } from '../../../src/scheduler/planning-run.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

/** A Monday, 08:30 in Shanghai: the run that brings the team's Monday and Tuesday agendas into reach. */
const NOW = new Date('2026-12-07T00:30:00Z');
const T = NOW.getTime();
const HOUR = 3_600_000;
const WEEK = '2026-W50';

const ids = { shanghai: 0, newYork: 0, manager: 0, idle: 0 };
const customers: Record<string, number> = {};

/**
 * One team in Shanghai (its custom holiday on Wednesday) with a rep there, a rep of the same
 * team working from New York, and a manager; a customer for each thing a day's planning does.
 */
async function seed(db: StoreHandle): Promise<void> {
  const k = db.kysely;
  const team = await k
    .insertInto('Team')
    .values({ name: 'East', timeZone: 'Asia/Shanghai', locale: 'en', settings: JSON.stringify({ holidays: { custom: [{ name: 'Store day', date: '12-09' }] } }), createdAt: T })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rep = async (email: string, role: string, timeZone: string | null) =>
    (await k.insertInto('Rep').values({ email, name: email, role, teamId: team.id, timeZone, agendaHour: 9, active: true, createdAt: T, updatedAt: T }).returning('id').executeTakeFirstOrThrow()).id;
  ids.shanghai = await rep('sh@x', 'rep', null);
  ids.newYork = await rep('ny@x', 'rep', 'America/New_York');
  ids.manager = await rep('boss@x', 'manager', null);
  ids.idle = await rep('idle@x', 'rep', null);
  const customer = async (name: string, ownerId: number, extra: { birthdayMonth?: number; birthdayDay?: number; timeZone?: string; greetingOptOut?: boolean; createdAt?: number } = {}) =>
    (customers[name] = (
      await k
        .insertInto('Customer')
        .values({ externalId: name, name, ownerId, status: 'none', tags: '', greetingOptOut: false, createdAt: T - 400 * DAY_MS, updatedAt: T, ...extra })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id);
  const order = (customerId: number, orderedAt: number, amountMinor = 10_000) => k.insertInto('Order').values({ customerId, orderedAt, amountMinor, createdAt: orderedAt }).execute();
  const score = (customerId: number, values: { tier: string; lifecycle: string; lastOrderAt?: number; reorderDueAt?: number; churnReason?: string; clv12Minor?: number; churnRisk?: number }) =>
    k
      .insertInto('ScoreSnapshot')
      .values({ customerId, week: WEEK, computedAt: T, asOf: T, frequency: 1, monetaryMinor: 10_000, lifetimeMinor: 10_000, orderCount: 1, valueBand: 'mid', ...values })
      .execute();

  // Birthday tomorrow, greeted in the customer's own zone (Berlin); one who opted out is not.
  await customer('birthday', ids.shanghai, { birthdayMonth: 12, birthdayDay: 8, timeZone: 'Europe/Berlin' });
  await customer('birthday-opted-out', ids.shanghai, { birthdayMonth: 12, birthdayDay: 8, greetingOptOut: true });
  // Tier A (14 days), last order 20 days ago: the check-in is overdue, on the owner's next agenda.
  await customer('overdue-a', ids.newYork);
  await order(customers['overdue-a']!, T - 20 * DAY_MS + 123);
  await score(customers['overdue-a']!, { tier: 'A', lifecycle: 'active' });
  // Tier D (90 days), last order 10 days ago: nothing due.
  await customer('recent-d', ids.newYork);
  await order(customers['recent-d']!, T - 10 * DAY_MS);
  await score(customers['recent-d']!, { tier: 'D', lifecycle: 'active' });
  // A timed callback this afternoon: pinged at its minute.
  await customer('callback', ids.shanghai);
  await k.insertInto('Callback').values({ customerId: customers['callback']!, ownerId: ids.shanghai, dueAt: T + 6 * HOUR, timed: true, note: 'call', status: 'open', source: 'manual', createdAt: T - DAY_MS }).execute();
  // At risk with value: the triage opens a win-back plan.
  await customer('at-risk', ids.shanghai);
  await order(customers['at-risk']!, T - 200 * DAY_MS);
  await score(customers['at-risk']!, { tier: 'A', lifecycle: 'at_risk', clv12Minor: 900_000, churnRisk: 0.7, lastOrderAt: T - 200 * DAY_MS });
  // A regular buyer whose reorder day is tomorrow.
  await customer('reorder', ids.shanghai);
  const lastPurchaseDay = Date.parse('2026-11-08T00:00:00Z');
  await order(customers['reorder']!, lastPurchaseDay + 5 * HOUR);
  await score(customers['reorder']!, { tier: 'B', lifecycle: 'active', lastOrderAt: lastPurchaseDay, reorderDueAt: Date.parse('2026-12-08T00:00:00Z') });
  // A first purchase yesterday: the welcome call (欢迎计划).
  await customer('first-purchase', ids.shanghai, { createdAt: T - 2 * DAY_MS });
  await order(customers['first-purchase']!, T - DAY_MS);
}

async function refreshAll(db: StoreHandle): Promise<void> {
  const teams = await readTeamSettings(db);
  await writeInSlices(db, [(trx) => refreshCheckIns(trx, 'all', teams), (trx) => refreshReordersAfterRescoring(trx, [0, Number.MAX_SAFE_INTEGER])]);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Everything a planning run writes, in a form both engines must give alike. */
async function written(db: StoreHandle) {
  const name = new Map(Object.entries(customers).map(([n, id]) => [id, n]));
  const rep = new Map(Object.entries(ids).map(([n, id]) => [id, n]));
  const nudges = await db.kysely.selectFrom('Nudge').select(['kind', 'dedupeKey', 'dueAt', 'targetKind', 'targetId', 'customerId', 'status']).orderBy('dedupeKey').execute();
  const callbacks = await db.kysely.selectFrom('Callback').select(['customerId', 'ownerId', 'dueAt', 'source', 'timed', 'dedupeKey']).orderBy('id').execute();
  const episodes = await db.kysely.selectFrom('WinbackEpisode').select(['customerId', 'episode', 'startedAt', 'deadline', 'status']).orderBy('customerId').execute();
  const due = await db.kysely.selectFrom('Customer').select(['externalId', 'checkInDueAt', 'reorderDueAt']).orderBy('id').execute();
  return {
    nudges: nudges.map((n) => `${n.kind} ${n.dedupeKey} at ${iso(n.dueAt)} to ${n.targetKind === 'rep' ? rep.get(n.targetId) : `team`} about ${n.customerId === null ? '-' : name.get(n.customerId)} ${n.status}`),
    callbacks: callbacks.map((c) => `${c.source} ${name.get(c.customerId)} for ${rep.get(c.ownerId)} at ${iso(c.dueAt)} timed ${c.timed} ${c.dedupeKey ?? '-'}`),
    episodes: episodes.map((e) => `${name.get(e.customerId)} #${e.episode} ${e.status} ${iso(e.startedAt)}…${iso(e.deadline)}`),
    due: due.map((c) => `${c.externalId} check-in ${iso(c.checkInDueAt)} reorder ${iso(c.reorderDueAt)}`),
  };
}

describeEngines('a day of planning and what it reads', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    await seed(db);
    await refreshAll(db);
  });
  afterEach(async () => db?.cleanup());

  it('does plan birthdays, callbacks, cadence check-ins, win-backs, reorders, welcome calls and holidays in each owner’s time zone', async () => {
    const result = await runPlanning(db, NOW);
    expect(result.failures).toEqual([]);
    expect(await written(db)).toEqual(EXPECTED);
  });

  it('does write nothing more when the same day is planned again, and plans only what came into reach an hour later', async () => {
    await runPlanning(db, NOW);
    const again = await runPlanning(db, NOW);
    expect([again.nudges, again.cadenceCallbacks, again.winbackChanges, again.careChanges]).toEqual([0, 0, 0, 0]);
    expect(await written(db)).toEqual(EXPECTED);
    // An hour on, Wednesday's agenda comes into reach: the one check-in due before it lands there, nothing else is new.
    const later = await runPlanning(db, new Date(T + HOUR));
    expect([later.cadenceCallbacks, later.winbackChanges, later.careChanges]).toEqual([1, 0, 0]);
    expect((await written(db)).callbacks.slice(EXPECTED.callbacks.length)).toEqual(['cadence reorder for shanghai at 2026-12-09T01:00:00.000Z timed false cadence:7:2026-11-08T05:00:00.000Z']);
  });

  it('does finish a run that crashed between two slices when it runs again, writing what one clean run writes', async () => {
    let slices = 0;
    const crashing: WriteSlicing = {
      lockMs: 0,
      othersWaiting: () => true,
      letOthersIn: () => {
        if (++slices === 2) throw new Error('killed between two slices');
      },
    };
    await expect(runPlanning(db, NOW, 'all', crashing)).rejects.toThrow('killed between two slices');
    const half = await written(db);
    expect(half.nudges.length + half.callbacks.length).toBeLessThan(EXPECTED.nudges.length + EXPECTED.callbacks.length);
    await runPlanning(db, NOW);
    expect(await written(db)).toEqual(EXPECTED);
  });

  it('does read reps with their zones and whether they own customers, per team or all', async () => {
    const store = createPlanningStore(db);
    expect((await store.reps()).map((r) => [r.id, r.zone, r.ownsCustomers])).toEqual([
      [ids.shanghai, 'Asia/Shanghai', true],
      [ids.newYork, 'America/New_York', true],
      [ids.manager, 'Asia/Shanghai', false],
      [ids.idle, 'Asia/Shanghai', false],
    ]);
    expect(await store.reps(999)).toEqual([]);
    expect((await store.teams()).teams.map((t) => [t.name, t.zone, t.settings.holidays.custom])).toEqual([['East', 'Asia/Shanghai', [{ name: 'Store day', date: '12-09' }]]]);
  });

  it('does read complaints and low ratings with whether they were followed up, and one-time buyers due a second order', async () => {
    const k = db.kysely;
    const interaction = async (kind: string, satisfaction: number | null) =>
      (await k.insertInto('Interaction').values({ customerId: customers['callback']!, repId: ids.shanghai, kind, at: T - HOUR, text: "it's late", satisfaction, createdAt: T }).returning('id').executeTakeFirstOrThrow()).id;
    const complaint = await interaction('complaint', null);
    const rating = await interaction('note', 1);
    await interaction('note', 5);
    await k.insertInto('Callback').values({ customerId: customers['callback']!, ownerId: ids.shanghai, dueAt: T, timed: false, note: '', status: 'open', source: 'satisfaction', dedupeKey: `rating:${rating}`, createdAt: T }).execute();
    const store = createPlanningStore(db).care;
    expect((await store.recentInteractions(new Date(T - DAY_MS), NOW)).map((i) => [i.id, i.kind, i.hasTicket, i.hasFollowUp])).toEqual([
      [complaint, 'complaint', false, false],
      [rating, 'note', false, true],
    ]);
    await k
      .updateTable('ScoreSnapshot')
      .set({ lifecycle: 'new', lastOrderAt: T - 40 * DAY_MS, churnReason: JSON.stringify({ code: 'single_purchase', typicalIntervalDays: 30 }) })
      .where('customerId', '=', customers['reorder']!)
      .execute();
    expect(await store.secondOrderDue(NOW)).toEqual([{ customerId: customers['reorder']!, externalId: 'reorder', ownerId: ids.shanghai, at: T - 40 * DAY_MS }]);
    expect(await store.secondOrderDue(new Date(T - 20 * DAY_MS))).toEqual([]);
    expect((await store.escalationTargets())(1)).toEqual([ids.manager]);
  });
});

describeEngines('the check-in and reorder refresh', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    await seed(db);
  });
  afterEach(async () => db?.cleanup());

  const dueOf = async (name: string) =>
    (await db.kysely.selectFrom('Customer').select(['lastTouchAt', 'checkInDueAt', 'reorderDueAt']).where('id', '=', customers[name]!).executeTakeFirstOrThrow());

  it('does set last touches and due check-ins for exactly the scope asked, by ids, owners, team or id range', async () => {
    const teams = await readTeamSettings(db);
    const refresh = (scope: CheckInScope) => writeInSlices(db, [(trx) => refreshCheckIns(trx, scope, teams)]);
    await refresh({ customerIds: [] });
    expect((await dueOf('overdue-a')).checkInDueAt).toBeNull();
    await refresh({ customerIds: [customers['overdue-a']!, customers['overdue-a']!] });
    expect(await dueOf('overdue-a')).toMatchObject({ lastTouchAt: T - 20 * DAY_MS + 123, checkInDueAt: T - 6 * DAY_MS + 123 });
    expect((await dueOf('recent-d')).checkInDueAt).toBeNull();
    await refresh({ ownerIds: [ids.newYork] });
    expect(await dueOf('recent-d')).toMatchObject({ lastTouchAt: T - 10 * DAY_MS, checkInDueAt: T + 80 * DAY_MS });
    expect((await dueOf('callback')).checkInDueAt).toBeNull();
    await refresh({ idRange: [customers['callback']!, customers['callback']!] });
    // Never ordered nor scored: a prospect (30 days) from its creation.
    expect(await dueOf('callback')).toMatchObject({ lastTouchAt: T - 400 * DAY_MS, checkInDueAt: T - 370 * DAY_MS });
    expect((await dueOf('at-risk')).checkInDueAt).toBeNull();
    await refresh({ teamId: 1 });
    expect((await dueOf('at-risk')).checkInDueAt).toBe(T - 200 * DAY_MS + 14 * DAY_MS);
  });

  it('does plan no check-in for a last touch whose check-in exists, to the millisecond, and moves it when the tier does', async () => {
    const teams = await readTeamSettings(db);
    const touch = T - 20 * DAY_MS + 123;
    await db.kysely
      .insertInto('Callback')
      .values({ customerId: customers['overdue-a']!, ownerId: ids.newYork, dueAt: T, timed: false, note: '', status: 'done', source: 'cadence', dedupeKey: dedupeKey.cadence(customers['overdue-a']!, new Date(touch - 1)), createdAt: T })
      .execute();
    await writeInSlices(db, [(trx) => refreshCheckIns(trx, 'all', teams)]);
    // A completed check-in is a touch of its own (completedAt null: not counted), and the key a millisecond off is another touch.
    expect((await dueOf('overdue-a')).checkInDueAt).toBe(touch + 14 * DAY_MS);
    await db.kysely.updateTable('Callback').set({ dedupeKey: dedupeKey.cadence(customers['overdue-a']!, new Date(touch)) }).where('source', '=', 'cadence').execute();
    await writeInSlices(db, [(trx) => refreshCheckInsAfterRescoring(trx, 'all', teams)]);
    expect((await dueOf('overdue-a')).checkInDueAt).toBeNull();
    await writeInSlices(db, [(trx) => markCheckInsPlanned(trx, [customers['recent-d']!])]);
    await db.kysely.deleteFrom('Callback').where('source', '=', 'cadence').execute();
    await db.kysely.updateTable('ScoreSnapshot').set({ tier: 'C' }).where('customerId', '=', customers['overdue-a']!).execute();
    await writeInSlices(db, [(trx) => refreshCheckInsAfterRescoring(trx, { customerIds: [customers['overdue-a']!] }, teams)]);
    expect((await dueOf('overdue-a')).checkInDueAt).toBe(touch + 60 * DAY_MS);
  });

  it('does keep the reorder day until this cycle’s nudge is in the outbox, and clear it once planned', async () => {
    const refresh = () => writeInSlices(db, [(trx) => refreshReordersAfterRescoring(trx, [0, Number.MAX_SAFE_INTEGER])]);
    await refresh();
    expect((await dueOf('reorder')).reorderDueAt).toBe(Date.parse('2026-12-08T00:00:00Z'));
    expect((await dueOf('overdue-a')).reorderDueAt).toBeNull();
    await db.kysely
      .insertInto('Nudge')
      .values({ kind: 'reorder', dedupeKey: dedupeKey.reorder(customers['reorder']!, new Date('2026-11-08T00:00:00Z')), dueAt: T, targetKind: 'rep', targetId: ids.shanghai, customerId: customers['reorder']!, payload: '{}', status: 'pending', attempts: 0, late: false, createdAt: T })
      .execute();
    await refresh();
    expect((await dueOf('reorder')).reorderDueAt).toBeNull();
    await db.kysely.deleteFrom('Nudge').execute();
    await refresh();
    await writeInSlices(db, [(trx) => markReordersPlanned(trx, [customers['reorder']!])]);
    expect((await dueOf('reorder')).reorderDueAt).toBeNull();
  });
});

describeEngines('cadence candidates of every rep in one read', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  it('does give each rep asked its due, unplanned check-ins, most overdue first, cut at that rep’s own limit', async () => {
    const k = db.kysely;
    const rep = async (email: string) =>
      (await k.insertInto('Rep').values({ email, name: email, role: 'rep', agendaHour: 9, active: true, createdAt: T, updatedAt: T }).returning('id').executeTakeFirstOrThrow()).id;
    const [a, b, c, d, none] = [await rep('a@x'), await rep('b@x'), await rep('c@x'), await rep('d@x'), await rep('none@x')];
    const customer = async (name: string, ownerId: number, checkInDueAt: number | null, status = 'none') =>
      (
        await k
          .insertInto('Customer')
          .values({ externalId: name, name, ownerId, status, tags: '', greetingOptOut: false, createdAt: T, updatedAt: T, lastTouchAt: T - DAY_MS, checkInDueAt })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    // Inserted out of due order; two due at the same time (the lower id first).
    await customer('a-3', a, T - 1 * HOUR);
    await customer('a-1', a, T - 3 * HOUR);
    await customer('a-2', a, T - 2 * HOUR);
    await customer('a-2b', a, T - 2 * HOUR);
    await customer('a-later', a, T + 30 * DAY_MS);
    await customer('a-lost', a, T - 5 * HOUR, 'lost');
    await customer('a-planned', a, null);
    const calledBack = await customer('a-called-back', a, T - 4 * HOUR);
    await k.insertInto('Callback').values({ customerId: calledBack, ownerId: a, dueAt: T, timed: false, note: '', status: 'open', source: 'manual', createdAt: T }).execute();
    await customer('b-1', b, T - HOUR);
    await customer('c-1', c, T - HOUR);
    await customer('d-1', d, T - HOUR);
    const store = createPlanningStore(db);
    const names = (found: Map<number, { externalId: string }[]>) => Object.fromEntries([...found].map(([owner, list]) => [owner, list.map((x) => x.externalId)]));
    // d: room for none; `none` owns no customers; c not asked.
    const found = await store.cadenceCandidates(new Map([[a, 3], [b, 3], [d, 0], [none, 2]]), new Date(T));
    expect(names(found)).toEqual({ [a]: ['a-1', 'a-2', 'a-2b'], [b]: ['b-1'] });
    expect(found.get(a)![0]).toEqual({ id: expect.any(Number), externalId: 'a-1', lastTouch: T - DAY_MS, dueAt: T - 3 * HOUR });
    expect(names(await store.cadenceCandidates(new Map([[a, 10]]), new Date(T + 31 * DAY_MS)))).toEqual({ [a]: ['a-1', 'a-2', 'a-2b', 'a-3', 'a-later'] });
    expect(names(await store.cadenceCandidates(new Map(), new Date(T)))).toEqual({});
  });
});

describeEngines('the plan’s bulk callback insert', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  /** A rep with `count` customers, and a cadence callback planned for each. */
  async function plannedFor(count: number): Promise<PlannedCallbackRow[]> {
    const k = db.kysely;
    const rep = await k.insertInto('Rep').values({ email: 'r@x', name: 'r', role: 'rep', agendaHour: 9, active: true, createdAt: T, updatedAt: T }).returning('id').executeTakeFirstOrThrow();
    const rows: PlannedCallbackRow[] = [];
    for (let i = 0; i < count; i++) {
      const customer = await k
        .insertInto('Customer')
        .values({ externalId: `c${i}`, name: `c${i}`, ownerId: rep.id, status: 'none', tags: '', greetingOptOut: false, createdAt: T, updatedAt: T })
        .returning('id')
        .executeTakeFirstOrThrow();
      rows.push({ customerId: customer.id, ownerId: rep.id, dueAt: T + i, source: 'cadence', dedupeKey: `cadence:${customer.id}:${i}` });
    }
    return rows;
  }

  const stored = () =>
    db.kysely.selectFrom('Callback').select(['customerId', 'ownerId', 'dueAt', 'source', 'dedupeKey', 'timed', 'note', 'status', 'createdAt']).orderBy('id').execute();

  it('does insert each callback once by its dedupe key, untimed and open, and count only the new ones when the plan is applied again', async () => {
    const rows = await plannedFor(7);
    const insert = bulkCallbackInserter(db);
    let counts: number[] = [];
    await writeInSlices(db, [async (trx) => void counts.push(await insert(trx, rows.slice(0, 3), NOW)), async (trx) => void counts.push(await insert(trx, rows, NOW))]);
    expect(counts).toEqual([3, 4]);
    expect(await stored()).toEqual(rows.map((r) => ({ ...r, timed: false, note: '', status: 'open', createdAt: T })));
    counts = [];
    await writeInSlices(db, [async (trx) => void counts.push(await insert(trx, rows, new Date(T + HOUR)))]);
    expect(counts).toEqual([0]);
    expect((await stored()).map((c) => c.createdAt)).toEqual(rows.map(() => T));
  });

  it('does take back what it inserted when its slice fails later on', async () => {
    const rows = await plannedFor(3);
    const insert = bulkCallbackInserter(db);
    await expect(
      writeInSlices(db, [
        (trx) => insert(trx, rows, NOW).then(() => undefined),
        () => {
          throw new Error('crash after the insert');
        },
      ]),
    ).rejects.toThrow('crash after the insert');
    expect(await stored()).toEqual([]);
  });
});

/**
 * What the day's run writes. Agendas at 09:00 in each rep's zone (Shanghai 01:00Z, New York
 * 14:00Z); the birthday at 09:00 in the customer's Berlin; the team's lists at 09:00 Shanghai;
 * holiday greetings on each owner's agenda the day before (opted-out customers skipped);
 * cadence check-ins on the owner's next agenda (not for a customer with an open callback, nor
 * one due after the horizon); the reorder on the due day's agenda; the win-back plan of 30 days.
 */
const EXPECTED = {
  nudges: [
    'agenda agenda:1:2026-12-07 at 2026-12-07T01:00:00.000Z to shanghai about - pending',
    'agenda agenda:1:2026-12-08 at 2026-12-08T01:00:00.000Z to shanghai about - pending',
    'agenda agenda:2:2026-12-07 at 2026-12-07T14:00:00.000Z to newYork about - pending',
    'agenda agenda:2:2026-12-08 at 2026-12-08T14:00:00.000Z to newYork about - pending',
    'birthday-list birthday-list:1:2026-12-08 at 2026-12-08T01:00:00.000Z to team about - pending',
    'birthday birthday:1:2026 at 2026-12-08T08:00:00.000Z to shanghai about birthday pending',
    'callback callback:1:2026-12-07T06:30:00.000Z at 2026-12-07T06:30:00.000Z to shanghai about callback pending',
    'holiday-list holiday-list:1:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to team about - pending',
    'holiday holiday:1:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to shanghai about birthday pending',
    'holiday holiday:3:2026-12-09:custom:Store day at 2026-12-08T14:00:00.000Z to newYork about overdue-a pending',
    'holiday holiday:4:2026-12-09:custom:Store day at 2026-12-08T14:00:00.000Z to newYork about recent-d pending',
    'holiday holiday:5:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to shanghai about callback pending',
    'holiday holiday:6:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to shanghai about at-risk pending',
    'holiday holiday:7:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to shanghai about reorder pending',
    'holiday holiday:8:2026-12-09:custom:Store day at 2026-12-08T01:00:00.000Z to shanghai about first-purchase pending',
    'reorder reorder:7:2026-11-08 at 2026-12-08T01:00:00.000Z to shanghai about reorder pending',
  ],
  callbacks: [
    'manual callback for shanghai at 2026-12-07T06:30:00.000Z timed true -',
    'cadence birthday for shanghai at 2026-12-07T01:00:00.000Z timed false cadence:1:2025-11-02T00:30:00.000Z',
    'cadence birthday-opted-out for shanghai at 2026-12-07T01:00:00.000Z timed false cadence:2:2025-11-02T00:30:00.000Z',
    'cadence at-risk for shanghai at 2026-12-07T01:00:00.000Z timed false cadence:6:2026-05-21T00:30:00.000Z',
    'cadence overdue-a for newYork at 2026-12-07T14:00:00.000Z timed false cadence:3:2026-11-17T00:30:00.123Z',
    'welcome first-purchase for shanghai at 2026-12-07T01:00:00.000Z timed false welcome:8',
  ],
  episodes: ['at-risk #1 open 2026-12-07T00:30:00.000Z…2027-01-06T00:30:00.000Z'],
  due: [
    'birthday check-in null reorder null',
    'birthday-opted-out check-in null reorder null',
    'overdue-a check-in null reorder null',
    'recent-d check-in 2027-02-25T00:30:00.000Z reorder null',
    // An open callback: no check-in planned, still due.
    'callback check-in 2025-12-02T00:30:00.000Z reorder null',
    'at-risk check-in null reorder null',
    // Due after the last agenda in reach: planned by a later run.
    'reorder check-in 2026-12-08T05:00:00.000Z reorder null',
    // Bought, not scored yet: the least frequent tier's 90 days.
    'first-purchase check-in 2027-03-06T00:30:00.000Z reorder null',
  ],
};
