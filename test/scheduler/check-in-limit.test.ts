import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { ManualClock } from '../../src/clock.js';
import { createTeamDirectory } from '../../src/db/team-directory.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { importStream } from '../../src/import/import-run.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain } from './helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;

const HOUR = 3_600_000;
/** DEMO_ASOF is a Monday 00:00 UTC; 上海旗舰店 reps have their agenda at 09:00 Shanghai = 01:00 UTC. */
const MONDAY_AGENDA = DEMO_ASOF.getTime() + HOUR;
const TUESDAY_AGENDA = MONDAY_AGENDA + DAY_MS;
const WEDNESDAY_AGENDA = TUESDAY_AGENDA + DAY_MS;

describe('the daily check-in limit', () => {
  let db: Db;
  let zhang: number;
  const checkInsOn = (dueAt: number) =>
    db.sqlite.prepare("SELECT customerId FROM Callback WHERE ownerId = ? AND source = 'cadence' AND dueAt = ? ORDER BY customerId").pluck().all(zhang, dueAt) as number[];
  /** Zhang's customers whose check-in is due by `by` and not planned yet, most overdue first. */
  const queue = (by: number) =>
    db.sqlite
      .prepare(
        `SELECT id FROM Customer c WHERE ownerId = ? AND checkInDueAt <= ? AND status != 'lost'
           AND NOT EXISTS (SELECT 1 FROM Callback k WHERE k.customerId = c.id AND k.status = 'open')
         ORDER BY checkInDueAt, id`,
      )
      .pluck()
      .all(zhang, by) as number[];

  beforeAll(async () => {
    db = await demoDatabase(60);
    const clock = new ManualClock(DEMO_ASOF);
    const load = (kind: 'customers' | 'orders', csv: string) =>
      importStream({ db, clock }, Readable.from([csv]), { kind, fileName: `${kind}.csv`, actor: 'test', rejectsPath: null });
    // Twelve customers nobody has touched since early 2025: a backlog on one rep's desk.
    const ids = Array.from({ length: 12 }, (_, i) => `L${String(i + 1).padStart(2, '0')}`);
    expect((await load('customers', ['external_id,name,owner', ...ids.map((id) => `${id},Long Silent ${id},zhang.wei@rapport.demo`)].join('\n'))).status).toBe('applied');
    expect((await load('orders', ['external_id,customer,ordered_at,amount', ...ids.map((id, i) => `O-${id},${id},2025-01-${String(i + 1).padStart(2, '0')},100`)].join('\n'))).status).toBe('applied');
    const shanghai = db.sqlite.prepare("SELECT id FROM Team WHERE name = '上海旗舰店'").pluck().get() as number;
    await createTeamDirectory(db, inProcessJobs(db)).update(shanghai, { settings: JSON.stringify({ checkInsPerDay: 3 }) });
    zhang = db.sqlite.prepare("SELECT id FROM Rep WHERE email = 'zhang.wei@rapport.demo'").pluck().get() as number;
  });
  afterAll(async () => db.cleanup());

  it('does put at most the limit on each agenda, the most overdue first, and the rest on later agendas', async () => {
    const backlog = queue(TUESDAY_AGENDA);
    expect(backlog.length).toBeGreaterThan(6);

    await runPlanning(db, DEMO_ASOF);
    expect(checkInsOn(MONDAY_AGENDA)).toEqual(backlog.slice(0, 3).sort((a, b) => a - b));
    expect(checkInsOn(TUESDAY_AGENDA)).toEqual(backlog.slice(3, 6).sort((a, b) => a - b));
    expect(queue(TUESDAY_AGENDA)).toEqual(backlog.slice(6));

    // Planning again before Monday's agenda adds nothing: both agendas in reach are full.
    const again = await runPlanning(db, new Date(DEMO_ASOF.getTime() + HOUR / 2));
    expect(again.cadenceCallbacks).toBe(0);

    // Tuesday's run fills Wednesday's agenda from the front of the queue.
    await runPlanning(db, new Date(DEMO_ASOF.getTime() + DAY_MS));
    expect(checkInsOn(WEDNESDAY_AGENDA)).toEqual(backlog.slice(6, 9).sort((a, b) => a - b));
  });

  it("does tell the rep in the morning agenda how many check-ins wait for later agendas", async () => {
    const notifier = new RecordingNotifier();
    await drain(new Date(MONDAY_AGENDA), deliveryDeps(db.sqlite, notifier));
    const agenda = notifier.sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang);
    // Due by the end of Monday and not on an agenda yet (the first two runs of the test above).
    const waiting = queue(DEMO_ASOF.getTime() + DAY_MS - 8 * HOUR).length;
    expect(waiting).toBeGreaterThan(0);
    expect(agenda!.reply.blocks).toContainEqual({
      type: 'text',
      tone: 'muted',
      text: `另有 ${waiting} 位客户到了定期回访时间，已顺延到之后的日程（每日上限 3 条）。`,
    });
  });
});
