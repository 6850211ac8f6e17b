import { afterAll, beforeAll, expect, it } from 'vitest';
import { refreshCheckIns } from '../../src/db/stores/check-in-store.js';
import { loadTeamSettings } from '../../src/db/team-settings.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { nextAgendaSlot } from '../../src/domain/schedule/agenda.js';
import { DEFAULT_CADENCE_DAYS } from '../../src/domain/schedule/cadence.js';
import type { Tier } from '../../src/domain/tier.js';
import { isoDate, localDateOf } from '../../src/domain/schedule/local-time.js';
import { PLANNING_HORIZON_MS } from '../../src/scheduler/planning-run.js';
import { runJob, type SchedulerDeps } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
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

type Db = TestStoreDatabase;

/**
 * Runs the real planner every 6 hours from `start` to `end` and delivers every due nudge at its
 * minute; `beforePlan` plays the reps' part before each planning run.
 */
async function simulate(
  db: Db, notifier: RecordingNotifier, chart: ReturnType<typeof recordingChart>, start: Date, end: Date, beforePlan: (t: number) => Promise<void> = async () => {},
): Promise<void> {
  const deps: SchedulerDeps = { db, background: inProcessJobs(db), owner: 'test', delivery: deliveryDeps(db, notifier, chart.render), logger: { info() {}, warn() {}, error() {} } };
  const nextDue = async (until: number) =>
    (await db.kysely.selectFrom('Nudge').select((eb) => eb.fn.min('dueAt').as('at')).where('status', '=', 'pending').where('dueAt', '<=', until).executeTakeFirstOrThrow()).at;
  const deliverUntil = async (until: number) => {
    for (let at = await nextDue(until); at !== null; at = await nextDue(until)) {
      // A row due that delivery will not claim would loop here for ever (starving the hook's timeout): leave it to the assertions.
      const reports = await drain(new Date(at), deps.delivery);
      if (reports.every((r) => r.claimed === 0)) return;
    }
  };
  for (let t = start.getTime(); t <= end.getTime(); t += PLAN_EVERY_MS) {
    await deliverUntil(t);
    await beforePlan(t);
    await runJob('plan', new Date(t), deps);
  }
  await deliverUntil(end.getTime());
}

/**
 * A year of a demo team: the planner runs every 6 hours, every due nudge is delivered at its
 * minute, reps complete each cadence check-in on its day, some win-back customers buy again.
 */
// Delivers (renders) every nudge, digests included.
describeEngines('a simulated year for the demo teams', (engine) => {
  let db: Db;
  const notifier = new RecordingNotifier();
  const chart = recordingChart();

  beforeAll(async () => {
    db = await demoDatabase(300, SEEDED_AT, engine);
    // No daily limit here: this year checks each check-in's own day (the limit has its own test).
    await db.kysely.updateTable('Team').set({ settings: '{"checkInsPerDay": 500}' }).execute();
    await writeSnapshots(db, SEEDED_AT, (id) => ({ lifecycle: lifecycleOf(id), tier: tierOf(id) }));
    const teams = await loadTeamSettings(db);
    // Reps do their check-ins and welcome calls on their day.
    const complete = async (t: number) =>
      (await db.kysely.updateTable('Callback').set((eb) => ({ status: 'done', completedAt: eb.ref('dueAt') }))
        .where('source', 'in', ['cadence', 'welcome', 'second-order']).where('status', '=', 'open').where('dueAt', '<=', t)
        .returning('customerId').execute()).map((k) => k.customerId);
    let bought = false;
    await simulate(db, notifier, chart, START, END, async (t) => {
      if (!bought && t >= BUY_AT) {
        const buyers = Array.from({ length: 15 }, (_, i) => 20 * (i + 1));
        await db.kysely.insertInto('Order').values(buyers.map((customerId) => ({ customerId, orderedAt: BUY_AT, amountMinor: 10_000, createdAt: BUY_AT }))).execute();
        await refreshCheckIns(db, { customerIds: buyers }, teams);
        bought = true;
      }
      // As the callback book does when a rep presses Done.
      await refreshCheckIns(db, { customerIds: await complete(t) }, teams);
    });
  }, 120_000);
  afterAll(async () => db.cleanup());

  /** Every nudge due by the end of the year, by id. */
  let due: Awaited<ReturnType<typeof nudgesDue>>;
  const nudgesDue = () => db.kysely.selectFrom('Nudge').selectAll().where('dueAt', '<=', END.getTime()).orderBy('id').execute();
  beforeAll(async () => {
    due = await nudgesDue();
  });
  const rowsDue = (kind: string) => due.filter((r) => r.kind === kind);

  it('does plan exactly the expected nudges per kind', async () => {
    // Every rep with a book gets an agenda on each of 2027's 261 weekdays; two managers a digest on its 52 Mondays.
    const reps = await db.kysely.selectFrom('Customer').select((eb) => eb.fn.count<number>('ownerId').distinct().as('n')).executeTakeFirstOrThrow();
    expect(reps.n).toBeGreaterThan(2);
    expect(rowsDue('agenda').length).toBe(reps.n * 261);
    expect(rowsDue('digest').length).toBe(2 * 52);

    const birthdays = await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId')
      .select(['c.id', 'c.birthdayMonth as m', 'c.birthdayDay as d', 'r.teamId'])
      .where('c.birthdayMonth', 'is not', null).where('c.greetingOptOut', '=', false).execute();
    expect(rowsDue('birthday').map((r) => r.customerId).sort((a, b) => a! - b!)).toEqual(birthdays.map((b) => b.id).sort((a, b) => a - b));
    const feb29 = birthdays.filter((b) => b.m === 2 && b.d === 29);
    for (const b of feb29) expect(rowsDue('birthday').find((r) => r.customerId === b.id)!.payload).toContain('2027-02-28');
    const teamDays = new Set(birthdays.map((b) => `${b.teamId}:${b.m === 2 && b.d === 29 ? '2-28' : `${b.m}-${b.d}`}`));
    expect(rowsDue('birthday-list').length).toBe(teamDays.size);

    const seededCallbacks = await db.kysely.selectFrom('Callback').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source', '=', 'manual').where('timed', '=', true).where('dueAt', '>=', START.getTime() - 3 * DAY_MS).executeTakeFirstOrThrow();
    expect(rowsDue('callback').length).toBe(seededCallbacks.n);

    // Triage (A–C by default): at-risk customers of tier D get no plan, only the light-touch list.
    const atRisk = (await db.kysely.selectFrom('Customer').select('id').orderBy('id').execute()).filter((c) => lifecycleOf(c.id) !== 'active' && tierOf(c.id) !== 'D');
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
    const episodes = await db.kysely.selectFrom('WinbackEpisode').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').orderBy('status').execute();
    expect(episodes).toEqual([
      { status: 'lost', n: atRisk.filter((c) => !buysBack(c.id)).length },
      { status: 'won', n: atRisk.filter((c) => buysBack(c.id)).length },
    ]);
  });

  it('does plan one holiday greeting per customer and holiday, on the agenda before it, opted-out customers skipped', async () => {
    // zh-CN teams greet for 春节, 元宵, 妇女节, 端午, 中秋, 国庆, 双11; en teams for Christmas and New Year (2028's eve is 2027-12-31).
    const perTeam = await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').innerJoin('Team as t', 't.id', 'r.teamId')
      .select((eb) => ['t.locale', eb.fn.countAll<number>().as('n')]).where('c.greetingOptOut', '=', false).where('r.active', '=', true).groupBy('t.locale').execute();
    const expected = perTeam.reduce((sum, t) => sum + t.n * (t.locale === 'zh-CN' ? 7 : 2), 0);
    expect(expected).toBeGreaterThan(0);
    expect(rowsDue('holiday')).toHaveLength(expected);
    const optedOut = new Set((await db.kysely.selectFrom('Customer').select('id').where('greetingOptOut', '=', true).execute()).map((c) => c.id));
    expect(optedOut.size).toBeGreaterThan(0);
    expect(rowsDue('holiday').filter((r) => optedOut.has(r.customerId!))).toEqual([]);
    // 春节 2027 is Saturday Feb 6 (Node's ICU says Feb 7): greeted from Friday's 09:00 agenda in Shanghai.
    const springFestival = rowsDue('holiday').filter((r) => r.payload.includes('"spring-festival"'));
    expect(nonEmpty(springFestival).every((r) => r.payload.includes('"date":"2027-02-06"') && r.dueAt === Date.parse('2027-02-05T01:00:00Z'))).toBe(true);
    expect(rowsDue('holiday-list').length).toBe(7 + 2);
  });

  it('does create cadence check-ins on each tier interval from the last touch', async () => {
    const customers = await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId')
      .select((eb) => [
        'c.id', 'r.timeZone as zone', 'r.agendaHour as hour', 'c.createdAt',
        eb.selectFrom('Order as o').select((o) => o.fn.max('o.orderedAt').as('at')).whereRef('o.customerId', '=', 'c.id').where('o.orderedAt', '<=', SEEDED_AT.getTime()).as('lastOrder'),
        eb.selectFrom('Interaction as i').select((i) => i.fn.max('i.at').as('at')).whereRef('i.customerId', '=', 'c.id').as('lastInteraction'),
        eb.exists(eb.selectFrom('Callback as k').select('k.id').whereRef('k.customerId', '=', 'c.id').where('k.source', '=', 'manual')).as('hasManual'),
      ])
      // The demo reps all have a zone of their own.
      .$narrowType<{ zone: string }>()
      .orderBy('c.id').execute();
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
    const rows = await db.kysely.selectFrom('Callback as k').innerJoin('Rep as r', 'r.id', 'k.ownerId').select(['k.customerId', 'k.dueAt', 'r.timeZone as zone'])
      .where('k.source', '=', 'cadence').where('k.dueAt', '<=', END.getTime()).$narrowType<{ zone: string }>().orderBy('k.customerId').orderBy('k.dueAt').orderBy('k.id').execute();
    for (const row of rows) actual.set(row.customerId, [...(actual.get(row.customerId) ?? []), isoDate(localDateOf(new Date(row.dueAt), row.zone))]);
    for (const [id, slots] of expected) if (slots.length === 0) expected.delete(id);
    // A welcome call (a first purchase just before the year) is a touch of its own: those customers are left out here.
    for (const { customerId: id } of await db.kysely.selectFrom('Callback').select('customerId').where('source', 'in', ['welcome', 'second-order']).execute()) {
      expected.delete(id);
      actual.delete(id);
    }
    expect(actual).toEqual(expected);
    expect(rows.length).toBeGreaterThan(customers.length);
  });

  it('does deliver every due nudge exactly once, in time', () => {
    expect(due.filter((r) => r.status !== 'sent' && r.status !== 'skipped')).toEqual([]);
    const keys = notifier.sent.map((n) => n.dedupeKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Holiday greetings went out inside their agendas, each carried by exactly one.
    expect(keys.sort()).toEqual(due.filter((r) => r.status === 'sent' && r.carriedBy === null).map((r) => r.dedupeKey).sort());
    const carried = due.filter((r) => r.carriedBy !== null);
    expect(nonEmpty(carried).every((r) => r.kind === 'holiday' && due.find((a) => a.id === r.carriedBy)?.kind === 'agenda')).toBe(true);
    expect(due.filter((r) => r.late)).toEqual([]);
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
describeEngines('a simulated February 2026 for the demo teams', (engine) => {
  const FEB_START = new Date('2026-02-01T00:00:00Z');
  const FEB_END = new Date('2026-03-01T00:00:00Z');
  let db: Db;
  const notifier = new RecordingNotifier();

  beforeAll(async () => {
    db = await demoDatabase(80, new Date('2026-01-31T12:00:00Z'), engine);
    await simulate(db, notifier, recordingChart(), FEB_START, FEB_END);
  }, 60_000);
  afterAll(async () => db.cleanup());

  it('does greet for 春节 2026 from Monday’s agenda in Shanghai, one nudge per customer of the zh-CN team, opted-out customers skipped', async () => {
    const due = await db.kysely.selectFrom('Nudge').selectAll().where('dueAt', '<=', FEB_END.getTime()).orderBy('id').execute();
    const holidays = due.filter((r) => r.kind === 'holiday');
    // 元宵 (Mar 3) is greeted on Mar 2, 妇女节 later still; the en team's Christmas and New Year are outside February.
    const zhCustomers = await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').innerJoin('Team as t', 't.id', 'r.teamId')
      .select(['c.id', 'c.greetingOptOut as optedOut']).where('t.locale', '=', 'zh-CN').where('r.active', '=', true).orderBy('c.id').execute();
    expect(zhCustomers.filter((c) => c.optedOut).length).toBeGreaterThan(0);
    expect(holidays.map((r) => r.customerId!).sort((a, b) => a - b)).toEqual(zhCustomers.filter((c) => !c.optedOut).map((c) => c.id));
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
