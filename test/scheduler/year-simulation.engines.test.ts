import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshCheckIns } from '../../src/db/check-ins.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { nextAgendaSlot } from '../../src/domain/schedule/agenda.js';
import { DEFAULT_CADENCE_DAYS } from '../../src/domain/schedule/cadence.js';
import type { Tier } from '../../src/domain/tier.js';
import { isoDate, localDateOf } from '../../src/domain/schedule/local-time.js';
import type { NudgeRow } from '../../src/scheduler/outbox.js';
import { PLANNING_HORIZON_MS } from '../../src/scheduler/planning-run.js';
import { runJob, type SchedulerDeps } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { RecordingNotifier, deliveryDeps, demoDatabase, drain, nonEmpty, recordingChart, writeSnapshots } from './helpers.js';

const SEEDED_AT = new Date('2026-12-31T12:00:00Z');
const START = new Date('2027-01-01T00:00:00Z');
const END = new Date('2028-01-01T00:00:00Z');
const PLAN_EVERY_MS = 6 * 3_600_000;
const TIERS: Tier[] = ['A', 'B', 'C', 'D'];
const tierOf = (id: number) => TIERS[id % 4]!;
const lifecycleOf = (id: number) => (id % 10 === 0 ? 'at_risk' : id % 10 === 1 ? 'lapsed' : 'active');
/** Half of the at-risk customers buy again ten days into their win-back plan. */
const buysBack = (id: number) => id % 20 === 0;
const BUY_AT = START.getTime() + 10 * DAY_MS;

type Db = Awaited<ReturnType<typeof demoDatabase>>;

/**
 * Runs the real planner every 6 hours from `start` to `end` and delivers every due nudge at its
 * minute; `beforePlan` plays the reps' part before each planning run.
 */
async function simulate(
  db: Db, notifier: RecordingNotifier, chart: ReturnType<typeof recordingChart>, start: Date, end: Date, beforePlan: (t: number) => void = () => {},
): Promise<void> {
  const deps: SchedulerDeps = { db, sqlite: db.sqlite, background: inProcessJobs(db), owner: 'test', delivery: deliveryDeps(db.sqlite, notifier, chart.render), logger: { info() {}, warn() {}, error() {} } };
  const nextDue = db.sqlite.prepare("SELECT MIN(dueAt) AS at FROM Nudge WHERE status = 'pending' AND dueAt <= ?");
  const deliverUntil = async (until: number) => {
    for (let at = (nextDue.get(until) as { at: number | null }).at; at !== null; at = (nextDue.get(until) as { at: number | null }).at) {
      // A row due that delivery will not claim would loop here for ever (starving the hook's timeout): leave it to the assertions.
      const reports = await drain(new Date(at), deps.delivery);
      if (reports.every((r) => r.claimed === 0)) return;
    }
  };
  for (let t = start.getTime(); t <= end.getTime(); t += PLAN_EVERY_MS) {
    await deliverUntil(t);
    beforePlan(t);
    await runJob('plan', new Date(t), deps);
  }
  await deliverUntil(end.getTime());
}

/**
 * A year of a demo team: the planner runs every 6 hours, every due nudge is delivered at its
 * minute, reps complete each cadence check-in on its day, some win-back customers buy again.
 */
describe('a simulated year for the demo teams', () => {
  let db: Db;
  const notifier = new RecordingNotifier();
  const chart = recordingChart();

  beforeAll(async () => {
    db = await demoDatabase(300, SEEDED_AT);
    // No daily limit here: this year checks each check-in's own day (the limit has its own test).
    db.sqlite.prepare(`UPDATE Team SET settings = '{"checkInsPerDay": 500}'`).run();
    writeSnapshots(db.sqlite, SEEDED_AT, (id) => ({ lifecycle: lifecycleOf(id), tier: tierOf(id) }));
    const buy = db.sqlite.prepare(`INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, 10000, ?)`);
    // Reps do their check-ins and welcome calls on their day.
    const complete = db.sqlite.prepare(
      "UPDATE Callback SET status = 'done', completedAt = dueAt WHERE source IN ('cadence', 'welcome', 'second-order') AND status = 'open' AND dueAt <= ? RETURNING customerId",
    ).pluck();
    let bought = false;
    await simulate(db, notifier, chart, START, END, (t) => {
      if (!bought && t >= BUY_AT) {
        const buyers = Array.from({ length: 15 }, (_, i) => 20 * (i + 1));
        for (const id of buyers) buy.run(id, BUY_AT, BUY_AT);
        refreshCheckIns(db.sqlite, { customerIds: buyers });
        bought = true;
      }
      // As the callback book does when a rep presses Done.
      refreshCheckIns(db.sqlite, { customerIds: complete.all(t) as number[] });
    });
  }, 120_000);
  afterAll(async () => db.cleanup());

  const rowsDue = (kind: string) =>
    db.sqlite.prepare('SELECT * FROM Nudge WHERE kind = ? AND dueAt <= ? ORDER BY id').all(kind, END.getTime()) as NudgeRow[];

  it('does plan exactly the expected nudges per kind', () => {
    // Every rep with a book gets an agenda on each of 2027's 261 weekdays; two managers a digest on its 52 Mondays.
    const reps = db.sqlite.prepare('SELECT COUNT(DISTINCT ownerId) AS n FROM Customer').get() as { n: number };
    expect(reps.n).toBeGreaterThan(2);
    expect(rowsDue('agenda').length).toBe(reps.n * 261);
    expect(rowsDue('digest').length).toBe(2 * 52);

    const birthdays = db.sqlite
      .prepare('SELECT c.id, c.birthdayMonth AS m, c.birthdayDay AS d, r.teamId FROM Customer c JOIN Rep r ON r.id = c.ownerId WHERE c.birthdayMonth IS NOT NULL AND c.greetingOptOut = 0')
      .all() as { id: number; m: number; d: number; teamId: number }[];
    expect(rowsDue('birthday').map((r) => r.customerId).sort((a, b) => a! - b!)).toEqual(birthdays.map((b) => b.id).sort((a, b) => a - b));
    const feb29 = birthdays.filter((b) => b.m === 2 && b.d === 29);
    for (const b of feb29) expect(rowsDue('birthday').find((r) => r.customerId === b.id)!.payload).toContain('2027-02-28');
    const teamDays = new Set(birthdays.map((b) => `${b.teamId}:${b.m === 2 && b.d === 29 ? '2-28' : `${b.m}-${b.d}`}`));
    expect(rowsDue('birthday-list').length).toBe(teamDays.size);

    const seededCallbacks = db.sqlite
      .prepare("SELECT COUNT(*) AS n FROM Callback WHERE source = 'manual' AND timed = 1 AND dueAt >= ?")
      .get(START.getTime() - 3 * DAY_MS) as { n: number };
    expect(rowsDue('callback').length).toBe(seededCallbacks.n);

    // Triage (A–C by default): at-risk customers of tier D get no plan, only the light-touch list.
    const atRisk = (db.sqlite.prepare('SELECT id FROM Customer ORDER BY id').all() as { id: number }[]).filter((c) => lifecycleOf(c.id) !== 'active' && tierOf(c.id) !== 'D');
    // New plans go out in the morning agendas, each plan in exactly one; only "won back" is a message of its own.
    const listed = notifier.sent
      .filter((n) => n.kind === 'agenda')
      .flatMap((n) => n.reply.blocks)
      .map((b) => (b.type === 'list' ? /^(?:New win-back plans|新的挽回计划) \((\d+)\)$/.exec(b.title ?? '') : null))
      .reduce((sum, match) => sum + (match ? Number(match[1]) : 0), 0);
    expect(listed).toBe(atRisk.length);
    expect(rowsDue('winback').filter((r) => r.dedupeKey.endsWith(':won')).map((r) => r.customerId)).toEqual(atRisk.map((c) => c.id).filter(buysBack));
    // Every plan that ran out asks its owner why; every plan still open a week before its deadline is reminded once.
    const customersOf = (suffix: RegExp) => rowsDue('winback').filter((r) => suffix.test(r.dedupeKey)).map((r) => r.customerId!).sort((a, b) => a - b);
    const notWon = atRisk.map((c) => c.id).filter((id) => !buysBack(id));
    expect(customersOf(/:lost$/)).toEqual(notWon);
    expect(customersOf(/:reminder:/)).toEqual(notWon);
    const episodes = db.sqlite.prepare('SELECT status, COUNT(*) AS n FROM WinbackEpisode GROUP BY status ORDER BY status').all();
    expect(episodes).toEqual([
      { status: 'lost', n: atRisk.filter((c) => !buysBack(c.id)).length },
      { status: 'won', n: atRisk.filter((c) => buysBack(c.id)).length },
    ]);
  });

  it('does plan one holiday greeting per customer and holiday, on the agenda before it, opted-out customers skipped', () => {
    // zh-CN teams greet for 春节, 元宵, 妇女节, 端午, 中秋, 国庆, 双11; en teams for Christmas and New Year (2028's eve is 2027-12-31).
    const perTeam = db.sqlite
      .prepare(`SELECT t.locale, COUNT(*) AS n FROM Customer c JOIN Rep r ON r.id = c.ownerId JOIN Team t ON t.id = r.teamId
        WHERE c.greetingOptOut = 0 AND r.active = 1 GROUP BY t.locale`)
      .all() as { locale: string; n: number }[];
    const expected = perTeam.reduce((sum, t) => sum + t.n * (t.locale === 'zh-CN' ? 7 : 2), 0);
    expect(expected).toBeGreaterThan(0);
    expect(rowsDue('holiday')).toHaveLength(expected);
    const optedOut = new Set(db.sqlite.prepare('SELECT id FROM Customer WHERE greetingOptOut = 1').pluck().all() as number[]);
    expect(optedOut.size).toBeGreaterThan(0);
    expect(rowsDue('holiday').filter((r) => optedOut.has(r.customerId!))).toEqual([]);
    // 春节 2027 is Saturday Feb 6 (Node's ICU says Feb 7): greeted from Friday's 09:00 agenda in Shanghai.
    const springFestival = rowsDue('holiday').filter((r) => r.payload.includes('"spring-festival"'));
    expect(nonEmpty(springFestival).every((r) => r.payload.includes('"date":"2027-02-06"') && r.dueAt === Date.parse('2027-02-05T01:00:00Z'))).toBe(true);
    expect(rowsDue('holiday-list').length).toBe(7 + 2);
  });

  it('does create cadence check-ins on each tier interval from the last touch', () => {
    const customers = db.sqlite
      .prepare(
        `SELECT c.id, r.timeZone AS zone, r.agendaHour AS hour,
           (SELECT MAX(orderedAt) FROM "Order" o WHERE o.customerId = c.id AND o.orderedAt <= ?) AS lastOrder,
           (SELECT MAX(at) FROM Interaction i WHERE i.customerId = c.id) AS lastInteraction,
           c.createdAt,
           EXISTS (SELECT 1 FROM Callback k WHERE k.customerId = c.id AND k.source = 'manual') AS hasManual
         FROM Customer c JOIN Rep r ON r.id = c.ownerId ORDER BY c.id`,
      )
      .all(SEEDED_AT.getTime()) as { id: number; zone: string; hour: number; lastOrder: number | null; lastInteraction: number | null; createdAt: number; hasManual: number }[];
    const planTimes: number[] = [];
    for (let t = START.getTime(); t <= END.getTime(); t += PLAN_EVERY_MS) planTimes.push(t);
    const expected = new Map<number, string[]>();
    for (const c of customers) {
      // A seeded manual callback stays open all year, which holds the cadence back.
      if (c.hasManual) continue;
      const touches = [c.lastOrder, c.lastInteraction].filter((x): x is number => x !== null);
      let touch = touches.length ? Math.max(...touches) : c.createdAt;
      const planned = lifecycleOf(c.id) !== 'active' && tierOf(c.id) !== 'D';
      const lostAt = planned && !buysBack(c.id) ? START.getTime() + 30 * DAY_MS : Infinity;
      let open: number | null = null;
      const slots: string[] = [];
      for (const t of planTimes) {
        if (open !== null && open <= t) ((touch = open), (open = null));
        if (buysBack(c.id) && lifecycleOf(c.id) !== 'active' && t >= BUY_AT) touch = Math.max(touch, BUY_AT);
        if (t > lostAt || open !== null) continue;
        const due = touch + DEFAULT_CADENCE_DAYS[tierOf(c.id)] * DAY_MS;
        if (due > t + PLANNING_HORIZON_MS) continue;
        const slot = nextAgendaSlot(c.zone, c.hour, new Date(Math.max(due, t)));
        if (slot.dueAt.getTime() > t + PLANNING_HORIZON_MS) continue;
        open = slot.dueAt.getTime();
        if (open <= END.getTime()) slots.push(isoDate(localDateOf(slot.dueAt, c.zone)));
      }
      expected.set(c.id, slots);
    }
    const actual = new Map<number, string[]>();
    const rows = db.sqlite
      .prepare("SELECT k.customerId, k.dueAt, r.timeZone AS zone FROM Callback k JOIN Rep r ON r.id = k.ownerId WHERE k.source = 'cadence' AND k.dueAt <= ? ORDER BY k.customerId, k.dueAt")
      .all(END.getTime()) as { customerId: number; dueAt: number; zone: string }[];
    for (const row of rows) actual.set(row.customerId, [...(actual.get(row.customerId) ?? []), isoDate(localDateOf(new Date(row.dueAt), row.zone))]);
    for (const [id, slots] of expected) if (slots.length === 0) expected.delete(id);
    // A welcome call (a first purchase just before the year) is a touch of its own: those customers are left out here.
    for (const id of db.sqlite.prepare("SELECT customerId FROM Callback WHERE source IN ('welcome', 'second-order')").pluck().all() as number[]) {
      expected.delete(id);
      actual.delete(id);
    }
    expect(actual).toEqual(expected);
    expect(rows.length).toBeGreaterThan(customers.length);
  });

  it('does deliver every due nudge exactly once, in time', () => {
    const due = db.sqlite.prepare('SELECT * FROM Nudge WHERE dueAt <= ?').all(END.getTime()) as NudgeRow[];
    expect(due.filter((r) => r.status !== 'sent' && r.status !== 'skipped')).toEqual([]);
    const keys = notifier.sent.map((n) => n.dedupeKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Holiday greetings went out inside their agendas, each carried by exactly one.
    expect(keys.sort()).toEqual(due.filter((r) => r.status === 'sent' && r.carriedBy === null).map((r) => r.dedupeKey).sort());
    const carried = due.filter((r) => r.carriedBy !== null);
    expect(nonEmpty(carried).every((r) => r.kind === 'holiday' && due.find((a) => a.id === r.carriedBy)?.kind === 'agenda')).toBe(true);
    expect(due.filter((r) => r.late === 1)).toEqual([]);
    // Only agendas with nothing on them are skipped.
    const skipped = due.filter((r) => r.status === 'skipped');
    expect(new Set(skipped.map((r) => r.kind))).toEqual(new Set(skipped.length ? ['agenda'] : []));
    expect(due.filter((r) => r.kind === 'holiday' && r.carriedBy === null)).toEqual([]);
    expect(chart.calls.length).toBe(due.filter((r) => r.kind === 'digest' && r.status === 'sent').length);
    // Each digest's chart is drawn in its recipient's language: the Shanghai and Berlin managers'.
    expect(new Set(chart.locales)).toEqual(new Set(['zh-CN', 'en']));
  });
});

/** 春节 2026 is Tuesday Feb 17: a month of the demo teams around it, with the same planner and delivery. */
describe('a simulated February 2026 for the demo teams', () => {
  const FEB_START = new Date('2026-02-01T00:00:00Z');
  const FEB_END = new Date('2026-03-01T00:00:00Z');
  let db: Db;
  const notifier = new RecordingNotifier();

  beforeAll(async () => {
    db = await demoDatabase(80, new Date('2026-01-31T12:00:00Z'));
    await simulate(db, notifier, recordingChart(), FEB_START, FEB_END);
  }, 60_000);
  afterAll(async () => db.cleanup());

  it('does greet for 春节 2026 from Monday’s agenda in Shanghai, one nudge per customer of the zh-CN team, opted-out customers skipped', () => {
    const due = db.sqlite.prepare('SELECT * FROM Nudge WHERE dueAt <= ? ORDER BY id').all(FEB_END.getTime()) as NudgeRow[];
    const holidays = due.filter((r) => r.kind === 'holiday');
    // 元宵 (Mar 3) is greeted on Mar 2, 妇女节 later still; the en team's Christmas and New Year are outside February.
    const zhCustomers = db.sqlite
      .prepare(`SELECT c.id, c.greetingOptOut AS optedOut FROM Customer c JOIN Rep r ON r.id = c.ownerId JOIN Team t ON t.id = r.teamId
        WHERE t.locale = 'zh-CN' AND r.active = 1 ORDER BY c.id`)
      .all() as { id: number; optedOut: number }[];
    expect(zhCustomers.filter((c) => c.optedOut === 1).length).toBeGreaterThan(0);
    expect(holidays.map((r) => r.customerId!).sort((a, b) => a - b)).toEqual(zhCustomers.filter((c) => c.optedOut === 0).map((c) => c.id));
    expect(holidays.filter((r) => !r.payload.includes('"holiday":"spring-festival"') || !r.payload.includes('"date":"2026-02-17"'))).toEqual([]);
    // The eve is Monday Feb 16: its 09:00 agenda in Shanghai carries the greetings, and the team channel hears the count at 09:00.
    const mondayAgenda = Date.parse('2026-02-16T01:00:00Z');
    expect(holidays.filter((r) => r.dueAt !== mondayAgenda)).toEqual([]);
    expect(holidays.filter((r) => r.status !== 'sent' || due.find((a) => a.id === r.carriedBy)?.kind !== 'agenda')).toEqual([]);
    expect(new Set(holidays.map((r) => due.find((a) => a.id === r.carriedBy)!.dueAt))).toEqual(new Set([mondayAgenda]));
    const lists = due.filter((r) => r.kind === 'holiday-list');
    expect(lists.map((r) => [r.dueAt, r.status])).toEqual([[mondayAgenda, 'sent']]);
    expect(lists[0]!.payload).toContain('"date":"2026-02-17"');
  });
});
