import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { refreshCheckIns } from '../../src/db/stores/check-in-store.js';
import { loadTeamSettings } from '../../src/db/team-settings.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { importStream } from '../../src/import/import-run.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain } from './helpers.js';

const HOUR = 3_600_000;
/** DEMO_ASOF is a Monday 00:00 UTC; 上海旗舰店 reps have their agenda at 09:00 Shanghai = 01:00 UTC. */
const MONDAY_AGENDA = DEMO_ASOF.getTime() + HOUR;
const TUESDAY_AGENDA = MONDAY_AGENDA + DAY_MS;
const WEDNESDAY_AGENDA = TUESDAY_AGENDA + DAY_MS;

describeEngines('the daily check-in limit', (engine) => {
  let db: TestStoreDatabase;
  let zhang: number;
  const checkInsOn = async (dueAt: number) =>
    (await db.kysely.selectFrom('Callback').select('customerId')
      .where('ownerId', '=', zhang).where('source', '=', 'cadence').where('dueAt', '=', dueAt).orderBy('customerId').execute()).map((r) => r.customerId);
  /** Zhang's customers whose check-in is due by `by` and not planned yet, most overdue first. */
  const queue = async (by: number) =>
    (await db.kysely.selectFrom('Customer as c').select('c.id')
      .where('c.ownerId', '=', zhang).where('c.checkInDueAt', '<=', by).where('c.status', '!=', 'lost')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('Callback as k').select('k.id').whereRef('k.customerId', '=', 'c.id').where('k.status', '=', 'open'))))
      .orderBy('c.checkInDueAt').orderBy('c.id').execute()).map((r) => r.id);

  beforeAll(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    const clock = new ManualClock(DEMO_ASOF);
    const load = (kind: 'customers' | 'orders', csv: string) =>
      importStream({ db, clock }, Readable.from([csv]), { kind, fileName: `${kind}.csv`, actor: 'test', rejectsPath: null });
    // Twelve customers nobody has touched since early 2025: a backlog on one rep's desk.
    const ids = Array.from({ length: 12 }, (_, i) => `L${String(i + 1).padStart(2, '0')}`);
    expect((await load('customers', ['external_id,name,owner', ...ids.map((id) => `${id},Long Silent ${id},zhang.wei@rapport.demo`)].join('\n'))).status).toBe('applied');
    expect((await load('orders', ['external_id,customer,ordered_at,amount', ...ids.map((id, i) => `O-${id},${id},2025-01-${String(i + 1).padStart(2, '0')},100`)].join('\n'))).status).toBe('applied');
    const shanghai = (await db.kysely.selectFrom('Team').select('id').where('name', '=', '上海旗舰店').executeTakeFirstOrThrow()).id;
    // As /rapport settings does, without its background job.
    await db.kysely.updateTable('Team').set({ settings: JSON.stringify({ checkInsPerDay: 3 }) }).where('id', '=', shanghai).execute();
    await refreshCheckIns(db, { teamId: shanghai }, await loadTeamSettings(db));
    zhang = (await db.kysely.selectFrom('Rep').select('id').where('email', '=', 'zhang.wei@rapport.demo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => db.cleanup());

  it('does put at most the limit on each agenda, the most overdue first, and the rest on later agendas', async () => {
    const backlog = await queue(TUESDAY_AGENDA);
    expect(backlog.length).toBeGreaterThan(6);

    await runPlanning(db, DEMO_ASOF);
    expect(await checkInsOn(MONDAY_AGENDA)).toEqual(backlog.slice(0, 3).sort((a, b) => a - b));
    expect(await checkInsOn(TUESDAY_AGENDA)).toEqual(backlog.slice(3, 6).sort((a, b) => a - b));
    expect(await queue(TUESDAY_AGENDA)).toEqual(backlog.slice(6));

    // Planning again before Monday's agenda adds nothing: both agendas in reach are full.
    const again = await runPlanning(db, new Date(DEMO_ASOF.getTime() + HOUR / 2));
    expect(again.cadenceCallbacks).toBe(0);

    // Tuesday's run fills Wednesday's agenda from the front of the queue.
    await runPlanning(db, new Date(DEMO_ASOF.getTime() + DAY_MS));
    expect(await checkInsOn(WEDNESDAY_AGENDA)).toEqual(backlog.slice(6, 9).sort((a, b) => a - b));
  });

  // Renders the agenda.
  it("does tell the rep in the morning agenda how many check-ins wait for later agendas", async () => {
    const notifier = new RecordingNotifier();
    await drain(new Date(MONDAY_AGENDA), deliveryDeps(db, notifier));
    const agenda = notifier.sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === zhang);
    // Due by the end of Monday and not on an agenda yet (the first two runs of the test above).
    const waiting = (await queue(DEMO_ASOF.getTime() + DAY_MS - 8 * HOUR)).length;
    expect(waiting).toBeGreaterThan(0);
    expect(agenda!.reply.blocks).toContainEqual({
      type: 'text',
      tone: 'muted',
      text: `另有 ${waiting} 位客户到了定期回访时间，已顺延到之后的日程（每日上限 3 条）。`,
    });
  });
});
