import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackgroundJob, type BackgroundJob, type BackgroundJobs } from '../../src/background/background-jobs.js';
import { createTeamDirectory } from '../../src/db/team-directory.js';
import { DEFAULT_CADENCE_DAYS } from '../../src/domain/schedule/cadence.js';
import { runJob } from '../../src/scheduler/scheduler.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, writeSnapshots } from '../scheduler/helpers.js';

type Db = Awaited<ReturnType<typeof demoDatabase>>;
const DAY = 86_400_000;

describe('stored team settings', () => {
  let db: Db;
  let shanghai: number;
  let berlin: number;
  beforeAll(async () => {
    db = await demoDatabase(60);
    writeSnapshots(db.sqlite, DEMO_ASOF, () => ({ lifecycle: 'active', tier: 'A' }));
    shanghai = db.sqlite.prepare("SELECT id FROM Team WHERE name = '上海旗舰店'").pluck().get() as number;
    berlin = db.sqlite.prepare("SELECT id FROM Team WHERE name = 'Berlin B2B'").pluck().get() as number;
  });
  afterAll(async () => db.cleanup());

  it('does plan with the defaults and log one line per broken team when a stored value is not a JSON object', async () => {
    const setSettings = db.sqlite.prepare('UPDATE Team SET settings = ? WHERE id = ?');
    setSettings.run('{"cadenceDays": {"A": 7', shanghai);
    setSettings.run('null', berlin);
    const warnings: unknown[][] = [];
    const logger = { info() {}, warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void warnings.push(['error', ...args]) };
    const deps = { sqlite: db.sqlite, background: inProcessJobs(db), owner: 'test', delivery: deliveryDeps(db.sqlite, new RecordingNotifier()), logger };
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
    const customer = db.sqlite.prepare('SELECT lastTouchAt, checkInDueAt FROM Customer WHERE checkInDueAt IS NOT NULL LIMIT 1').get() as { lastTouchAt: number; checkInDueAt: number };
    expect(customer.checkInDueAt - customer.lastTouchAt).toBe(DEFAULT_CADENCE_DAYS.A * DAY);
  });

  it('does hand a cadence change to the background jobs, which move that team’s check-ins', async () => {
    const jobs: BackgroundJob[] = [];
    const recording: BackgroundJobs = { run: (job) => (jobs.push(job), runBackgroundJob(db, job)) };
    await createTeamDirectory(db, recording).update(berlin, { settings: JSON.stringify({ cadenceDays: { A: 3 } }) });
    expect(jobs).toEqual([{ kind: 'refresh-check-ins', teamId: berlin }]);
    const intervals = db.sqlite
      .prepare(`SELECT DISTINCT c.checkInDueAt - c.lastTouchAt FROM Customer c JOIN Rep r ON r.id = c.ownerId
        WHERE r.teamId = ? AND c.checkInDueAt IS NOT NULL`)
      .pluck()
      .all(berlin);
    expect(intervals).toEqual([3 * DAY]);
    // A change that is no settings change (a channel) leaves the check-ins alone.
    await createTeamDirectory(db, recording).update(berlin, { channel: { platform: 'slack', id: 'C0123456789' } });
    expect(jobs).toHaveLength(1);
  });
});
