import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackgroundJob, type BackgroundJob, type BackgroundJobs } from '../../src/background/background-jobs.js';
import { createTeamDirectory } from '../../src/db/team-directory.js';
import { DEFAULT_CADENCE_DAYS } from '../../src/domain/schedule/cadence.js';
import { runJob } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, writeSnapshots } from '../scheduler/helpers.js';

const DAY = 86_400_000;

describeEngines('stored team settings', (engine) => describe('stored team settings', () => {
  let db: TestStoreDatabase;
  let shanghai: number;
  let berlin: number;
  beforeAll(async () => {
    const demo = await demoDatabase(60, DEMO_ASOF, engine);
    db = demo;
    await writeSnapshots(db, DEMO_ASOF, () => ({ lifecycle: 'active', tier: 'A' }));
    const teamId = async (name: string) => (await db.kysely.selectFrom('Team').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    shanghai = await teamId('上海旗舰店');
    berlin = await teamId('Berlin B2B');
  });
  afterAll(async () => db.cleanup());

  it('does plan with the defaults and log one line per broken team when a stored value is not a JSON object', async () => {
    const setSettings = (settings: string, id: number) => db.kysely.updateTable('Team').set({ settings }).where('id', '=', id).execute();
    await setSettings('{"cadenceDays": {"A": 7', shanghai);
    await setSettings('null', berlin);
    const warnings: unknown[][] = [];
    const logger = { info() {}, warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void warnings.push(['error', ...args]) };
    const deps = { db, background: inProcessJobs(db), owner: 'test', delivery: deliveryDeps(db, new RecordingNotifier()), logger };
    const result = await runJob('plan', DEMO_ASOF, deps);
    expect(result).toMatchObject({ failures: [] });
    expect((result as { nudges: number }).nudges).toBeGreaterThan(0);
    expect(warnings).toEqual([
      [`Team ${shanghai} (上海旗舰店): the stored settings are not valid JSON, so its defaults are used until a /rapport settings change writes new ones.`],
      [`Team ${berlin} (Berlin B2B): the stored settings are not a JSON object, so its defaults are used until a /rapport settings change writes new ones.`],
    ]);
    // The every-minute callback pass does not repeat the line.
    await runJob('plan-callbacks', DEMO_ASOF, deps);
    expect(warnings).toHaveLength(2);
    // Check-ins use the default cadence (tier A) from the last touch.
    const customer = await db.kysely.selectFrom('Customer').select(['lastTouchAt', 'checkInDueAt']).where('checkInDueAt', 'is not', null).orderBy('id').limit(1).executeTakeFirstOrThrow();
    expect(customer.checkInDueAt! - customer.lastTouchAt!).toBe(DEFAULT_CADENCE_DAYS.A * DAY);
  });

  it('does hand a cadence change to the background jobs, which move that team’s check-ins', async () => {
    const jobs: BackgroundJob[] = [];
    const recording: BackgroundJobs = { run: (job) => (jobs.push(job), runBackgroundJob(db, job)) };
    await createTeamDirectory(db, recording).update(berlin, { settings: JSON.stringify({ cadenceDays: { A: 3 } }) });
    expect(jobs).toEqual([{ kind: 'refresh-check-ins', teamId: berlin }]);
    const intervals = await db.kysely
      .selectFrom('Customer as c')
      .innerJoin('Rep as r', 'r.id', 'c.ownerId')
      .select((eb) => eb('c.checkInDueAt', '-', eb.ref('c.lastTouchAt')).as('interval'))
      .distinct()
      .where('r.teamId', '=', berlin)
      .where('c.checkInDueAt', 'is not', null)
      .execute();
    expect(intervals.map((i) => i.interval)).toEqual([3 * DAY]);
    // A change that is no settings change (a channel) leaves the check-ins alone.
    await createTeamDirectory(db, recording).update(berlin, { channel: { platform: 'slack', id: 'C0123456789' } });
    expect(jobs).toHaveLength(1);
  });
}));
