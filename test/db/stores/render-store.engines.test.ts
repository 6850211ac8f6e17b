import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Schema } from '../../../src/db/schema.js';
import { createRenderStore, type RenderStore } from '../../../src/db/stores/render-store.js';
import { MAX_ROW_ID } from '../../../src/db/lookup-keys.js';
import { createNudgeData } from '../../../src/scheduler/nudge-data.js';
import type { NudgeKind } from '../../../src/scheduler/outbox.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

/** Monday 2027-01-04, 10:00 in Shanghai. */
const NOW = new Date('2027-01-04T02:00:00Z').getTime();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = '2027-W01';
const LAST_WEEK = '2026-W53';

/**
 * A team in Shanghai with Zhang (its defaults), an inactive rep, and Max on his own in Berlin;
 * Zhang's customers named so that byte order and case differ ("Bob" before "alice"), two of
 * them "Bob"; scores of two weeks.
 */
async function seed(k: Kysely<Schema>) {
  const team = await k
    .insertInto('Team')
    .values({ name: 'Shanghai', timeZone: 'Asia/Shanghai', locale: 'zh-CN', slackChannelId: 'C_SH', settings: '{"schedule":{"checkInsPerDay":3}}', createdAt: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rep = async (name: string, values: Partial<{ teamId: number | null; active: boolean; locale: string; timeZone: string; preferredPlatform: string; lastPlatform: string; slackUserId: string }>) =>
    (await k.insertInto('Rep').values({ name, email: `${name}@x`, createdAt: 0, updatedAt: 0, ...values }).returning('id').executeTakeFirstOrThrow()).id;
  const zhang = await rep('zhang', { teamId: team.id, lastPlatform: 'slack', slackUserId: 'U_ZHANG' });
  const gone = await rep('gone', { teamId: team.id, active: false });
  const max = await rep('max', { teamId: null, locale: 'en', timeZone: 'Europe/Berlin', preferredPlatform: 'discord', lastPlatform: 'slack' });
  let n = 0;
  const customer = async (name: string, ownerId: number | null, values: Partial<{ greetingOptOut: boolean; status: string; birthdayMonth: number; birthdayDay: number; birthdayYear: number; checkInDueAt: number }> = {}) =>
    (await k.insertInto('Customer').values({ externalId: `C${++n}`, name, ownerId, createdAt: 0, updatedAt: 0, ...values }).returning('id').executeTakeFirstOrThrow()).id;
  const c = {
    bob: await customer('Bob', zhang, { birthdayMonth: 1, birthdayDay: 5, birthdayYear: 1990, checkInDueAt: NOW }),
    alice: await customer('alice', zhang, { birthdayMonth: 1, birthdayDay: 5, checkInDueAt: NOW }),
    bob2: await customer('Bob', zhang, { checkInDueAt: NOW }),
    optedOut: await customer('Quiet', zhang, { greetingOptOut: true, birthdayMonth: 1, birthdayDay: 5, checkInDueAt: NOW }),
    lost: await customer('Lost', zhang, { status: 'lost', checkInDueAt: NOW }),
    maxs: await customer('Maxs', max),
    nobody: await customer('Nobody', null),
    goneOwns: await customer('Orphaned', gone),
  };
  return { team: team.id, zhang, gone, max, c };
}

type Fixture = Awaited<ReturnType<typeof seed>>;

async function score(k: Kysely<Schema>, customerId: number, s: { week?: string; tier: string; lifecycle?: string; clv?: number | null; lifetime?: number; churn?: number | null; computedAt?: number; reason?: object }) {
  await k
    .insertInto('ScoreSnapshot')
    .values({
      customerId, week: s.week ?? WEEK, computedAt: s.computedAt ?? NOW, asOf: NOW, frequency: 1, monetaryMinor: 0, lifetimeMinor: s.lifetime ?? 0, orderCount: 1,
      tier: s.tier, valueBand: 'mid', lifecycle: s.lifecycle ?? 'active', clv12Minor: s.clv ?? null, churnRisk: s.churn ?? null,
      churnReason: JSON.stringify(s.reason ?? {}), crossSell: 'tea', crossSellFrom: 'coffee',
    })
    .execute();
}

async function nudge(k: Kysely<Schema>, values: { kind: string; targetId: number; customerId?: number | null; dueAt: number; payload?: object; status?: string; sentAt?: number; carriedBy?: number; targetKind?: string }) {
  const { payload, ...rest } = values;
  return (
    await k
      .insertInto('Nudge')
      .values({ dedupeKey: `${values.kind}:${Math.random()}`, targetKind: 'rep', createdAt: 0, payload: JSON.stringify(payload ?? {}), ...rest })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

describeEngines('the render store', (engine) => {
  let db: TestStoreDatabase;
  let k: Kysely<Schema>;
  let store: RenderStore;
  let f: Fixture;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    k = db.kysely;
    store = createRenderStore(db);
    f = await seed(k);
  });
  afterEach(async () => db.cleanup());

  it('does read a rep with the team’s language and zone where the rep has none, and say whether the rep is active', async () => {
    expect(await store.rep(f.zhang)).toEqual({
      id: f.zhang, name: 'zhang', slackUserId: 'U_ZHANG', discordUserId: null, locale: 'zh-CN', zone: 'Asia/Shanghai', teamId: f.team, teamName: 'Shanghai', agendaHour: 9, active: true, preferred: 'slack',
    });
    expect(await store.rep(f.max)).toMatchObject({ locale: 'en', zone: 'Europe/Berlin', teamId: null, teamName: null, preferred: 'discord' });
    expect((await store.rep(f.gone))?.active).toBe(false);
    expect(await store.rep(MAX_ROW_ID)).toBeUndefined();
    expect(await store.team(f.team)).toEqual({ id: f.team, name: 'Shanghai', slackChannelId: 'C_SH', discordChannelId: null, locale: 'zh-CN', zone: 'Asia/Shanghai' });
    expect(await store.team(MAX_ROW_ID)).toBeUndefined();
  });

  it('does read a customer with the newest week’s tier, the owner’s name and the opt-out as a boolean', async () => {
    await score(k, f.c.bob, { week: LAST_WEEK, tier: 'D' });
    await score(k, f.c.bob, { tier: 'A' });
    expect(await store.customer(f.c.bob)).toEqual({ id: f.c.bob, externalId: 'C1', name: 'Bob', birthdayYear: 1990, greetingOptOut: false, ownerName: 'zhang', tier: 'A' });
    expect(await store.customer(f.c.optedOut)).toMatchObject({ greetingOptOut: true, tier: null });
    expect(await store.customer(f.c.nobody)).toMatchObject({ ownerName: null, tier: null });
    expect(await store.customer(MAX_ROW_ID)).toBeUndefined();
  });

  it('does read callbacks, tickets and their owners now, null for a ticket nobody owns', async () => {
    const callback = (await k.insertInto('Callback').values({ customerId: f.c.bob, ownerId: f.zhang, dueAt: NOW, note: 'call back', createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    expect(await store.callback(callback)).toEqual({ status: 'open', dueAt: NOW, note: 'call back', customerName: 'Bob' });
    expect(await store.callbackOwner(callback)).toBe(f.zhang);
    expect(await store.callbackOwner(MAX_ROW_ID)).toBeUndefined();
    const ticket = async (ownerId: number | null) =>
      (await k.insertInto('Ticket').values({ customerId: f.c.bob, ownerId, text: 'late', tier: 'A', openedAt: NOW - HOUR, deadline: NOW + HOUR, createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const owned = await ticket(f.zhang);
    const unowned = await ticket(null);
    expect(await store.ticketOwner(owned)).toBe(f.zhang);
    expect(await store.ticketOwner(unowned)).toBeNull();
    expect(await store.ticketOwner(MAX_ROW_ID)).toBeUndefined();
    expect(await store.ticket(unowned)).toEqual({
      id: unowned, status: 'open', text: 'late', deadline: NOW + HOUR, openedAt: NOW - HOUR, customerId: f.c.bob, externalId: 'C1', name: 'Bob', ownerName: null,
    });
  });

  it('does route a callback or complaint to its owner now, and leave a row whose payload names no row as it is', async () => {
    const data = createNudgeData(store);
    const callback = (await k.insertInto('Callback').values({ customerId: f.c.maxs, ownerId: f.max, dueAt: NOW, createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const row = (kind: NudgeKind, payload: object) => ({ kind, targetKind: 'rep' as const, targetId: f.zhang, payload: JSON.stringify(payload) });
    expect(await data.target(row('callback', { callbackId: callback }))).toEqual({ targetKind: 'rep', targetId: f.max });
    // An id past PostgreSQL's integer would fail the query there: no row has it, so the row keeps its target.
    for (const payload of [{ callbackId: MAX_ROW_ID + 1 }, { callbackId: -1 }, { callbackId: 'x' }, {}]) {
      expect(await data.target(row('callback', payload))).toEqual(row('callback', payload));
    }
    expect(await data.target(row('complaint', { ticketId: 2 ** 40 }))).toEqual(row('complaint', { ticketId: 2 ** 40 }));
    expect(await data.target(row('complaint', { interactionId: 1, rating: 1 }))).toMatchObject({ targetId: f.zhang });
  });

  it('does say whether a customer is in a rep’s book, and whether a newer digest replaces one', async () => {
    expect(await store.inBook(f.c.bob, f.zhang)).toBe(true);
    expect(await store.inBook(f.c.maxs, f.zhang)).toBe(false);
    await nudge(k, { kind: 'digest', targetId: f.zhang, dueAt: NOW });
    expect(await store.hasNewerDigest(f.zhang, NOW - DAY, NOW)).toBe(true);
    expect(await store.hasNewerDigest(f.zhang, NOW, NOW + DAY)).toBe(false);
    expect(await store.hasNewerDigest(f.zhang, NOW - DAY, NOW - 1)).toBe(false);
  });

  it('does list a rep’s open callbacks of a window in order of time, ties by id, only customers in the book', async () => {
    const callback = async (customerId: number, dueAt: number, values: Partial<{ status: string; timed: boolean; ownerId: number }> = {}) =>
      (await k.insertInto('Callback').values({ customerId, ownerId: f.zhang, dueAt, createdAt: 0, source: 'cadence', ...values }).returning('id').executeTakeFirstOrThrow()).id;
    await score(k, f.c.alice, { tier: 'B' });
    const later = await callback(f.c.bob, NOW + 2 * HOUR);
    const tie1 = await callback(f.c.alice, NOW + HOUR, { timed: true });
    const tie2 = await callback(f.c.bob2, NOW + HOUR, { timed: false });
    await callback(f.c.bob, NOW + HOUR, { status: 'done' });
    await callback(f.c.maxs, NOW + HOUR);
    await callback(f.c.bob, NOW + DAY);
    const rows = await store.agendaCallbacks(f.zhang, NOW, NOW + DAY);
    expect(rows.map((r) => r.id)).toEqual([tie1, tie2, later]);
    expect(rows[0]).toEqual({ id: tie1, dueAt: NOW + HOUR, timed: true, source: 'cadence', note: '', customerId: f.c.alice, externalId: 'C2', name: 'alice', tier: 'B' });
    expect(rows[1]).toMatchObject({ timed: false, tier: null });
  });

  it('does list the rep’s birthdays of a day that take greetings, and count the check-ins the limit held back', async () => {
    expect((await store.birthdays(f.zhang, 1, 5)).map((c) => c.id)).toEqual([f.c.bob, f.c.alice]);
    expect(await store.birthdays(f.zhang, 1, 6)).toEqual([]);
    await k.insertInto('Callback').values({ customerId: f.c.bob2, ownerId: f.zhang, dueAt: NOW, createdAt: 0 }).execute();
    // Bob, alice and Quiet: Bob 2 has an open callback, Lost is lost.
    expect(await store.waitingCheckIns(f.zhang, NOW + 1)).toBe(3);
    expect(await store.waitingCheckIns(f.zhang, NOW)).toBe(0);
    expect(await store.teamSettings(f.team)).toBe('{"schedule":{"checkInsPerDay":3}}');
    expect(await store.teamSettings(MAX_ROW_ID)).toBeUndefined();
  });

  it('does list win-back plans opened since the last agenda sent, most at stake first (halves rounded away from zero), ties by start and id', async () => {
    const plan = async (customerId: number, startedAt: number, status = 'open') =>
      k.insertInto('WinbackEpisode').values({ customerId, episode: 1, startedAt, deadline: startedAt + 30 * DAY, status }).execute();
    // 1001 × 0.5 = 500.5 → 501 on both engines.
    await score(k, f.c.bob, { tier: 'A', clv: 1001, churn: 0.5 });
    await score(k, f.c.alice, { tier: 'B', clv: null, lifetime: 1002, churn: 0.5 });
    await score(k, f.c.bob2, { tier: 'C', clv: 1001, churn: 0.5, week: LAST_WEEK });
    await plan(f.c.bob, NOW - 2 * HOUR);
    await plan(f.c.alice, NOW - 3 * HOUR);
    await plan(f.c.bob2, NOW - 3 * HOUR);
    await plan(f.c.optedOut, NOW - 3 * HOUR);
    await plan(f.c.lost, NOW - 3 * HOUR, 'lost');
    await plan(f.c.maxs, NOW - 3 * HOUR);
    const rows = await store.winbacks(f.zhang, NOW);
    expect(rows.map((r) => [r.name, r.atStakeMinor, r.tier])).toEqual([
      ['alice', 501, 'B'],
      ['Bob', 501, 'A'],
      // Scored only in an older week: nothing at stake this week.
      ['Bob', 0, null],
      ['Quiet', 0, null],
    ]);
    expect(rows[0]).toMatchObject({ externalId: 'C2', deadline: NOW - 3 * HOUR + 30 * DAY, crossSell: 'tea', crossSellFrom: 'coffee' });
    // An agenda went out two and a half hours ago: only Bob's plan is newer.
    await nudge(k, { kind: 'agenda', targetId: f.zhang, dueAt: NOW - 3 * HOUR, status: 'sent', sentAt: NOW - 2.5 * HOUR });
    expect((await store.winbacks(f.zhang, NOW)).map((r) => r.id)).toEqual([f.c.bob]);
    // Drawn again as of that agenda's own sending: its plans stay on it.
    expect((await store.winbacks(f.zhang, NOW - 2.5 * HOUR)).map((r) => r.id)).toEqual([f.c.alice, f.c.bob2, f.c.optedOut]);
  });

  it('does list the newly at risk, riskiest first, those without a risk last, ties by id', async () => {
    for (const [id, churn] of [[f.c.bob, 0.5], [f.c.alice, null], [f.c.bob2, 0.9], [f.c.optedOut, 0.5], [f.c.lost, 0.7]] as const) {
      await score(k, id, { tier: 'A', lifecycle: 'at_risk', churn });
    }
    // At risk last week already: not new.
    await score(k, f.c.lost, { week: LAST_WEEK, tier: 'A', lifecycle: 'at_risk' });
    await score(k, f.c.bob2, { week: LAST_WEEK, tier: 'A', lifecycle: 'active' });
    const rows = await store.atRisk(f.zhang, NOW - DAY);
    expect(rows.map((r) => r.id)).toEqual([f.c.bob2, f.c.bob, f.c.optedOut, f.c.alice]);
    expect(rows[3]).toEqual({ id: f.c.alice, externalId: 'C2', name: 'alice', churnRisk: null });
    expect(await store.atRisk(f.zhang, NOW)).toEqual([]);
  });

  it('does read reorder reminders with their payload, reason, last purchase (refunds left out) and order', async () => {
    await score(k, f.c.bob, { tier: 'A', reason: { typicalIntervalDays: 18 } });
    const order = (customerId: number, orderedAt: number, amountMinor: number, product: string | null, category: string | null = null) =>
      k.insertInto('Order').values({ customerId, orderedAt, amountMinor, product, category, createdAt: 0 }).execute();
    await order(f.c.bob, NOW - 10 * DAY, 500, 'Tea');
    await order(f.c.bob, NOW - DAY, -500, 'Tea');
    const first = await nudge(k, { kind: 'reorder', targetId: f.zhang, customerId: f.c.bob2, dueAt: NOW - HOUR, payload: { cycle: '2026-12-20' } });
    const second = await nudge(k, { kind: 'reorder', targetId: f.zhang, customerId: f.c.bob, dueAt: NOW - HOUR, payload: { cycle: '2026-12-25' } });
    const third = await nudge(k, { kind: 'reorder', targetId: f.zhang, customerId: f.c.alice, dueAt: NOW - HOUR, payload: { cycle: '2026-12-25' } });
    await nudge(k, { kind: 'reorder', targetId: f.zhang, customerId: f.c.alice, dueAt: NOW + HOUR });
    await nudge(k, { kind: 'reorder', targetId: f.zhang, customerId: f.c.alice, dueAt: NOW - HOUR, status: 'sent' });
    // Same time: "Bob" before "alice" (byte order), then the two Bobs by id.
    const due = await store.reordersDue(f.zhang, NOW);
    expect(due.map((r) => r.nudgeId)).toEqual([second, first, third]);
    expect(due[0]).toEqual({
      nudgeId: second, id: f.c.bob, externalId: 'C1', name: 'Bob', ownerId: f.zhang, targetId: f.zhang, payload: '{"cycle":"2026-12-25"}', churnReason: '{"typicalIntervalDays":18}',
      crossSell: 'tea', crossSellFrom: 'coffee', lastBoughtAt: NOW - 10 * DAY,
    });
    expect(due[1]).toMatchObject({ churnReason: null, crossSell: null, lastBoughtAt: null });
    const agenda = await nudge(k, { kind: 'agenda', targetId: f.zhang, dueAt: NOW });
    await k.updateTable('Nudge').set({ carriedBy: agenda, status: 'sent' }).where('id', 'in', [first, third]).execute();
    expect((await store.reordersCarriedBy(agenda)).map((r) => r.nudgeId)).toEqual([first, third]);
    expect(await store.reorder(second)).toEqual(due[0]);
    expect(await store.reorder(MAX_ROW_ID)).toBeUndefined();
  });

  it('does name what a customer buys most often: most orders, then most spent, then by name; product before category, trimmed', async () => {
    const order = (orderedAt: number, amountMinor: number, product: string | null, category: string | null = null) =>
      k.insertInto('Order').values({ customerId: f.c.bob, orderedAt, amountMinor, product, category, createdAt: 0 }).execute();
    expect(await store.usualItem(f.c.bob, 0)).toBeNull();
    await order(NOW, 100, '  ', null);
    expect(await store.usualItem(f.c.bob, 0)).toBeNull();
    await order(NOW, 100, 'tea', null);
    await order(NOW, 100, ' Tea ', null);
    expect(await store.usualItem(f.c.bob, 0)).toBe('Tea');
    await order(NOW, 300, null, 'Tea');
    // Tea 2 orders (400), tea 1 order: Tea.
    expect(await store.usualItem(f.c.bob, 0)).toBe('Tea');
    await order(NOW, 400, 'tea', null);
    // Two each; tea has spent more.
    expect(await store.usualItem(f.c.bob, 0)).toBe('tea');
    await order(NOW, 100, ' Tea', null);
    // Tea 3 orders (500), tea 2 (400), refunds and older orders count for nothing.
    await order(NOW, -10_000, 'tea', null);
    await order(NOW - 400 * DAY, 100, 'tea', null);
    await order(NOW - 400 * DAY, 100, 'tea', null);
    expect(await store.usualItem(f.c.bob, NOW - 365 * DAY)).toBe('Tea');
  });

  it('does read ratings and win-back plans for the care nudges', async () => {
    const rating = (await k.insertInto('Interaction').values({ customerId: f.c.bob, kind: 'call', at: NOW, satisfaction: 1, text: 'slow', createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    expect(await store.rating(rating)).toEqual({ text: 'slow', id: f.c.bob, externalId: 'C1', name: 'Bob', ownerName: 'zhang' });
    expect(await store.rating(MAX_ROW_ID)).toBeUndefined();
    await k.insertInto('WinbackEpisode').values({ customerId: f.c.bob, episode: 2, startedAt: NOW, deadline: NOW + DAY, status: 'won' }).execute();
    expect(await store.winbackPlan(f.c.bob, 2)).toEqual({ status: 'won', deadline: NOW + DAY });
    expect(await store.winbackPlan(f.c.bob, 1)).toBeUndefined();
  });

  it('does count a team’s customers to greet and the A and B among them, as numbers', async () => {
    await score(k, f.c.bob, { tier: 'A' });
    await score(k, f.c.alice, { tier: 'B' });
    await score(k, f.c.bob2, { tier: 'C' });
    await score(k, f.c.lost, { tier: 'A', week: LAST_WEEK });
    // Bob, alice, Bob 2 and Lost: Quiet opted out, the inactive rep's customer and Max's are not the team's to greet.
    expect(await store.teamGreetings(f.team)).toEqual({ total: 4, top: 2 });
    expect(await store.teamGreetings(MAX_ROW_ID)).toEqual({ total: 0, top: 0 });
  });

  it('does list holiday greetings, A and B first, then by name in byte order and id; pending or carried by one agenda', async () => {
    await score(k, f.c.bob2, { tier: 'B' });
    await score(k, f.c.alice, { tier: 'A' });
    await score(k, f.c.bob, { tier: 'D' });
    const holiday = (customerId: number, values: { status?: string; dueAt?: number; carriedBy?: number } = {}) =>
      nudge(k, { kind: 'holiday', targetId: f.zhang, customerId, dueAt: NOW, payload: { date: '2027-01-05', holiday: 'x', name: 'X' }, ...values });
    const lost = await holiday(f.c.lost);
    const bob = await holiday(f.c.bob);
    const alice = await holiday(f.c.alice);
    const bob2 = await holiday(f.c.bob2);
    await holiday(f.c.optedOut);
    await holiday(f.c.bob, { dueAt: NOW + 1 });
    const pending = await store.greetingsPending(f.zhang, NOW);
    expect(pending.map((g) => g.id)).toEqual([alice, bob2, bob, lost]);
    expect(pending[0]).toEqual({ id: alice, payload: '{"date":"2027-01-05","holiday":"x","name":"X"}', customerId: f.c.alice, externalId: 'C2', name: 'alice', tier: 'A' });
    const agenda = await nudge(k, { kind: 'agenda', targetId: f.zhang, dueAt: NOW });
    await k.updateTable('Nudge').set({ status: 'sent', carriedBy: agenda }).where('id', 'in', [bob, lost]).execute();
    expect((await store.greetingsCarriedBy(f.zhang, agenda)).map((g) => g.id)).toEqual([bob, lost]);
    expect((await store.greetingsPending(f.zhang, NOW)).map((g) => g.id)).toEqual([alice, bob2]);
  });

  it('does list who rated 5 in a window once each, by name in byte order and id, and the light-touch list most at stake first', async () => {
    const rate = (customerId: number, at: number, satisfaction: number) => k.insertInto('Interaction').values({ customerId, kind: 'call', at, satisfaction, createdAt: 0 }).execute();
    await rate(f.c.alice, NOW - HOUR, 5);
    await rate(f.c.bob2, NOW - HOUR, 5);
    await rate(f.c.bob2, NOW - 2 * HOUR, 5);
    await rate(f.c.bob, NOW - HOUR, 5);
    await rate(f.c.lost, NOW - HOUR, 4);
    await rate(f.c.maxs, NOW - HOUR, 5);
    await rate(f.c.optedOut, NOW - DAY, 5);
    expect(await store.topRatings(f.zhang, NOW - 3 * HOUR, NOW)).toEqual([
      { id: f.c.bob, externalId: 'C1', name: 'Bob' },
      { id: f.c.bob2, externalId: 'C3', name: 'Bob' },
      { id: f.c.alice, externalId: 'C2', name: 'alice' },
    ]);
    expect(await store.topRatings(f.zhang, NOW - HOUR, NOW)).toEqual([]);

    await score(k, f.c.bob, { tier: 'A', lifecycle: 'at_risk', clv: 1001, churn: 0.5 });
    await score(k, f.c.alice, { tier: 'A', lifecycle: 'lapsed', clv: 2000, churn: 0.25 });
    await score(k, f.c.bob2, { tier: 'A', lifecycle: 'at_risk', clv: 3000, churn: 0.1 });
    await score(k, f.c.optedOut, { tier: 'A', lifecycle: 'active', clv: 9000, churn: 0.9 });
    await score(k, f.c.lost, { tier: 'A', lifecycle: 'lapsed', clv: 9000, churn: 0.9 });
    await k.insertInto('WinbackEpisode').values({ customerId: f.c.bob2, episode: 1, startedAt: NOW, deadline: NOW + DAY, status: 'open' }).execute();
    expect(await store.lightTouch(f.zhang)).toEqual([
      { id: f.c.bob, externalId: 'C1', name: 'Bob', atStakeMinor: 501 },
      { id: f.c.alice, externalId: 'C2', name: 'alice', atStakeMinor: 500 },
    ]);
  });
});
