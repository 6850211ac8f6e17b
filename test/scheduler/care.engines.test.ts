import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createCareBook } from '../../src/db/care-book.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { DEFAULT_CADENCE_DAYS } from '../../src/domain/schedule/cadence.js';
import { holidaysBetween } from '../../src/domain/schedule/holidays.js';
import { buildCareDigest } from '../../src/scheduler/care-digest.js';
import { addWorkingTime, DEFAULT_WORKING_HOURS } from '../../src/domain/schedule/working-time.js';
import { runNudgesCli, type PreviewItem } from '../../src/scheduler/nudges-cli.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, nonEmpty, writeSnapshots } from './helpers.js';

type Db = TestStoreDatabase;
const HOUR = 3_600_000;

describe('complaint deadlines in working hours', () => {
  it('does count only working hours, across a weekend, in the team zone', async () => {
    // Friday 2027-01-08 16:00 in Shanghai; 4 working hours: 2 on Friday, 2 on Monday.
    const friday = new Date('2027-01-08T08:00:00Z');
    expect(addWorkingTime(friday, { hours: 4 }, DEFAULT_WORKING_HOURS, 'Asia/Shanghai').toISOString()).toBe('2027-01-11T03:00:00.000Z');
    // One working day (9 hours) from Friday 16:00 is Monday 16:00; from Saturday it counts from Monday 09:00, so Monday 18:00.
    expect(addWorkingTime(friday, { days: 1 }, DEFAULT_WORKING_HOURS, 'Asia/Shanghai').toISOString()).toBe('2027-01-11T08:00:00.000Z');
    expect(addWorkingTime(new Date('2027-01-09T02:00:00Z'), { days: 1 }, DEFAULT_WORKING_HOURS, 'Asia/Shanghai').toISOString()).toBe('2027-01-11T10:00:00.000Z');
  });
});

describe('holiday calendar', () => {
  // Published dates (Purple Mountain Observatory / Hong Kong Observatory): ICU's Chinese calendar gets 2027 and 2030 wrong.
  const springFestival: Record<number, string> = {
    2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26', 2029: '2029-02-13', 2030: '2030-02-03',
    2031: '2031-01-23', 2032: '2032-02-11', 2033: '2033-01-31', 2034: '2034-02-19', 2035: '2035-02-08',
  };
  it.each(Object.entries(springFestival))('does put 春节 %s on its published day', (year, date) => {
    const found = holidaysBetween({ builtIn: ['spring-festival'], custom: [] }, 'zh-CN', { year: Number(year), month: 1, day: 1 }, { year: Number(year), month: 12, day: 31 });
    expect(found.map((h) => `${h.date.year}-${String(h.date.month).padStart(2, '0')}-${String(h.date.day).padStart(2, '0')}`)).toEqual([date]);
  });

  it('does follow the language by default and take a team’s own days', async () => {
    const year = { from: { year: 2026, month: 1, day: 1 }, to: { year: 2026, month: 12, day: 31 } };
    expect(holidaysBetween({ builtIn: null, custom: [] }, 'zh-CN', year.from, year.to).map((h) => h.id)).toEqual([
      'spring-festival', 'lantern-festival', 'womens-day', 'dragon-boat', 'mid-autumn', 'national-day', 'singles-day',
    ]);
    expect(holidaysBetween({ builtIn: null, custom: [{ name: 'Store day', date: '05-20' }] }, 'en', year.from, year.to).map((h) => h.id)).toEqual([
      'new-year', 'custom:Store day', 'christmas',
    ]);
  });
});

/** The rep with this email. */
const repId = async (db: Db, email: string) => (await db.kysely.selectFrom('Rep').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
/** The nudges of `kind` whose payload names `key` = `id` (a ticket, an interaction). */
const nudgesFor = async (db: Db, kind: string, key: 'ticketId' | 'interactionId', id: number) =>
  (await db.kysely.selectFrom('Nudge').selectAll().where('kind', '=', kind).orderBy('id').execute()).filter((n) => (JSON.parse(n.payload) as Record<string, unknown>)[key] === id);

describeEngines('holiday greetings in the planner', (engine) => {
  it('does plan one greeting per customer not opted out, on the owner’s agenda before the holiday, shifted to Friday for a Monday holiday', async () => {
    const db = await demoDatabase(60, DEMO_ASOF, engine);
    try {
      // Monday 2027-01-11 is the team's own holiday; its eve agenda is Friday 09:00 in Shanghai.
      await db.kysely.updateTable('Team').set({ settings: JSON.stringify({ holidays: { builtIn: [], custom: [{ name: 'Store day', date: '01-11' }] } }) }).where('name', '=', '上海旗舰店').execute();
      await db.kysely.updateTable('Team').set({ settings: JSON.stringify({ holidays: { builtIn: [], custom: [] } }) }).where('name', '=', 'Berlin B2B').execute();
      await db.kysely.updateTable('Customer').set({ greetingOptOut: true }).where(sql<number>`${sql.ref('id')} % 5`, '=', 0).execute();
      for (let at = Date.parse('2027-01-06T00:00:00Z'); at <= Date.parse('2027-01-11T00:00:00Z'); at += 6 * HOUR) await runPlanning(db, new Date(at));
      const expected = (await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').innerJoin('Team as t', 't.id', 'r.teamId')
        .select('c.id').where('t.name', '=', '上海旗舰店').where('c.greetingOptOut', '=', false).where('r.active', '=', true).orderBy('c.id').execute()).map((r) => r.id);
      const planned = await db.kysely.selectFrom('Nudge').select(['customerId', 'dueAt']).where('kind', '=', 'holiday').orderBy('customerId').execute();
      expect(expected.length).toBeGreaterThan(0);
      expect(planned.map((n) => n.customerId)).toEqual(expected);
      expect([...new Set(planned.map((n) => new Date(n.dueAt).toISOString()))]).toEqual(['2027-01-08T01:00:00.000Z']);
      expect(await db.kysely.selectFrom('Nudge').select('dueAt').where('kind', '=', 'holiday-list').execute()).toEqual([{ dueAt: Date.parse('2027-01-10T01:00:00Z') }]);
    } finally {
      await db.cleanup();
    }
  });
});

describeEngines('care in the planner', (engine) => {
  let db: Db;
  const notifier = new RecordingNotifier();
  let zhang: number;
  let liNa: number;
  let customer: number;

  beforeAll(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    zhang = await repId(db, 'zhang.wei@rapport.demo');
    liNa = await repId(db, 'li.na@rapport.demo');
    customer = (await db.kysely.selectFrom('Customer').select('id').where('ownerId', '=', zhang).orderBy('id').limit(1).executeTakeFirstOrThrow()).id;
    await writeSnapshots(db, DEMO_ASOF, (id) => ({ lifecycle: id === customer ? 'active' : 'active', tier: 'A' }));
  });
  afterAll(async () => db.cleanup());

  // Delivers: renders the nudges.
  it('does nudge the owner at once and escalate to the manager once, at the deadline across the weekend', async () => {
    // Friday 2027-01-08 16:00 in Shanghai; tier A answers within 4 working hours: Monday 11:00.
    const friday = new Date('2027-01-08T08:00:00Z');
    const { ticket } = await createCareBook(db).logComplaint({ customerId: customer, repId: zhang, text: 'Late delivery', at: friday, satisfaction: null });
    expect(ticket.deadline.toISOString()).toBe('2027-01-11T03:00:00.000Z');
    const deps = deliveryDeps(db, notifier);
    for (let at = friday.getTime(); at <= friday.getTime() + 4 * DAY_MS; at += HOUR) {
      await runPlanning(db, new Date(at), at % (6 * HOUR) === 0 ? 'all' : 'callbacks');
      await drain(new Date(at), deps);
    }
    const sent = notifier.sent.filter((n) => n.kind === 'complaint' || n.kind === 'escalation');
    expect(sent.map((n) => [n.kind, n.recipient.kind === 'rep' ? n.recipient.repId : 0])).toEqual([
      ['complaint', zhang],
      ['escalation', liNa],
    ]);
    const escalation = await db.kysely.selectFrom('Nudge').select(['dueAt', 'sentAt']).where('kind', '=', 'escalation').execute();
    expect(escalation).toHaveLength(1);
    expect(new Date(escalation[0]!.dueAt).toISOString()).toBe('2027-01-11T03:00:00.000Z');
  });

  // Delivers: renders the nudges.
  it('does schedule the satisfaction check 7 days after the resolution, and escalate nothing once resolved', async () => {
    const at = new Date('2027-01-12T02:00:00Z');
    const care = createCareBook(db);
    const { ticket } = await care.logComplaint({ customerId: customer, repId: zhang, text: 'Wrong colour', at, satisfaction: null });
    // The escalation is planned while the ticket is open (its deadline is within the horizon)…
    await runPlanning(db, at);
    const check = await care.resolveTicket(ticket.id, { repId: zhang, text: 'Exchanged', at: new Date(at.getTime() + HOUR) });
    // 2027-01-19 in Shanghai, on that morning's agenda.
    expect(check.callbackDue.toISOString()).toBe('2027-01-19T01:00:00.000Z');
    expect(await db.kysely.selectFrom('Callback').select(['source', 'ownerId', 'timed']).where('id', '=', check.callbackId).executeTakeFirst()).toEqual({ source: 'satisfaction', ownerId: zhang, timed: false });
    // …and skipped when it comes up resolved.
    expect(await nudgesFor(db, 'escalation', 'ticketId', ticket.id)).toHaveLength(1);
    await drain(new Date(ticket.deadline.getTime() + HOUR), deliveryDeps(db, notifier));
    expect(await nudgesFor(db, 'escalation', 'ticketId', ticket.id)).toEqual([expect.objectContaining({ status: 'skipped', lastError: 'the complaint was resolved' })]);
  });

  it('does open one ticket for a complaint logged by import, owned by the customer’s owner, and nudge the owner', async () => {
    const at = new Date('2027-01-13T02:00:00Z');
    const { id: interaction } = await db.kysely.insertInto('Interaction')
      .values({ customerId: customer, repId: null, kind: 'complaint', at: at.getTime(), text: 'parcel lost', createdAt: at.getTime() }).returning('id').executeTakeFirstOrThrow();
    await runPlanning(db, new Date(at.getTime() + HOUR));
    await runPlanning(db, new Date(at.getTime() + 2 * HOUR));
    const tickets = await db.kysely.selectFrom('Ticket').select(['id', 'ownerId', 'tier', 'deadline']).where('interactionId', '=', interaction).execute();
    // Tier A: 4 working hours from Wednesday 10:00 in Shanghai.
    expect(tickets).toEqual([{ id: expect.any(Number), ownerId: zhang, tier: 'A', deadline: Date.parse('2027-01-13T06:00:00Z') }]);
    expect((await nudgesFor(db, 'complaint', 'ticketId', tickets[0]!.id)).map((n) => n.targetId)).toEqual([zhang]);
  });

  it('does open a follow-up for a rating of 1 logged by import, and tell the manager', async () => {
    const at = new Date('2027-01-13T03:00:00Z');
    const { id: interaction } = await db.kysely.insertInto('Interaction')
      .values({ customerId: customer, repId: null, kind: 'call', at: at.getTime(), text: 'unhappy', satisfaction: 1, createdAt: at.getTime() }).returning('id').executeTakeFirstOrThrow();
    await runPlanning(db, new Date(at.getTime() + HOUR));
    await runPlanning(db, new Date(at.getTime() + 2 * HOUR));
    expect(await db.kysely.selectFrom('Callback').select(['source', 'ownerId']).where('dedupeKey', '=', `rating:${interaction}`).execute()).toEqual([{ source: 'low-rating', ownerId: zhang }]);
    expect((await nudgesFor(db, 'escalation', 'interactionId', interaction)).map((n) => n.targetId)).toEqual([liNa]);
  });
});

/** Tiers A–D in turn over the at-risk (even) ids and over the others. */
const tierOf = (id: number) => 'ABCD'[Math.floor(id / 2) % 4]!;

describeEngines('win-back triage and reminders', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await demoDatabase(80, DEMO_ASOF, engine);
    // Every other customer at risk, the at-risk ones of every tier in turn.
    await writeSnapshots(db, DEMO_ASOF, (id) => ({ lifecycle: id % 2 === 0 ? 'at_risk' : 'active', tier: tierOf(id) }));
  });
  afterAll(async () => db.cleanup());

  it('does open plans for tiers A–C only and list the rest as light touch', async () => {
    await runPlanning(db, DEMO_ASOF);
    const planned = (await db.kysely.selectFrom('WinbackEpisode').select('customerId').where('status', '=', 'open').orderBy('customerId').execute()).map((e) => e.customerId);
    expect(planned.length).toBeGreaterThan(0);
    const customers = (await db.kysely.selectFrom('Customer').select('id').orderBy('id').execute()).map((c) => c.id);
    const atRiskOfTier = (tiers: string) => customers.filter((id) => id % 2 === 0 && tiers.includes(tierOf(id)));
    expect(atRiskOfTier('D').length).toBeGreaterThan(0);
    expect(planned).toEqual(atRiskOfTier('ABC'));
    const light = await createCareBook(db).lightTouch({}, { kind: 'all' }, { offset: 0, limit: 1000 });
    expect(nonEmpty(light.rows).map((r) => r.tier)).toEqual(light.rows.map(() => 'D'));
    const { atRisk } = await db.kysely.selectFrom('ScoreSnapshot').select((eb) => eb.fn.countAll<number>().as('atRisk')).where('lifecycle', '=', 'at_risk').executeTakeFirstOrThrow();
    expect(light.total + planned.length).toBe(atRisk);
  });

  it('does open only the top N per rep and week by value at stake when the team says so, counting earlier plans of the week', async () => {
    const top = await demoDatabase(80, DEMO_ASOF, engine);
    try {
      await top.kysely.updateTable('Team').set({ settings: JSON.stringify({ winbackTriage: { topPerRep: 2 } }) }).execute();
      // Every customer at risk, the value at stake growing with the id: the highest two ids of each book win.
      await writeSnapshots(top, DEMO_ASOF, (id) => ({ lifecycle: 'at_risk', tier: 'A', clv12Minor: id * 1000 }));
      const plans = () => top.kysely.selectFrom('WinbackEpisode as e').innerJoin('Customer as c', 'c.id', 'e.customerId').select(['e.customerId', 'c.ownerId']).orderBy('e.customerId').orderBy('e.id').execute();
      await runPlanning(top, DEMO_ASOF);
      const owners = await top.kysely.selectFrom('Customer').select(['ownerId', 'id']).orderBy('id').execute();
      const expected = [...new Set(owners.map((o) => o.ownerId))].flatMap((owner) => owners.filter((o) => o.ownerId === owner).map((o) => o.id).slice(-2));
      expect((await plans()).map((p) => p.customerId)).toEqual(expected.sort((a, b) => a - b));
      // Later the same week nothing more opens (the week's budget is spent), whatever else turned at risk.
      await runPlanning(top, new Date(DEMO_ASOF.getTime() + 2 * DAY_MS));
      expect(await plans()).toHaveLength(expected.length);
      // The next week the budget is new.
      await runPlanning(top, new Date(DEMO_ASOF.getTime() + 7 * DAY_MS));
      expect((await plans()).length).toBeGreaterThan(expected.length);
    } finally {
      await top.cleanup();
    }
  });

  it('does remind the owner once, a week before the deadline', async () => {
    for (let day = 0; day <= 30; day++) await runPlanning(db, new Date(DEMO_ASOF.getTime() + day * DAY_MS));
    const { plans } = await db.kysely.selectFrom('WinbackEpisode').select((eb) => eb.fn.countAll<number>().as('plans')).executeTakeFirstOrThrow();
    const reminders = await db.kysely.selectFrom('Nudge')
      .select((eb) => ['customerId', eb.fn.countAll<number>().as('n'), eb.fn.min('dueAt').as('dueAt')])
      .where('kind', '=', 'winback').where('dedupeKey', 'like', '%:reminder:%').groupBy('customerId').execute();
    expect(reminders).toHaveLength(plans);
    expect(reminders.every((r) => r.n === 1 && r.dueAt >= DEMO_ASOF.getTime() + 23 * DAY_MS && r.dueAt < DEMO_ASOF.getTime() + 27 * DAY_MS)).toBe(true);
  });

  // The preview renders the nudges.
  it('does show the new kinds in npm run nudges --json', async () => {
    const fresh = await demoDatabase(60, DEMO_ASOF, engine);
    try {
      await writeSnapshots(fresh, DEMO_ASOF, () => ({ lifecycle: 'active', tier: 'A' }));
      const zhang = await repId(fresh, 'zhang.wei@rapport.demo');
      const customer = (await fresh.kysely.selectFrom('Customer').select('id').where('ownerId', '=', zhang).orderBy('id').limit(1).executeTakeFirstOrThrow()).id;
      await createCareBook(fresh).logComplaint({ customerId: customer, repId: zhang, text: 'Broken', at: new Date('2027-02-01T02:00:00Z'), satisfaction: null });
      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      expect(await runNudgesCli(['--from', '2027-02-01', '--to', '2027-02-07', '--json'], { db: fresh, clock: new ManualClock('2027-02-01T01:00:00Z'), out })).toBe(0);
      const items = JSON.parse(text) as PreviewItem[];
      const kinds = new Set(items.map((i) => i.kind));
      for (const kind of ['complaint', 'escalation', 'holiday'] as const) expect(kinds).toContain(kind);
      expect(items.filter((i) => i.kind === 'holiday' && i.customer !== null).every((i) => /^C\d{6}$/.test(i.customer!))).toBe(true);
    } finally {
      await fresh.cleanup();
    }
  });
});

// Builds the care digest.
describeEngines('the digest’s care part', (engine) => {
  it('does count a rep’s week, flag orphaned and neglected customers, show books and why plans were lost', async () => {
    const db = await demoDatabase(80, DEMO_ASOF, engine);
    try {
      const now = new Date('2027-01-11T00:00:00Z');
      const day = (n: number) => now.getTime() - n * DAY_MS;
      await writeSnapshots(db, DEMO_ASOF, (id) => ({ lifecycle: 'active', tier: 'ABCD'[id % 4]! }));
      const zhang = await repId(db, 'zhang.wei@rapport.demo');
      const chen = await repId(db, 'chen.jing@rapport.demo');
      const shanghai = (await db.kysely.selectFrom('Rep').select('teamId').where('id', '=', zhang).executeTakeFirstOrThrow()).teamId!;
      const book = (await db.kysely.selectFrom('Customer').select('id').where('ownerId', '=', zhang).orderBy('id').execute()).map((c) => c.id);
      const b = (i: number) => book[i]!;
      // Reset what the seed planned, so the week holds only what this test writes.
      await db.kysely.deleteFrom('Callback').execute();
      await db.kysely.deleteFrom('Interaction').where('satisfaction', 'is not', null).execute();
      await db.kysely.updateTable('Customer').set({ lastTouchAt: day(1) }).execute();
      const callback = (customerId: number, dueAt: number, timed: boolean, status: string, source: string, completedAt: number | null) =>
        ({ customerId, ownerId: zhang, dueAt, timed, note: '', status, source, completedAt, createdAt: 0 });
      await db.kysely.insertInto('Callback').values([
        callback(b(0), day(3), false, 'done', 'cadence', day(2)),
        callback(b(1), day(4), false, 'open', 'cadence', null),
        callback(b(2), day(2), true, 'open', 'manual', null),
      ]).execute();
      const ticket = (customerId: number, openedAt: number, deadline: number, status: string, resolvedAt: number | null) =>
        ({ customerId, ownerId: zhang, tier: 'A', openedAt, deadline, status, resolvedAt, createdAt: openedAt });
      await db.kysely.insertInto('Ticket').values([
        ticket(b(0), day(5), day(4), 'resolved', day(3)), // resolved after its deadline: breached
        ticket(b(1), day(2), day(1), 'open', null), // open past its deadline: breached
        ticket(b(2), day(2), day(-1), 'resolved', day(1)), // in time
      ]).execute();
      const rating = (customerId: number, satisfaction: number) => ({ customerId, repId: zhang, kind: 'call', at: day(1), satisfaction, createdAt: 0 });
      await db.kysely.insertInto('Interaction').values([rating(b(0), 2), rating(b(1), 5)]).execute();
      // An A customer untouched for three of its intervals; a rep who left with customers still on the book.
      const aCustomer = book.find((id) => id % 4 === 0)!;
      await db.kysely.updateTable('Customer').set({ lastTouchAt: day(3 * DEFAULT_CADENCE_DAYS.A) }).where('id', '=', aCustomer).execute();
      await db.kysely.updateTable('Rep').set({ active: false }).where('id', '=', chen).execute();
      const episode = (customerId: number, deadline: number, status: string, closedAt: number, reason: string | null) =>
        ({ customerId, episode: 1, startedAt: 0, deadline, status, closedAt, reason });
      await db.kysely.insertInto('WinbackEpisode').values([
        episode(b(3), day(2), 'lost', day(2), 'price'),
        episode(b(4), day(2), 'given_up', day(1), 'competitor'),
        episode(b(5), day(2), 'lost', day(1), null),
        episode(b(6), day(20), 'lost', day(20), 'price'), // last month: not this week's
      ]).execute();

      const digest = await buildCareDigest(db, { kind: 'team', teamId: shanghai }, now);
      const line = digest.reps.find((r) => r.repName === '张伟')!;
      const tiers = await db.kysely.selectFrom('Customer as c').innerJoin('ScoreSnapshot as s', 's.customerId', 'c.id')
        .select((eb) => ['s.tier', eb.fn.countAll<number>().as('n')]).where('c.ownerId', '=', zhang).groupBy('s.tier').execute();
      expect(line).toEqual({
        repName: '张伟', active: true, book: Object.fromEntries(tiers.map((t) => [t.tier, t.n])),
        callbacksDone: 1, callbacksOverdue: 2, checkInsDue: 2, checkInsKept: 1,
        complaintsOpened: 3, complaintsResolved: 2, complaintsBreached: 2, satisfaction: 3.5,
      });
      const { chenBook } = await db.kysely.selectFrom('Customer').select((eb) => eb.fn.countAll<number>().as('chenBook')).where('ownerId', '=', chen).executeTakeFirstOrThrow();
      expect(chenBook).toBeGreaterThan(0);
      expect(digest.orphaned.count).toBe(chenBook);
      expect(digest.reps.find((r) => r.repName === '陈静')).toMatchObject({ active: false });
      expect(digest.neglected.count).toBe(1);
      expect(digest.lostReasons).toMatchObject({ price: 1, competitor: 1, awaiting: 1, service: 0 });
    } finally {
      await db.cleanup();
    }
  });
});
