import { PassThrough } from 'node:stream';
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
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, nonEmpty, writeSnapshots } from './helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;
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

describe('holiday greetings in the planner', () => {
  it('does plan one greeting per customer not opted out, on the owner’s agenda before the holiday, shifted to Friday for a Monday holiday', async () => {
    const db = await demoDatabase(60);
    try {
      // Monday 2027-01-11 is the team's own holiday; its eve agenda is Friday 09:00 in Shanghai.
      db.sqlite.prepare("UPDATE Team SET settings = ? WHERE name = '上海旗舰店'").run(JSON.stringify({ holidays: { builtIn: [], custom: [{ name: 'Store day', date: '01-11' }] } }));
      db.sqlite.prepare("UPDATE Team SET settings = ? WHERE name = 'Berlin B2B'").run(JSON.stringify({ holidays: { builtIn: [], custom: [] } }));
      db.sqlite.prepare('UPDATE Customer SET greetingOptOut = 1 WHERE id % 5 = 0').run();
      for (let at = Date.parse('2027-01-06T00:00:00Z'); at <= Date.parse('2027-01-11T00:00:00Z'); at += 6 * HOUR) await runPlanning(db, new Date(at));
      const expected = db.sqlite
        .prepare(`SELECT c.id FROM Customer c JOIN Rep r ON r.id = c.ownerId JOIN Team t ON t.id = r.teamId
          WHERE t.name = '上海旗舰店' AND c.greetingOptOut = 0 AND r.active = 1 ORDER BY c.id`)
        .pluck()
        .all() as number[];
      const planned = db.sqlite.prepare("SELECT customerId, dueAt FROM Nudge WHERE kind = 'holiday' ORDER BY customerId").all() as { customerId: number; dueAt: number }[];
      expect(expected.length).toBeGreaterThan(0);
      expect(planned.map((n) => n.customerId)).toEqual(expected);
      expect([...new Set(planned.map((n) => new Date(n.dueAt).toISOString()))]).toEqual(['2027-01-08T01:00:00.000Z']);
      expect(db.sqlite.prepare("SELECT dueAt FROM Nudge WHERE kind = 'holiday-list'").pluck().all()).toEqual([Date.parse('2027-01-10T01:00:00Z')]);
    } finally {
      await db.cleanup();
    }
  });
});

describe('care in the planner', () => {
  let db: Db;
  const notifier = new RecordingNotifier();
  let zhang: number;
  let liNa: number;
  let customer: number;

  beforeAll(async () => {
    db = await demoDatabase(60);
    zhang = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
    liNa = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'li.na@rapport.demo'").pluck().get() as number;
    customer = db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ? ORDER BY id LIMIT 1').pluck().get(zhang) as number;
    writeSnapshots(db.sqlite, DEMO_ASOF, (id) => ({ lifecycle: id === customer ? 'active' : 'active', tier: 'A' }));
  });
  afterAll(async () => db.cleanup());

  it('does nudge the owner at once and escalate to the manager once, at the deadline across the weekend', async () => {
    // Friday 2027-01-08 16:00 in Shanghai; tier A answers within 4 working hours: Monday 11:00.
    const friday = new Date('2027-01-08T08:00:00Z');
    const { ticket } = await createCareBook(db).logComplaint({ customerId: customer, repId: zhang, text: 'Late delivery', at: friday, satisfaction: null });
    expect(ticket.deadline.toISOString()).toBe('2027-01-11T03:00:00.000Z');
    const deps = deliveryDeps(db.sqlite, notifier);
    for (let at = friday.getTime(); at <= friday.getTime() + 4 * DAY_MS; at += HOUR) {
      await runPlanning(db, new Date(at), at % (6 * HOUR) === 0 ? 'all' : 'callbacks');
      await drain(new Date(at), deps);
    }
    const sent = notifier.sent.filter((n) => n.kind === 'complaint' || n.kind === 'escalation');
    expect(sent.map((n) => [n.kind, n.recipient.kind === 'rep' ? n.recipient.repId : 0])).toEqual([
      ['complaint', zhang],
      ['escalation', liNa],
    ]);
    const escalation = db.sqlite.prepare("SELECT dueAt, sentAt FROM Nudge WHERE kind = 'escalation'").all() as { dueAt: number; sentAt: number }[];
    expect(escalation).toHaveLength(1);
    expect(new Date(escalation[0]!.dueAt).toISOString()).toBe('2027-01-11T03:00:00.000Z');
  });

  it('does schedule the satisfaction check 7 days after the resolution, and escalate nothing once resolved', async () => {
    const at = new Date('2027-01-12T02:00:00Z');
    const care = createCareBook(db);
    const { ticket } = await care.logComplaint({ customerId: customer, repId: zhang, text: 'Wrong colour', at, satisfaction: null });
    // The escalation is planned while the ticket is open (its deadline is within the horizon)…
    await runPlanning(db, at);
    const check = await care.resolveTicket(ticket.id, { repId: zhang, text: 'Exchanged', at: new Date(at.getTime() + HOUR) });
    // 2027-01-19 in Shanghai, on that morning's agenda.
    expect(check.callbackDue.toISOString()).toBe('2027-01-19T01:00:00.000Z');
    expect(db.sqlite.prepare('SELECT source, ownerId, timed FROM Callback WHERE id = ?').get(check.callbackId)).toEqual({ source: 'satisfaction', ownerId: zhang, timed: 0 });
    // …and skipped when it comes up resolved.
    expect(db.sqlite.prepare("SELECT COUNT(*) FROM Nudge WHERE kind = 'escalation' AND json_extract(payload, '$.ticketId') = ?").pluck().get(ticket.id)).toBe(1);
    await drain(new Date(ticket.deadline.getTime() + HOUR), deliveryDeps(db.sqlite, notifier));
    expect(db.sqlite.prepare("SELECT status, lastError FROM Nudge WHERE kind = 'escalation' AND json_extract(payload, '$.ticketId') = ?").get(ticket.id)).toEqual({
      status: 'skipped', lastError: 'the complaint was resolved',
    });
  });

  it('does open one ticket for a complaint logged by import, owned by the customer’s owner, and nudge the owner', async () => {
    const at = new Date('2027-01-13T02:00:00Z');
    const interaction = Number(
      db.sqlite
        .prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, createdAt) VALUES (?, NULL, 'complaint', ?, 'parcel lost', ?)")
        .run(customer, at.getTime(), at.getTime()).lastInsertRowid,
    );
    await runPlanning(db, new Date(at.getTime() + HOUR));
    await runPlanning(db, new Date(at.getTime() + 2 * HOUR));
    const tickets = db.sqlite.prepare('SELECT id, ownerId, tier, deadline FROM Ticket WHERE interactionId = ?').all(interaction) as { id: number; ownerId: number; tier: string; deadline: number }[];
    // Tier A: 4 working hours from Wednesday 10:00 in Shanghai.
    expect(tickets).toEqual([{ id: expect.any(Number), ownerId: zhang, tier: 'A', deadline: Date.parse('2027-01-13T06:00:00Z') }]);
    expect(db.sqlite.prepare("SELECT targetId FROM Nudge WHERE kind = 'complaint' AND json_extract(payload, '$.ticketId') = ?").pluck().all(tickets[0]!.id)).toEqual([zhang]);
  });

  it('does open a follow-up for a rating of 1 logged by import, and tell the manager', async () => {
    const at = new Date('2027-01-13T03:00:00Z');
    const interaction = db.sqlite
      .prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, NULL, 'call', ?, 'unhappy', 1, ?)")
      .run(customer, at.getTime(), at.getTime()).lastInsertRowid;
    await runPlanning(db, new Date(at.getTime() + HOUR));
    await runPlanning(db, new Date(at.getTime() + 2 * HOUR));
    expect(db.sqlite.prepare('SELECT source, ownerId FROM Callback WHERE dedupeKey = ?').all(`rating:${interaction}`)).toEqual([{ source: 'low-rating', ownerId: zhang }]);
    expect(db.sqlite.prepare("SELECT targetId FROM Nudge WHERE kind = 'escalation' AND json_extract(payload, '$.interactionId') = ?").pluck().all(interaction)).toEqual([liNa]);
  });
});

/** Tiers A–D in turn over the at-risk (even) ids and over the others. */
const tierOf = (id: number) => 'ABCD'[Math.floor(id / 2) % 4]!;

describe('win-back triage and reminders', () => {
  let db: Db;
  beforeAll(async () => {
    db = await demoDatabase(80);
    // Every other customer at risk, the at-risk ones of every tier in turn.
    writeSnapshots(db.sqlite, DEMO_ASOF, (id) => ({ lifecycle: id % 2 === 0 ? 'at_risk' : 'active', tier: tierOf(id) }));
  });
  afterAll(async () => db.cleanup());

  it('does open plans for tiers A–C only and list the rest as light touch', async () => {
    await runPlanning(db, DEMO_ASOF);
    const planned = db.sqlite.prepare("SELECT customerId FROM WinbackEpisode WHERE status = 'open' ORDER BY customerId").pluck().all() as number[];
    expect(planned.length).toBeGreaterThan(0);
    const atRiskOfTier = (tiers: string) => (db.sqlite.prepare('SELECT id FROM Customer ORDER BY id').pluck().all() as number[]).filter((id) => id % 2 === 0 && tiers.includes(tierOf(id)));
    expect(atRiskOfTier('D').length).toBeGreaterThan(0);
    expect(planned).toEqual(atRiskOfTier('ABC'));
    const light = await createCareBook(db).lightTouch({}, { kind: 'all' }, { offset: 0, limit: 1000 });
    expect(nonEmpty(light.rows).map((r) => r.tier)).toEqual(light.rows.map(() => 'D'));
    expect(light.total + planned.length).toBe(db.sqlite.prepare("SELECT COUNT(*) FROM ScoreSnapshot WHERE lifecycle = 'at_risk'").pluck().get());
  });

  it('does open only the top N per rep and week by value at stake when the team says so, counting earlier plans of the week', async () => {
    const top = await demoDatabase(80);
    try {
      top.sqlite.prepare('UPDATE Team SET settings = ?').run(JSON.stringify({ winbackTriage: { topPerRep: 2 } }));
      // Every customer at risk, the value at stake growing with the id: the highest two ids of each book win.
      writeSnapshots(top.sqlite, DEMO_ASOF, (id) => ({ lifecycle: 'at_risk', tier: 'A', clv12Minor: id * 1000 }));
      const plans = () => top.sqlite.prepare("SELECT e.customerId, c.ownerId FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId ORDER BY e.customerId").all() as { customerId: number; ownerId: number }[];
      await runPlanning(top, DEMO_ASOF);
      const owners = top.sqlite.prepare('SELECT ownerId, id FROM Customer ORDER BY id').all() as { ownerId: number; id: number }[];
      const expected = [...new Set(owners.map((o) => o.ownerId))].flatMap((owner) => owners.filter((o) => o.ownerId === owner).map((o) => o.id).slice(-2));
      expect(plans().map((p) => p.customerId)).toEqual(expected.sort((a, b) => a - b));
      // Later the same week nothing more opens (the week's budget is spent), whatever else turned at risk.
      await runPlanning(top, new Date(DEMO_ASOF.getTime() + 2 * DAY_MS));
      expect(plans()).toHaveLength(expected.length);
      // The next week the budget is new.
      await runPlanning(top, new Date(DEMO_ASOF.getTime() + 7 * DAY_MS));
      expect(plans().length).toBeGreaterThan(expected.length);
    } finally {
      await top.cleanup();
    }
  });

  it('does remind the owner once, a week before the deadline', async () => {
    for (let day = 0; day <= 30; day++) await runPlanning(db, new Date(DEMO_ASOF.getTime() + day * DAY_MS));
    const plans = db.sqlite.prepare('SELECT COUNT(*) FROM WinbackEpisode').pluck().get() as number;
    const reminders = db.sqlite.prepare("SELECT customerId, COUNT(*) AS n, MIN(dueAt) AS dueAt FROM Nudge WHERE kind = 'winback' AND dedupeKey LIKE '%:reminder:%' GROUP BY customerId").all() as { n: number; dueAt: number }[];
    expect(reminders).toHaveLength(plans);
    expect(reminders.every((r) => r.n === 1 && r.dueAt >= DEMO_ASOF.getTime() + 23 * DAY_MS && r.dueAt < DEMO_ASOF.getTime() + 27 * DAY_MS)).toBe(true);
  });

  it('does show the new kinds in npm run nudges --json', async () => {
    const fresh = await demoDatabase(60);
    try {
      writeSnapshots(fresh.sqlite, DEMO_ASOF, () => ({ lifecycle: 'active', tier: 'A' }));
      const owner = fresh.sqlite.prepare("SELECT c.id, c.ownerId FROM Customer c JOIN Rep r ON r.id = c.ownerId WHERE r.email = 'zhang.wei@rapport.demo' LIMIT 1").get() as { id: number; ownerId: number };
      await createCareBook(fresh).logComplaint({ customerId: owner.id, repId: owner.ownerId, text: 'Broken', at: new Date('2027-02-01T02:00:00Z'), satisfaction: null });
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

describe('the digest’s care part', () => {
  it('does count a rep’s week, flag orphaned and neglected customers, show books and why plans were lost', async () => {
    const db = await demoDatabase(80);
    try {
      const now = new Date('2027-01-11T00:00:00Z');
      const day = (n: number) => now.getTime() - n * DAY_MS;
      writeSnapshots(db.sqlite, DEMO_ASOF, (id) => ({ lifecycle: 'active', tier: 'ABCD'[id % 4]! }));
      const repId = (email: string) => db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(email) as number;
      const zhang = repId('zhang.wei@rapport.demo');
      const chen = repId('chen.jing@rapport.demo');
      const shanghai = db.sqlite.prepare('SELECT teamId FROM Rep WHERE id = ?').pluck().get(zhang) as number;
      const book = db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ? ORDER BY id').pluck().all(zhang) as number[];
      // Reset what the seed planned, so the week holds only what this test writes.
      db.sqlite.exec("DELETE FROM Callback; DELETE FROM Interaction WHERE satisfaction IS NOT NULL; UPDATE Customer SET lastTouchAt = " + day(1));
      const callback = db.sqlite.prepare("INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, completedAt, createdAt) VALUES (?, ?, ?, ?, '', ?, ?, ?, 0)");
      callback.run(book[0], zhang, day(3), 0, 'done', 'cadence', day(2));
      callback.run(book[1], zhang, day(4), 0, 'open', 'cadence', null);
      callback.run(book[2], zhang, day(2), 1, 'open', 'manual', null);
      const ticket = db.sqlite.prepare("INSERT INTO Ticket (customerId, ownerId, tier, openedAt, deadline, status, resolvedAt) VALUES (?, ?, 'A', ?, ?, ?, ?)");
      ticket.run(book[0], zhang, day(5), day(4), 'resolved', day(3)); // resolved after its deadline: breached
      ticket.run(book[1], zhang, day(2), day(1), 'open', null); // open past its deadline: breached
      ticket.run(book[2], zhang, day(2), day(-1), 'resolved', day(1)); // in time
      const rating = db.sqlite.prepare("INSERT INTO Interaction (customerId, repId, kind, at, satisfaction, createdAt) VALUES (?, ?, 'call', ?, ?, 0)");
      rating.run(book[0], zhang, day(1), 2);
      rating.run(book[1], zhang, day(1), 5);
      // An A customer untouched for three of its intervals; a rep who left with customers still on the book.
      const aCustomer = book.find((id) => id % 4 === 0)!;
      db.sqlite.prepare('UPDATE Customer SET lastTouchAt = ? WHERE id = ?').run(day(3 * DEFAULT_CADENCE_DAYS.A), aCustomer);
      db.sqlite.prepare('UPDATE Rep SET active = 0 WHERE id = ?').run(chen);
      const episode = db.sqlite.prepare("INSERT INTO WinbackEpisode (customerId, episode, startedAt, deadline, status, closedAt, reason) VALUES (?, 1, 0, ?, ?, ?, ?)");
      episode.run(book[3], day(2), 'lost', day(2), 'price');
      episode.run(book[4], day(2), 'given_up', day(1), 'competitor');
      episode.run(book[5], day(2), 'lost', day(1), null);
      episode.run(book[6], day(20), 'lost', day(20), 'price'); // last month: not this week's

      const digest = await buildCareDigest(db, { kind: 'team', teamId: shanghai }, now);
      const line = digest.reps.find((r) => r.repName === '张伟')!;
      const tiers = db.sqlite.prepare(`SELECT s.tier, COUNT(*) AS n FROM Customer c JOIN ScoreSnapshot s ON s.customerId = c.id WHERE c.ownerId = ? GROUP BY s.tier`).all(zhang) as { tier: string; n: number }[];
      expect(line).toEqual({
        repName: '张伟', active: true, book: Object.fromEntries(tiers.map((t) => [t.tier, t.n])),
        callbacksDone: 1, callbacksOverdue: 2, checkInsDue: 2, checkInsKept: 1,
        complaintsOpened: 3, complaintsResolved: 2, complaintsBreached: 2, satisfaction: 3.5,
      });
      const chenBook = db.sqlite.prepare('SELECT COUNT(*) FROM Customer WHERE ownerId = ?').pluck().get(chen) as number;
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
