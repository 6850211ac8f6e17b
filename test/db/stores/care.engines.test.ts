import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { BookTransfers, CareBook } from '../../../src/commands/ports.js';
import { DAY_MS } from '../../../src/domain/calendar.js';
import { createBookTransfers } from '../../../src/db/book-transfers.js';
import { createCareBook } from '../../../src/db/care-book.js';
import { followUpRating, followUpRatings, openTicket, openTickets } from '../../../src/db/care-writes.js';
import { createIdentityDirectory } from '../../../src/db/identity-directory.js';
import type { Schema } from '../../../src/db/schema.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

/** Friday 2027-01-08, 16:00 in Shanghai. */
const FRIDAY = new Date('2027-01-08T08:00:00Z');
const HOUR = 3_600_000;
const WEEK = '2027-W01';
const PAGE = { offset: 0, limit: 100 };

/** Two teams: Shanghai (Zhang and Liu rep, Li manages, an inactive rep and an admin) and Berlin (Max). */
async function seedTeams(k: Kysely<Schema>) {
  const team = async (name: string, timeZone: string, settings = '{}') =>
    (await k.insertInto('Team').values({ name, timeZone, settings, createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
  const shanghai = await team('Shanghai', 'Asia/Shanghai', JSON.stringify({ complaintDeadlines: { B: '8h' } }));
  const berlin = await team('Berlin', 'Europe/Berlin');
  const rep = async (name: string, teamId: number | null, extra: { role?: string; active?: boolean; timeZone?: string } = {}) =>
    (await k.insertInto('Rep').values({ name, email: `${name}@rapport.test`, teamId, createdAt: 0, updatedAt: 0, ...extra }).returning('id').executeTakeFirstOrThrow()).id;
  return {
    shanghai,
    berlin,
    zhang: await rep('zhang', shanghai),
    liu: await rep('liu', shanghai),
    li: await rep('li', shanghai, { role: 'manager' }),
    gone: await rep('gone', shanghai, { active: false }),
    admin: await rep('admin', shanghai, { role: 'admin' }),
    max: await rep('max', berlin, { timeZone: 'Europe/Berlin' }),
  };
}

let customers = 0;
async function addCustomer(k: Kysely<Schema>, ownerId: number | null, name = `customer ${++customers}`) {
  return (await k.insertInto('Customer').values({ externalId: `C${++customers}`, name, ownerId, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
}

async function score(k: Kysely<Schema>, customerId: number, s: { tier: string; lifecycle?: string; clv?: number | null; lifetime?: number; churn?: number | null; week?: string }) {
  await k
    .insertInto('ScoreSnapshot')
    .values({
      customerId, week: s.week ?? WEEK, computedAt: 0, asOf: 0, frequency: 1, monetaryMinor: 0, lifetimeMinor: s.lifetime ?? 0, orderCount: 1,
      tier: s.tier, valueBand: 'mid', lifecycle: s.lifecycle ?? 'active', clv12Minor: s.clv ?? null, churnRisk: s.churn ?? null,
    })
    .execute();
}

async function plan(k: Kysely<Schema>, customerId: number, p: { episode?: number; deadline: number; status?: string; closedAt?: number; reason?: string }) {
  await k
    .insertInto('WinbackEpisode')
    .values({ customerId, episode: p.episode ?? 1, startedAt: 0, deadline: p.deadline, status: p.status ?? 'open', closedAt: p.closedAt ?? null, reason: p.reason ?? null })
    .execute();
}

const callbacksOf = (k: Kysely<Schema>, customerId: number) =>
  k.selectFrom('Callback').select(['id', 'ownerId', 'dueAt', 'timed', 'source', 'dedupeKey', 'status']).where('customerId', '=', customerId).orderBy('id').execute();

describeEngines('the care book', (engine) => {
  let db: TestStoreDatabase;
  let care: CareBook;
  let reps: Awaited<ReturnType<typeof seedTeams>>;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    care = createCareBook(db);
    reps = await seedTeams(db.kysely);
  });
  afterEach(async () => db?.cleanup());

  it('does open a complaint’s ticket for the owner, due by the tier’s deadline in the team’s working hours, and count it as a touch', async () => {
    const customer = await addCustomer(db.kysely, reps.zhang, 'O’Brien "quoted" 王芳');
    await score(db.kysely, customer, { tier: 'A', week: '2026-W52' });
    const { ticket, interactionId } = await care.logComplaint({ customerId: customer, repId: reps.liu, text: 'Late — again', at: FRIDAY, satisfaction: 1 });
    // Tier A answers within 4 working hours: Friday 16:00–18:00, then Monday 09:00–11:00 in Shanghai.
    expect(ticket).toEqual({
      id: ticket.id, customerId: customer, customerName: 'O’Brien "quoted" 王芳', customerExternalId: expect.stringMatching(/^C\d+$/),
      ownerId: reps.zhang, ownerName: 'zhang', text: 'Late — again', tier: 'A', openedAt: FRIDAY, deadline: new Date('2027-01-11T03:00:00Z'),
      status: 'open', resolvedAt: null, resolution: null,
    });
    const interaction = await db.kysely.selectFrom('Interaction').selectAll().where('id', '=', interactionId).executeTakeFirstOrThrow();
    expect(interaction).toMatchObject({ customerId: customer, repId: reps.liu, kind: 'complaint', at: FRIDAY.getTime(), text: 'Late — again', satisfaction: 1 });
    const touched = await db.kysely.selectFrom('Customer').select('lastTouchAt').where('id', '=', customer).executeTakeFirstOrThrow();
    expect(touched.lastTouchAt).toBe(FRIDAY.getTime());
  });

  it('does take the newest score’s tier and the team’s own deadlines, the slowest tier when unscored, and the logger when nobody owns the customer', async () => {
    const scoredB = await addCustomer(db.kysely, reps.zhang);
    await score(db.kysely, scoredB, { tier: 'D', week: '2026-W50' });
    await score(db.kysely, scoredB, { tier: 'B', week: '2026-W52' });
    const b = await care.logComplaint({ customerId: scoredB, repId: reps.zhang, text: 'b', at: FRIDAY, satisfaction: null });
    // Shanghai answers tier B within 8 working hours (its settings), not the default working day.
    expect({ tier: b.ticket.tier, deadline: b.ticket.deadline }).toEqual({ tier: 'B', deadline: new Date('2027-01-11T07:00:00Z') });
    const unscored = await care.logComplaint({ customerId: await addCustomer(db.kysely, reps.max), repId: reps.max, text: 'd', at: FRIDAY, satisfaction: null });
    // Tier D: 2 working days of 9 hours from Friday 09:00 in Berlin: Monday 18:00 there.
    expect({ tier: unscored.ticket.tier, deadline: unscored.ticket.deadline }).toEqual({ tier: 'D', deadline: new Date('2027-01-11T17:00:00Z') });
    const orphan = await care.logComplaint({ customerId: await addCustomer(db.kysely, null), repId: reps.li, text: 'o', at: FRIDAY, satisfaction: null });
    expect({ ownerId: orphan.ticket.ownerId, ownerName: orphan.ticket.ownerName }).toEqual({ ownerId: reps.li, ownerName: 'li' });
  });

  it('does open one ticket per complaint interaction however often asked, and none for a customer that does not exist', async () => {
    const customer = await addCustomer(db.kysely, reps.zhang);
    const { ticket, interactionId } = await care.logComplaint({ customerId: customer, repId: reps.zhang, text: 'once', at: FRIDAY, satisfaction: null });
    const again = { interactionId, customerId: customer, loggedBy: reps.zhang, text: 'twice', at: new Date(FRIDAY.getTime() + DAY_MS) };
    expect(await openTicket(db.kysely, again)).toBe(ticket.id);
    expect(await db.kysely.selectFrom('Ticket').select(['id', 'text']).execute()).toEqual([{ id: ticket.id, text: 'once' }]);
    expect(await openTicket(db.kysely, { ...again, customerId: 999_999 })).toBeNull();
  });

  it('does open a batch of tickets and follow-ups in one go, each answer in the order asked, an existing one kept and a missing customer null', async () => {
    const [a, b] = [await addCustomer(db.kysely, reps.zhang), await addCustomer(db.kysely, reps.max)];
    const orphan = await addCustomer(db.kysely, null);
    const interaction = async (customerId: number) =>
      (await db.kysely.insertInto('Interaction').values({ customerId, kind: 'complaint', at: FRIDAY.getTime(), satisfaction: 1, createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const [ia, ib, io] = [await interaction(a), await interaction(b), await interaction(orphan)];
    const complaint = (interactionId: number, customerId: number) => ({ interactionId, customerId, loggedBy: null, text: 'imported', at: FRIDAY });
    const existing = await openTicket(db.kysely, complaint(ib, b));
    const ids = await openTickets(db.kysely, [complaint(ia, a), complaint(ib, b), complaint(ia, a), { ...complaint(io, 999_999) }]);
    const stored = await db.kysely.selectFrom('Ticket').select(['id', 'interactionId', 'ownerId']).orderBy('id').execute();
    expect(stored).toEqual([{ id: existing, interactionId: ib, ownerId: reps.max }, { id: ids[0], interactionId: ia, ownerId: reps.zhang }]);
    expect(ids).toEqual([ids[0], existing, ids[0], null]);
    const followUps = await followUpRatings(db.kysely, [{ interactionId: ia, at: FRIDAY }, { interactionId: io, at: FRIDAY }, { interactionId: ib, at: FRIDAY }, { interactionId: 999_999, at: FRIDAY }]);
    expect(followUps.map((f) => f && (f.callbackId > 0))).toEqual([true, null, true, null]);
    expect(await callbacksOf(db.kysely, b)).toEqual([{ id: followUps[2]!.callbackId, ownerId: reps.max, dueAt: followUps[2]!.dueAt.getTime(), timed: false, source: 'low-rating', dedupeKey: `rating:${ib}`, status: 'open' }]);
    expect(await openTickets(db.kysely, [])).toEqual([]);
    expect(await followUpRatings(db.kysely, [])).toEqual([]);
  });

  it('does show a ticket only within the reader’s book', async () => {
    const theirs = await addCustomer(db.kysely, reps.liu);
    const { ticket } = await care.logComplaint({ customerId: theirs, repId: reps.liu, text: 'x', at: FRIDAY, satisfaction: null });
    expect((await care.ticket(ticket.id, { kind: 'owner', repId: reps.liu }))?.id).toBe(ticket.id);
    expect(await care.ticket(ticket.id, { kind: 'owner', repId: reps.zhang })).toBeNull();
    expect((await care.ticket(ticket.id, { kind: 'team', teamId: reps.shanghai }))?.id).toBe(ticket.id);
    expect(await care.ticket(ticket.id, { kind: 'team', teamId: reps.berlin })).toBeNull();
    expect((await care.ticket(ticket.id, { kind: 'all' }))?.id).toBe(ticket.id);
    expect(await care.ticket(ticket.id + 1000, { kind: 'all' })).toBeNull();
  });

  it('does list open, overdue and all tickets: open first, by deadline then id, per owner, team and book, a page at a time with the total', async () => {
    const zhangs = await addCustomer(db.kysely, reps.zhang);
    const lius = await addCustomer(db.kysely, reps.liu);
    const maxs = await addCustomer(db.kysely, reps.max);
    const log = async (customerId: number, at: Date) => (await care.logComplaint({ customerId, repId: reps.li, text: 't', at, satisfaction: null })).ticket.id;
    const early = await log(zhangs, new Date(FRIDAY.getTime() - 7 * DAY_MS));
    const tie1 = await log(lius, FRIDAY);
    const tie2 = await log(zhangs, FRIDAY);
    const berlin = await log(maxs, FRIDAY);
    const resolved = await log(lius, new Date(FRIDAY.getTime() - 14 * DAY_MS));
    await care.resolveTicket(resolved, { repId: reps.liu, text: 'done', at: FRIDAY });
    const ids = async (...args: Parameters<CareBook['tickets']>) => {
      const page = await care.tickets(...args);
      return { ids: page.rows.map((r) => r.id), total: page.total };
    };
    const all = { kind: 'all' } as const;
    const now = new Date(FRIDAY.getTime() + HOUR);
    // Berlin's working day ends earlier (Monday 18:00 there) than Shanghai's two days from Friday 16:00 (Tuesday 16:00).
    expect(await ids({ status: 'open' }, all, now, PAGE)).toEqual({ ids: [early, berlin, tie1, tie2], total: 4 });
    expect(await ids({ status: 'all' }, all, now, PAGE)).toEqual({ ids: [early, berlin, tie1, tie2, resolved], total: 5 });
    expect(await ids({ status: 'overdue' }, all, now, PAGE)).toEqual({ ids: [early], total: 1 });
    expect(await ids({ status: 'open', ownerId: reps.zhang }, all, now, PAGE)).toEqual({ ids: [early, tie2], total: 2 });
    expect(await ids({ status: 'all', teamId: reps.shanghai }, all, now, PAGE)).toEqual({ ids: [early, tie1, tie2, resolved], total: 4 });
    expect(await ids({ status: 'all' }, { kind: 'owner', repId: reps.liu }, now, PAGE)).toEqual({ ids: [tie1, resolved], total: 2 });
    expect(await ids({ status: 'open' }, { kind: 'team', teamId: reps.berlin }, now, PAGE)).toEqual({ ids: [berlin], total: 1 });
    expect(await ids({ status: 'open', teamId: reps.shanghai }, { kind: 'team', teamId: reps.berlin }, now, PAGE)).toEqual({ ids: [], total: 0 });
    expect(await ids({ status: 'all' }, all, now, { offset: 2, limit: 2 })).toEqual({ ids: [tie1, tie2], total: 5 });
  });

  it('does resolve a ticket once and schedule one satisfaction check on the owner’s day 7 days on', async () => {
    const customer = await addCustomer(db.kysely, reps.max);
    const { ticket } = await care.logComplaint({ customerId: customer, repId: reps.max, text: 'x', at: FRIDAY, satisfaction: null });
    const at = new Date('2027-01-12T22:30:00Z'); // Tuesday 23:30 in Berlin, already Wednesday in Shanghai
    const check = await care.resolveTicket(ticket.id, { repId: reps.li, text: 'refunded', at });
    // Berlin's Tuesday + 7 days, at the untimed hour (09:00).
    expect(check.callbackDue).toEqual(new Date('2027-01-19T08:00:00Z'));
    expect(await care.resolveTicket(ticket.id, { repId: reps.li, text: 'again', at: new Date(at.getTime() + DAY_MS) })).toEqual(check);
    expect(await care.ticket(ticket.id, { kind: 'all' })).toMatchObject({ status: 'resolved', resolvedAt: at, resolution: 'refunded' });
    const row = await db.kysely.selectFrom('Ticket').select('resolvedById').where('id', '=', ticket.id).executeTakeFirstOrThrow();
    expect(row.resolvedById).toBe(reps.li);
    expect(await callbacksOf(db.kysely, customer)).toEqual([
      { id: check.callbackId, ownerId: reps.max, dueAt: check.callbackDue.getTime(), timed: false, source: 'satisfaction', dedupeKey: `satisfaction:${ticket.id}`, status: 'open' },
    ]);
  });

  it('does follow a low rating up once, on the owner’s next agenda, and not at all without an owner', async () => {
    const customer = await addCustomer(db.kysely, reps.zhang);
    const rated = async (customerId: number) =>
      (await db.kysely.insertInto('Interaction').values({ customerId, repId: reps.zhang, kind: 'call', at: FRIDAY.getTime(), satisfaction: 2, createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const interaction = await rated(customer);
    // Friday 16:00 in Shanghai: the next agenda is Monday 09:00.
    const followUp = await care.followUpLowRating(interaction, FRIDAY);
    expect(followUp?.dueAt).toEqual(new Date('2027-01-11T01:00:00Z'));
    expect(await care.followUpLowRating(interaction, new Date(FRIDAY.getTime() + DAY_MS))).toEqual(followUp);
    expect(await followUpRating(db.kysely, interaction, FRIDAY)).toEqual(followUp);
    expect(await callbacksOf(db.kysely, customer)).toEqual([
      { id: followUp!.callbackId, ownerId: reps.zhang, dueAt: followUp!.dueAt.getTime(), timed: false, source: 'low-rating', dedupeKey: `rating:${interaction}`, status: 'open' },
    ]);
    const orphan = await addCustomer(db.kysely, null);
    expect(await care.followUpLowRating(await rated(orphan), FRIDAY)).toBeNull();
    expect(await care.followUpLowRating(999_999, FRIDAY)).toBeNull();
    expect(await db.kysely.selectFrom('Callback').select('id').where('customerId', '=', orphan).execute()).toEqual([]);
  });

  it('does record and clear who referred a customer', async () => {
    const [customer, referrer] = [await addCustomer(db.kysely, reps.zhang), await addCustomer(db.kysely, reps.liu)];
    const referredBy = async () => (await db.kysely.selectFrom('Customer').select('referredById').where('id', '=', customer).executeTakeFirstOrThrow()).referredById;
    await care.setReferral(customer, referrer);
    expect(await referredBy()).toBe(referrer);
    await care.setReferral(customer, null);
    expect(await referredBy()).toBeNull();
  });

  it('does read the open plan with its value at stake from the newest scores, rounding halves away from zero', async () => {
    const customer = await addCustomer(db.kysely, reps.zhang);
    await score(db.kysely, customer, { tier: 'A', clv: 999_999, churn: 0.9, week: '2026-W52' });
    await score(db.kysely, customer, { tier: 'B', clv: 1001, churn: 0.5 });
    await plan(db.kysely, customer, { episode: 2, deadline: FRIDAY.getTime() });
    expect(await care.openPlan(customer)).toEqual({
      customerId: customer, externalId: expect.any(String), name: expect.any(String), ownerId: reps.zhang, ownerName: 'zhang',
      episode: 2, startedAt: new Date(0), deadline: FRIDAY, extensions: 0, tier: 'B', atStakeMinor: 501,
    });
    expect(await care.openPlan(await addCustomer(db.kysely, reps.zhang))).toBeNull();
  });

  it('does list open plans by value at stake, then deadline, then customer, within the book, a page at a time', async () => {
    const add = async (ownerId: number, stake: { clv?: number | null; lifetime?: number; churn?: number | null } | null, deadline: number) => {
      const id = await addCustomer(db.kysely, ownerId);
      if (stake) await score(db.kysely, id, { tier: 'C', ...stake });
      await plan(db.kysely, id, { deadline });
      return id;
    };
    const big = await add(reps.zhang, { clv: 10_000, churn: 0.5 }, 3);
    const lifetime = await add(reps.liu, { clv: null, lifetime: 8_000, churn: 0.5 }, 2);
    const tieLate = await add(reps.zhang, { clv: 2_000, churn: 0.5 }, 9);
    const tieEarly = await add(reps.zhang, { clv: 1_000, churn: 1 }, 5);
    const unscored = await add(reps.zhang, null, 1);
    const noRisk = await add(reps.max, { clv: 50_000, churn: null }, 1);
    const closed = await addCustomer(db.kysely, reps.zhang);
    await plan(db.kysely, closed, { deadline: 0, status: 'lost', closedAt: 1 });
    const list = async (...args: Parameters<CareBook['plans']>) => {
      const page = await care.plans(...args);
      return { rows: page.rows.map((r) => [r.customerId, r.atStakeMinor]), total: page.total };
    };
    // Ties go by deadline (tieEarly before tieLate), then by customer (unscored before noRisk, both due at 1).
    expect(await list({}, { kind: 'all' }, PAGE)).toEqual({ rows: [[big, 5000], [lifetime, 4000], [tieEarly, 1000], [tieLate, 1000], [unscored, 0], [noRisk, 0]], total: 6 });
    expect(await list({ ownerId: reps.zhang }, { kind: 'all' }, PAGE)).toEqual({ rows: [[big, 5000], [tieEarly, 1000], [tieLate, 1000], [unscored, 0]], total: 4 });
    expect(await list({}, { kind: 'team', teamId: reps.berlin }, PAGE)).toEqual({ rows: [[noRisk, 0]], total: 1 });
    expect(await list({}, { kind: 'owner', repId: reps.liu }, PAGE)).toEqual({ rows: [[lifetime, 4000]], total: 1 });
    expect(await list({}, { kind: 'all' }, { offset: 2, limit: 2 })).toEqual({ rows: [[tieEarly, 1000], [tieLate, 1000]], total: 6 });
  });

  it('does list at-risk and lapsed customers of the newest week without a plan and not lost, by value at stake', async () => {
    const add = async (ownerId: number, lifecycle: string, clv: number, extra: { status?: string; week?: string; plan?: boolean } = {}) => {
      const id = await addCustomer(db.kysely, ownerId);
      if (extra.status) await db.kysely.updateTable('Customer').set({ status: extra.status }).where('id', '=', id).execute();
      await score(db.kysely, id, { tier: 'D', lifecycle, clv, churn: 0.5, week: extra.week });
      if (extra.plan) await plan(db.kysely, id, { deadline: 0 });
      return id;
    };
    const lapsed = await add(reps.zhang, 'lapsed', 3_000);
    const atRisk = await add(reps.liu, 'at_risk', 5_000);
    const tieA = await add(reps.zhang, 'at_risk', 1_000);
    const tieB = await add(reps.max, 'at_risk', 1_000);
    await add(reps.zhang, 'active', 9_000);
    await add(reps.zhang, 'at_risk', 9_000, { status: 'lost' });
    await add(reps.zhang, 'at_risk', 9_000, { plan: true });
    await add(reps.zhang, 'at_risk', 9_000, { week: '2026-W40' });
    const page = await care.lightTouch({}, { kind: 'all' }, PAGE);
    expect(page.total).toBe(4);
    expect(page.rows.map((r) => r.customerId)).toEqual([atRisk, lapsed, tieA, tieB]);
    expect(page.rows[0]).toEqual({ customerId: atRisk, externalId: expect.any(String), name: expect.any(String), ownerName: 'liu', tier: 'D', lifecycle: 'at_risk', atStakeMinor: 2500 });
    expect((await care.lightTouch({ ownerId: reps.zhang }, { kind: 'all' }, PAGE)).rows.map((r) => r.customerId)).toEqual([lapsed, tieA]);
    expect(await care.lightTouch({}, { kind: 'team', teamId: reps.berlin }, { offset: 0, limit: 5 })).toMatchObject({ total: 1, rows: [{ customerId: tieB }] });
    expect(await care.lightTouch({}, { kind: 'owner', repId: reps.zhang }, { offset: 1, limit: 1 })).toMatchObject({ total: 2, rows: [{ customerId: tieA }] });
  });

  it('does extend an open plan, give it up marking the customer lost, then keep its reason and read it as the last closed plan', async () => {
    const customer = await addCustomer(db.kysely, reps.zhang);
    await plan(db.kysely, customer, { episode: 1, deadline: 0, status: 'won', closedAt: 5, reason: 'old' });
    await plan(db.kysely, customer, { episode: 2, deadline: FRIDAY.getTime() });
    expect(await care.lastClosedPlan(customer)).toEqual({ episode: 1, status: 'won', closedAt: new Date(5), reason: 'old' });
    expect(await care.extendPlan(customer, 2, 10)).toEqual(new Date(FRIDAY.getTime() + 10 * DAY_MS));
    expect(await care.extendPlan(customer, 2, 5)).toEqual(new Date(FRIDAY.getTime() + 15 * DAY_MS));
    expect(await care.openPlan(customer)).toMatchObject({ episode: 2, extensions: 2 });
    // A reason kept only once the plan is closed.
    await care.setPlanReason(customer, 2, 'early');
    const at = new Date(FRIDAY.getTime() + DAY_MS);
    await care.giveUpPlan(customer, 2, 'price', at);
    expect(await care.openPlan(customer)).toBeNull();
    expect(await care.lastClosedPlan(customer)).toEqual({ episode: 2, status: 'given_up', closedAt: at, reason: 'price' });
    const marked = await db.kysely.selectFrom('Customer').select(['status', 'statusChangedAt']).where('id', '=', customer).executeTakeFirstOrThrow();
    expect(marked).toEqual({ status: 'lost', statusChangedAt: at.getTime() });
    // Giving up twice changes nothing; extending a closed plan neither.
    await db.kysely.updateTable('Customer').set({ status: 'none' }).where('id', '=', customer).execute();
    await care.giveUpPlan(customer, 2, 'competitor', new Date(at.getTime() + DAY_MS));
    expect(await care.extendPlan(customer, 2, 30)).toEqual(new Date(FRIDAY.getTime() + 15 * DAY_MS));
    expect(await care.lastClosedPlan(customer)).toEqual({ episode: 2, status: 'given_up', closedAt: at, reason: 'price' });
    expect((await db.kysely.selectFrom('Customer').select('status').where('id', '=', customer).executeTakeFirstOrThrow()).status).toBe('none');
    await care.setPlanReason(customer, 2, 'competitor');
    expect((await care.lastClosedPlan(customer))?.reason).toBe('competitor');
    expect(await care.lastClosedPlan(await addCustomer(db.kysely, reps.zhang))).toBeNull();
  });
});

describeEngines('book transfers', (engine) => {
  let db: TestStoreDatabase;
  let books: BookTransfers;
  let reps: Awaited<ReturnType<typeof seedTeams>>;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    books = createBookTransfers(db, createIdentityDirectory(db));
    reps = await seedTeams(db.kysely);
  });
  afterEach(async () => db?.cleanup());

  const by = (repId: number, at = FRIDAY) => ({ repId, at, note: (from: string, to: string) => `${from} → ${to} ‘handover’` });
  const ownerOf = async (customerId: number) => (await db.kysely.selectFrom('Customer').select('ownerId').where('id', '=', customerId).executeTakeFirstOrThrow()).ownerId;

  /** A customer of `ownerId` with an open and a done callback, an open ticket and an open plan. */
  async function busyCustomer(ownerId: number, tier: string | null = 'A', clv = 1000) {
    const id = await addCustomer(db.kysely, ownerId);
    if (tier) await score(db.kysely, id, { tier, clv });
    const callback = (status: string) => ({ customerId: id, ownerId, dueAt: FRIDAY.getTime(), status, createdAt: 0 });
    await db.kysely.insertInto('Callback').values([callback('open'), callback('done')]).execute();
    await db.kysely.insertInto('Ticket').values({ customerId: id, ownerId, tier: tier ?? 'D', openedAt: 0, deadline: 1, createdAt: 0 }).execute();
    await plan(db.kysely, id, { deadline: FRIDAY.getTime() });
    return id;
  }

  it('does move a book to another rep with its open callbacks and tickets, a handover note on each card, and count what moved', async () => {
    const moving = [await busyCustomer(reps.zhang, 'B'), await busyCustomer(reps.zhang, 'A')];
    const staying = await busyCustomer(reps.liu);
    const moved = await books.assignBook(reps.zhang, reps.liu, null, by(reps.li));
    expect(moved).toEqual({ customers: 2, callbacks: 2, tickets: 2, plans: 2, to: [{ repId: reps.liu, name: 'liu', customers: 2 }] });
    for (const id of [...moving, staying]) {
      expect(await ownerOf(id)).toBe(reps.liu);
      const callbacks = await db.kysely.selectFrom('Callback').select(['ownerId', 'status']).where('customerId', '=', id).orderBy('id').execute();
      // Done callbacks stay with whoever did them.
      expect(callbacks).toEqual([{ ownerId: reps.liu, status: 'open' }, { ownerId: id === staying ? reps.liu : reps.zhang, status: 'done' }]);
      expect((await db.kysely.selectFrom('Ticket').select('ownerId').where('customerId', '=', id).executeTakeFirstOrThrow()).ownerId).toBe(reps.liu);
    }
    const notes = await db.kysely.selectFrom('Interaction').select(['customerId', 'repId', 'kind', 'at', 'text']).orderBy('id').execute();
    // Dealt A first: the A customer's note comes first.
    expect(notes).toEqual([moving[1], moving[0]].map((customerId) => ({ customerId, repId: reps.li, kind: 'handover', at: FRIDAY.getTime(), text: 'zhang → liu ‘handover’' })));
    // A handover is no touch: the last touch stays the customer's creation.
    expect((await db.kysely.selectFrom('Customer').select('lastTouchAt').where('id', '=', moving[0]!).executeTakeFirstOrThrow()).lastTouchAt).toBe(0);
    expect(await books.assignBook(reps.zhang, reps.liu, null, by(reps.li))).toEqual({ customers: 0, callbacks: 0, tickets: 0, plans: 0, to: [] });
  });

  it('does move only the customers of one tier of the newest scores when asked', async () => {
    const a = await busyCustomer(reps.zhang, 'A');
    const c = await busyCustomer(reps.zhang, 'C');
    // Tier A two weeks ago, C now: not moved with the A customers.
    await score(db.kysely, c, { tier: 'A', week: '2026-W50' });
    const unscored = await busyCustomer(reps.zhang, null);
    const moved = await books.assignBook(reps.zhang, reps.li, 'A', by(reps.li));
    expect(moved).toMatchObject({ customers: 1, callbacks: 1, tickets: 1, plans: 1, to: [{ repId: reps.li, name: 'li', customers: 1 }] });
    expect([await ownerOf(a), await ownerOf(c), await ownerOf(unscored)]).toEqual([reps.li, reps.zhang, reps.zhang]);
  });

  it('does spread a leaving rep’s book over the team’s other active reps, each tier in turn to whoever holds fewest, and deactivate the rep', async () => {
    // Liu already holds one customer, Li none: Li gets the first A.
    await addCustomer(db.kysely, reps.liu);
    const book = [
      await busyCustomer(reps.zhang, 'A', 900), await busyCustomer(reps.zhang, 'A', 800), await busyCustomer(reps.zhang, 'A', 700),
      await busyCustomer(reps.zhang, 'B', 500), await busyCustomer(reps.zhang, null),
    ];
    const moved = await books.deactivate(reps.zhang, 'spread', by(reps.admin));
    expect(moved).toEqual({ customers: 5, callbacks: 5, tickets: 5, plans: 5, to: [{ repId: reps.li, name: 'li', customers: 3 }, { repId: reps.liu, name: 'liu', customers: 2 }] });
    // A: Li (fewest in all), Liu (fewest A), Li (A tied, fewest in all); B: Liu (all tied: the first taker); unscored: Li (fewest in all).
    expect(await Promise.all(book.map(ownerOf))).toEqual([reps.li, reps.liu, reps.li, reps.liu, reps.li]);
    const zhang = await db.kysely.selectFrom('Rep').select(['active', 'updatedAt']).where('id', '=', reps.zhang).executeTakeFirstOrThrow();
    expect(zhang).toEqual({ active: false, updatedAt: FRIDAY.getTime() });
    // Nobody of another team, no admin, no inactive rep took any.
    const owners = await db.kysely.selectFrom('Customer').select('ownerId').distinct().orderBy('ownerId').execute();
    expect(owners.map((o) => o.ownerId)).toEqual([reps.liu, reps.li].sort((a, b) => a - b));
  });

  it('does hand a leaving rep’s callbacks on others’ customers to those customers’ owners, and keep those on owner-less customers', async () => {
    const othersCustomer = await addCustomer(db.kysely, reps.liu);
    const ownerless = await addCustomer(db.kysely, null);
    const held = (customerId: number, status = 'open') => ({ customerId, ownerId: reps.zhang, dueAt: 0, status, createdAt: 0 });
    await db.kysely.insertInto('Callback').values([held(othersCustomer), held(ownerless), held(othersCustomer, 'done')]).execute();
    const moved = await books.deactivate(reps.zhang, { repId: reps.li }, by(reps.admin));
    expect(moved).toEqual({ customers: 0, callbacks: 0, tickets: 0, plans: 0, to: [] });
    const callbacks = await db.kysely.selectFrom('Callback').select(['customerId', 'ownerId', 'status']).orderBy('id').execute();
    expect(callbacks).toEqual([
      { customerId: othersCustomer, ownerId: reps.liu, status: 'open' },
      { customerId: ownerless, ownerId: reps.zhang, status: 'open' },
      { customerId: othersCustomer, ownerId: reps.zhang, status: 'done' },
    ]);
  });

  it('does hand a whole book to the rep named, even of another team (the command refuses that before), and refuse to spread with nobody left', async () => {
    const customer = await busyCustomer(reps.max);
    await expect(books.deactivate(reps.max, 'spread', by(reps.admin))).rejects.toThrow('nobody to hand the book to');
    expect(await ownerOf(customer)).toBe(reps.max);
    const moved = await books.deactivate(reps.max, { repId: reps.zhang }, by(reps.admin));
    expect(moved.to).toEqual([{ repId: reps.zhang, name: 'zhang', customers: 1 }]);
    expect(await ownerOf(customer)).toBe(reps.zhang);
  });

  it('does list a team’s active reps who may own customers, by id', async () => {
    expect((await books.teamReps(reps.shanghai)).map((r) => [r.id, r.name])).toEqual([[reps.zhang, 'zhang'], [reps.liu, 'liu'], [reps.li, 'li']]);
    expect((await books.teamReps(reps.berlin)).map((r) => r.id)).toEqual([reps.max]);
  });
});
