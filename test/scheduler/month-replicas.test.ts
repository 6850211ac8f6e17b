import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import type { JobName } from '../../src/scheduler/scheduler.js';
import { FakeSlack } from '../fakes/slack/fake-slack.js';
import type { MonthReport, MonthTick } from './fixtures/month-replica.js';
import { engineOfRun } from '../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../helpers/engines.js';
import { demoDatabase } from './helpers.js';

const REPLICA = path.join(import.meta.dirname, 'fixtures', 'month-replica.ts');
const SEEDED_AT = new Date('2027-02-28T12:00:00Z');
/** A Monday: four weekly digests per manager in four weeks. */
const START = new Date('2027-03-01T00:00:00Z');
const DAYS = 28;
const HOUR_MS = 3_600_000;
const REPLICAS = 3;
/** Chance per simulated hour that one replica is SIGKILLed (and restarted): ~10 kills in the month. */
const KILL_CHANCE = 0.015;
const JOBS: JobName[] = ['rescore', 'plan', 'plan-callbacks', 'deliver'];

type Replica = { child: ChildProcess; exited: Promise<void>; tick: (tick: MonthTick) => Promise<MonthReport | null> };

async function startReplica(url: string, slackApiUrl: string, at: Date): Promise<Replica> {
  const child = fork(REPLICA, [url, slackApiUrl, at.toISOString()], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`a replica exited (${code}) before its scheduler started`)));
  });
  return {
    child,
    exited,
    // null: killed before it answered.
    tick: (tick) =>
      new Promise((resolve) => {
        const onExit = () => resolve(null);
        child.once('exit', onExit);
        child.once('message', (report) => {
          child.off('exit', onExit);
          resolve(report as MonthReport);
        });
        child.send(tick);
      }),
  };
}

/**
 * Three bot replicas on one database through a simulated month: each hour every live replica
 * renews the scheduler lease and fires the scheduler's jobs at that hour (rescore, plan, deliver),
 * nudges go out through the real Slack notifier to a fake Slack Web API on 127.0.0.1, and now and
 * then one replica is SIGKILLed at a random moment of the hour and started again.
 */
describe(`three replicas through a simulated month with SIGKILLs, on ${engineOfRun()}`, () => {
  let db: TestStoreDatabase;
  let slack: FakeSlack;
  const replicas: Replica[] = [];
  const reports: MonthReport[][] = [];
  let kills = 0;
  const end = new Date(START.getTime() + DAYS * 24 * HOUR_MS);

  beforeAll(async () => {
    db = await demoDatabase(60, SEEDED_AT, engineOfRun());
    // Every rep on Slack, every team with a channel: each nudge has somewhere to go.
    await db.kysely.updateTable('Rep').set({ slackUserId: sql<string>`'U' || ${sql.ref('id')}`, preferredPlatform: 'slack' }).execute();
    await db.kysely.updateTable('Team').set({ slackChannelId: sql<string>`'C' || ${sql.ref('id')}` }).execute();
    slack = await FakeSlack.start();
    const random = seededRandom(20270301);
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, () => startReplica(db.url, slack.apiUrl, START)))));
    for (let at = START.getTime(); at <= end.getTime(); at += HOUR_MS) {
      const tick: MonthTick = { at: new Date(at).toISOString(), jobs: JOBS };
      const answers = replicas.map((r) => r.tick(tick));
      if (random() < KILL_CHANCE) {
        const victim = Math.floor(random() * replicas.length);
        // Some moment of the hour's work: before, during or after a delivery.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 40)));
        replicas[victim]!.child.kill('SIGKILL');
        await replicas[victim]!.exited;
        kills++;
        replicas[victim] = await startReplica(db.url, slack.apiUrl, new Date(at));
      }
      reports.push((await Promise.all(answers)).filter((r): r is MonthReport => r !== null));
    }
    // The last hour's deliveries, and whatever a kill in it left claimed, once its claim ran out.
    for (const extra of [1, 2]) await Promise.all(replicas.map((r) => r.tick({ at: new Date(end.getTime() + extra * HOUR_MS).toISOString(), jobs: ['deliver'] })));
  }, 900_000);

  afterAll(async () => {
    for (const r of replicas) {
      r.child.kill('SIGKILL');
      await r.exited;
    }
    await slack?.stop();
    await db?.cleanup();
  });

  it('does deliver every nudge due in the month, sending none twice except messages in flight at a kill', async () => {
    expect(kills).toBeGreaterThanOrEqual(5);
    const rows = await db.kysely.selectFrom('Nudge').select(['id', 'kind', 'status', 'messageId', 'lastError']).where('dueAt', '<=', end.getTime()).execute();
    const kinds = new Map<string, number>();
    for (const row of rows) kinds.set(row.kind, (kinds.get(row.kind) ?? 0) + 1);
    const byKind = [...kinds].map(([kind, count]) => `${kind} ${count}`);
    process.stdout.write(`month replicas: ${rows.length} nudges (${byKind.join(', ')}), ${kills} kills\n`);
    expect(rows.length).toBeGreaterThan(100);
    const unfinished = rows.filter((r) => r.status !== 'sent' && r.status !== 'skipped');
    expect(unfinished).toEqual([]);
    const sentTs = new Set(rows.filter((r) => r.status === 'sent').map((r) => r.messageId));
    const posts = slack.posted.filter((p) => sentTs.has(p.ts));
    // Every sent row is one message Slack holds; a message Slack holds that no row names was posted by a replica killed before it recorded it.
    expect(posts).toHaveLength(sentTs.size);
    const duplicates = slack.posted.length - posts.length;
    process.stdout.write(`month replicas: ${rows.length} nudges, ${sentTs.size} sent, ${kills} kills, ${duplicates} sent twice (in flight at a kill)\n`);
    expect(duplicates).toBeLessThanOrEqual(kills);
  });

  it('does send each manager one weekly digest per week', async () => {
    const managers = await db.kysely.selectFrom('Rep').select('id').where('role', '=', 'manager').where('active', '=', true).execute();
    const digests = await db.kysely.selectFrom('Nudge').select(['targetId', 'dueAt', 'status']).where('kind', '=', 'digest').where('dueAt', '<=', end.getTime()).orderBy('dueAt').execute();
    expect(managers.length).toBeGreaterThan(0);
    for (const manager of managers) {
      const theirs = digests.filter((d) => d.targetId === manager.id);
      // Monday 08:00 in the manager's zone: four or five Mondays fall in the 28 days, a week apart (± the DST hour).
      expect(theirs.length).toBeGreaterThanOrEqual(4);
      expect(theirs.length).toBeLessThanOrEqual(5);
      expect(theirs.every((d) => d.status === 'sent')).toBe(true);
      const gaps = theirs.slice(1).map((d, i) => (d.dueAt - theirs[i]!.dueAt) / HOUR_MS);
      expect(gaps.every((hours) => Math.abs(hours - 7 * 24) <= 1)).toBe(true);
    }
    const posts = new Map(slack.posted.map((p) => [p.ts, p]));
    const sentDigests = await db.kysely.selectFrom('Nudge').select('messageId').where('kind', '=', 'digest').where('status', '=', 'sent').execute();
    expect(sentDigests.every((d) => posts.has(d.messageId!))).toBe(true);
  });

  it('does plan and rescore in one replica at a time, every night scored once', async () => {
    for (const hour of reports) {
      expect(hour.filter((r) => r.leading).length).toBeLessThanOrEqual(1);
      expect(hour.filter((r) => r.plans > 0).length).toBeLessThanOrEqual(1);
      expect(hour.filter((r) => r.rescores > 0).length).toBeLessThanOrEqual(1);
    }
    // Every hour planned by someone, except an hour whose planner was killed before it answered (the next hour catches up).
    const unplanned = reports.filter((hour) => hour.every((r) => r.plans === 0)).length;
    expect(unplanned).toBeLessThanOrEqual(kills);
    const nights = await db.kysely.selectFrom('JobRun').select(['runKey', 'status']).where('job', '=', 'rescore').where('runKey', 'like', 'nightly:%').execute();
    expect(nights.filter((n) => n.status === 'done').length).toBeGreaterThanOrEqual(DAYS);
    expect(nights.filter((n) => n.status !== 'done')).toEqual([]);
  });
});
