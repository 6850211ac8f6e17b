import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createCareBook } from '../../src/db/care-book.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { holidaysBetween } from '../../src/domain/schedule/holidays.js';
import { addWorkingTime, DEFAULT_WORKING_HOURS } from '../../src/domain/schedule/working-time.js';
import { runNudgesCli, type PreviewItem } from '../../src/scheduler/nudges-cli.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain, writeSnapshots } from './helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;
const HOUR = 3_600_000;

describe('complaint deadlines in working hours', () => {
  it('does count only working hours, across a weekend, in the team zone', () => {
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

  it('does follow the language by default and take a team’s own days', () => {
    const year = { from: { year: 2026, month: 1, day: 1 }, to: { year: 2026, month: 12, day: 31 } };
    expect(holidaysBetween({ builtIn: null, custom: [] }, 'zh-CN', year.from, year.to).map((h) => h.id)).toEqual([
      'spring-festival', 'lantern-festival', 'womens-day', 'dragon-boat', 'mid-autumn', 'national-day', 'singles-day',
    ]);
    expect(holidaysBetween({ builtIn: null, custom: [{ name: 'Store day', date: '05-20' }] }, 'en', year.from, year.to).map((h) => h.id)).toEqual([
      'new-year', 'custom:Store day', 'christmas',
    ]);
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
    const { ticket } = await createCareBook(db.sqlite).logComplaint({ customerId: customer, repId: zhang, text: 'Late delivery', at: friday, satisfaction: null });
    expect(ticket.deadline.toISOString()).toBe('2027-01-11T03:00:00.000Z');
    const deps = deliveryDeps(db.sqlite, notifier);
    for (let at = friday.getTime(); at <= friday.getTime() + 4 * DAY_MS; at += HOUR) {
      runPlanning(db.sqlite, new Date(at), at % (6 * HOUR) === 0 ? 'all' : 'callbacks');
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
    const care = createCareBook(db.sqlite);
    const { ticket } = await care.logComplaint({ customerId: customer, repId: zhang, text: 'Wrong colour', at, satisfaction: null });
    // The escalation is planned while the ticket is open (its deadline is within the horizon)…
    runPlanning(db.sqlite, at);
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

  it('does open a follow-up for a rating of 1 logged by import, and tell the manager', () => {
    const at = new Date('2027-01-13T03:00:00Z');
    const interaction = db.sqlite
      .prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, NULL, 'call', ?, 'unhappy', 1, ?)")
      .run(customer, at.getTime(), at.getTime()).lastInsertRowid;
    runPlanning(db.sqlite, new Date(at.getTime() + HOUR));
    runPlanning(db.sqlite, new Date(at.getTime() + 2 * HOUR));
    expect(db.sqlite.prepare('SELECT source, ownerId FROM Callback WHERE dedupeKey = ?').all(`rating:${interaction}`)).toEqual([{ source: 'low-rating', ownerId: zhang }]);
    expect(db.sqlite.prepare("SELECT targetId FROM Nudge WHERE kind = 'escalation' AND json_extract(payload, '$.interactionId') = ?").pluck().all(interaction)).toEqual([liNa]);
  });
});

describe('win-back triage and reminders', () => {
  let db: Db;
  beforeAll(async () => {
    db = await demoDatabase(80);
    writeSnapshots(db.sqlite, DEMO_ASOF, (id) => ({ lifecycle: id % 2 === 0 ? 'at_risk' : 'active', tier: 'ABCD'[id % 4]! }));
  });
  afterAll(async () => db.cleanup());

  it('does open plans for tiers A–C only and list the rest as light touch', async () => {
    runPlanning(db.sqlite, DEMO_ASOF);
    const planned = db.sqlite.prepare("SELECT customerId FROM WinbackEpisode WHERE status = 'open' ORDER BY customerId").pluck().all() as number[];
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((id) => id % 2 === 0 && id % 4 !== 3)).toBe(true);
    const light = await createCareBook(db.sqlite).lightTouch({}, { kind: 'all' }, { offset: 0, limit: 1000 });
    expect(light.rows.map((r) => r.tier)).toEqual(light.rows.map(() => 'D'));
    expect(light.total + planned.length).toBe(db.sqlite.prepare("SELECT COUNT(*) FROM ScoreSnapshot WHERE lifecycle = 'at_risk'").pluck().get());
  });

  it('does remind the owner once, a week before the deadline', () => {
    for (let day = 0; day <= 30; day++) runPlanning(db.sqlite, new Date(DEMO_ASOF.getTime() + day * DAY_MS));
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
      await createCareBook(fresh.sqlite).logComplaint({ customerId: owner.id, repId: owner.ownerId, text: 'Broken', at: new Date('2027-02-01T02:00:00Z'), satisfaction: null });
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
