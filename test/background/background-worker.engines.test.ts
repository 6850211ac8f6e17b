import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  BackgroundJobError,
  BackgroundWorkerClosed,
  BackgroundWorkerCrash,
  createBackgroundWorker,
  type BackgroundWorker,
} from '../../src/background/background-worker.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { packageRoot } from '../../src/package-root.js';
import { buildWeeklyDigest } from '../../src/scheduler/weekly-digest.js';
import { DEMO_ASOF, demoDatabase } from '../scheduler/helpers.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';

const CRASHING_THREAD = new URL('./fixtures/crashing-thread.ts', import.meta.url);
const LATER = new Date(DEMO_ASOF.getTime() + 3_600_000);

/** The distinct times of the stored scores, as the test's own connection sees them. */
const scoredAt = async (db: StoreDatabase) =>
  (await db.kysely.selectFrom('ScoreSnapshot').select('computedAt').distinct().execute()).map((r) => r.computedAt);

/** The rows in `table`, as the test's own connection sees them. */
const countOf = async (db: StoreDatabase, table: 'Nudge' | 'ScoreSnapshot') =>
  (await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

/** Remembers what the worker logs as errors. */
function recordingLogger(): { errors: { err: Error }[]; error: (entry: { err: Error }) => void } {
  const errors: { err: Error }[] = [];
  return { errors, error: (entry) => errors.push(entry) };
}

/** One snapshot per customer for the week of DEMO_ASOF (2027-W01) and the one before, a third at risk and a third lapsed, through Kysely. */
async function writeTwoWeeks(db: StoreDatabase): Promise<void> {
  for (const [week, shift] of [['2026-W53', 1], ['2027-W01', 0]] as const) {
    await db.kysely
      .insertInto('ScoreSnapshot')
      .columns(['customerId', 'week', 'computedAt', 'asOf', 'frequency', 'monetaryMinor', 'lifetimeMinor', 'orderCount', 'tier', 'valueBand', 'lifecycle'])
      .expression((eb) =>
        eb.selectFrom('Customer').select((c) => [
          'id', c.val(week).as('week'), c.lit(DEMO_ASOF.getTime()).as('computedAt'), c.lit(DEMO_ASOF.getTime()).as('asOf'), c.lit(1).as('frequency'),
          c.lit(10_000).as('monetaryMinor'), c.lit(10_000).as('lifetimeMinor'), c.lit(1).as('orderCount'), c.val('B').as('tier'), c.val('mid').as('valueBand'),
          c.case(c(c.parens('id', '+', c.lit(shift)), '%', c.lit(3)))
            .when(c.lit(0)).then(c.val('at_risk'))
            .when(c.lit(1)).then(c.val('lapsed'))
            .else(c.val('active'))
            .end()
            .as('lifecycle'),
        ]),
      )
      .execute();
  }
}

describeEngines('the background worker thread', (engine) => {
  let db: TestStoreDatabase;
  let worker: BackgroundWorker;
  let logger: ReturnType<typeof recordingLogger>;
  beforeEach(async () => {
    db = await demoDatabase(120, DEMO_ASOF, engine);
    logger = recordingLogger();
    worker = createBackgroundWorker({ databaseUrl: db.url, logger });
  });
  afterEach(async () => {
    await worker.close();
    await db.cleanup();
  });

  const customersOfTeam = async (teamId: number) =>
    (await db.kysely
      .selectFrom('Customer')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ownerId', 'in', db.kysely.selectFrom('Rep').select('id').where('teamId', '=', teamId))
      .executeTakeFirstOrThrow()).n;

  it('does plan and refresh check-ins on its own connection, which the caller\'s connection then sees', async () => {
    const plan = await worker.run({ kind: 'plan', now: DEMO_ASOF, scope: 'all' });
    expect(plan.nudges).toBeGreaterThan(0);
    expect(await countOf(db, 'Nudge')).toBe(plan.nudges);
    expect(await worker.run({ kind: 'refresh-check-ins' })).toEqual({ customers: 120 });
    const team = await db.kysely.selectFrom('Team').select('id').orderBy('id').executeTakeFirstOrThrow();
    const inTeam = await customersOfTeam(team.id);
    expect(inTeam).toBeGreaterThan(0);
    expect(inTeam).toBeLessThan(120);
    expect(await worker.run({ kind: 'refresh-check-ins', teamId: team.id })).toEqual({ customers: inTeam });
    expect(logger.errors).toEqual([]);
  });

  it('does build a digest with its chart in the thread, the same digest the caller builds', async () => {
    await writeTwoWeeks(db);
    const request = { scope: { kind: 'all' } as const, now: DEMO_ASOF, timeZone: 'UTC', locale: 'en' as const };
    const { digest, chart } = await worker.run({ kind: 'digest', ...request });
    expect(digest).toEqual(await buildWeeklyDigest(db, request.scope, request.now, request.timeZone));
    expect(digest.history).toEqual([{ week: '2026-W53', atRisk: 40, lapsed: 40 }, { week: '2027-W01', atRisk: 40, lapsed: 40 }]);
    expect(digest.newlyAtRisk).toHaveLength(40);
    expect([...chart!.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(logger.errors).toEqual([]);
  });

  it('does import a file in the thread and say whether orders changed', async () => {
    const files = tempDir('rapport-worker-import-');
    try {
      const file = path.join(files.dir, 'orders.csv');
      fs.writeFileSync(file, 'customer,ordered_at,amount\nC000001,2027-01-02,120.00\nC000002,2027-01-03,oops\n');
      const { summary, ordersChanged } = await worker.run({
        kind: 'import', file, startedAt: DEMO_ASOF, options: { kind: 'orders', fileName: 'orders.csv', actor: 'test', onError: 'skip' },
      });
      expect(summary).toMatchObject({ status: 'applied', inserted: 1, rejected: 1, rejectsPath: `${file}.rejects.csv` });
      expect(summary.problems).toEqual(['orders.csv:3: amount: not an amount (oops)']);
      expect(ordersChanged).toBe(true);
    } finally {
      files.cleanup();
    }
  });

  it('does refuse queued jobs and cut the running one short when closed, leaving the database writable', async () => {
    const running = worker.run({ kind: 'plan', now: DEMO_ASOF, scope: 'all' }).catch((error: unknown) => error);
    const queued = worker.run({ kind: 'refresh-check-ins' }).catch((error: unknown) => error);
    await worker.close();
    expect(await running).toBeInstanceOf(BackgroundWorkerClosed);
    expect(await queued).toBeInstanceOf(BackgroundWorkerClosed);
    await expect(worker.run({ kind: 'refresh-check-ins' })).rejects.toBeInstanceOf(BackgroundWorkerClosed);
    // No transaction of the cut job holds a lock.
    await db.kysely.insertInto('AppState').values({ key: 'after-close', value: '1' }).execute();
    await db.kysely.updateTable('Customer').set({ checkInDueAt: null }).execute();
    expect(logger.errors).toEqual([]);
  });
});

describeEngines('the background worker', (engine) => {
  let db: TestStoreDatabase;
  let worker: BackgroundWorker;
  let logger: ReturnType<typeof recordingLogger>;
  let files: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    db = await demoDatabase(300, DEMO_ASOF, engine);
    logger = recordingLogger();
    worker = createBackgroundWorker({ databaseUrl: db.url, logger });
    files = tempDir('rapport-worker-');
  });
  afterEach(async () => {
    await worker.close();
    await db.cleanup();
    files.cleanup();
  });

  it('does run jobs on its own connection, one at a time in the order given, and hand back plain results', async () => {
    const finished: string[] = [];
    const jobs = [
      worker.run({ kind: 'rescore', asOf: DEMO_ASOF, computedAt: DEMO_ASOF }).then((r) => (finished.push('first rescore'), r)),
      worker.run({ kind: 'rescore', asOf: DEMO_ASOF, computedAt: LATER }).then((r) => (finished.push('second rescore'), r)),
      worker.run({ kind: 'plan', now: DEMO_ASOF, scope: 'all' }).then((r) => (finished.push('plan'), r)),
    ] as const;
    const [report, , plan] = await Promise.all(jobs);
    expect(finished).toEqual(['first rescore', 'second rescore', 'plan']);
    expect(report.customers).toBe(300);
    expect(report.asOf).toEqual(DEMO_ASOF);
    expect(plan.window.from).toBeInstanceOf(Date);
    expect(plan.nudges).toBeGreaterThan(0);
    // The bot's own connection sees what the worker wrote: the second rescoring's rows.
    expect(await scoredAt(db)).toEqual([LATER.getTime()]);
    expect(await countOf(db, 'Nudge')).toBe(plan.nudges);
    expect(await worker.run({ kind: 'refresh-check-ins' })).toEqual({ customers: 300 });
    expect(logger.errors).toEqual([]);
  });

  it('does reject a failed job with the worker\'s stack, and go on with the next job', async () => {
    const missing = path.join(files.dir, 'gone.csv');
    const failed = await worker
      .run({ kind: 'import', file: missing, startedAt: DEMO_ASOF, options: { kind: 'orders', actor: 'test' } })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(BackgroundJobError);
    expect(failed).toMatchObject({ job: 'import', code: 'ENOENT' });
    expect((failed as Error).message).toContain(`import job failed: Error: ENOENT: no such file or directory, stat '${missing}'`);
    // Where it failed, in the worker: the import's own code.
    const stack = (failed as Error).stack!;
    expect(stack.split('\n')[0]).toBe(`BackgroundJobError: ${(failed as Error).message}`);
    expect(stack).toMatch(/\n\s+at importFile \(.*src\/import\/import-run\.ts:\d+:\d+\)\n/);
    expect((await worker.run({ kind: 'rescore', asOf: DEMO_ASOF, computedAt: DEMO_ASOF })).customers).toBe(300);
    expect(logger.errors).toEqual([]);
  });
});

describeEngines('a background worker that crashes', (engine) => {
  let db: TestStoreDatabase;
  let worker: BackgroundWorker;
  let logger: ReturnType<typeof recordingLogger>;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    logger = recordingLogger();
    worker = createBackgroundWorker({ databaseUrl: db.url, logger, entry: CRASHING_THREAD });
  });
  afterEach(async () => {
    await worker.close();
    await db.cleanup();
  });

  it('does report the crash, reject the job it was running, and start a new thread for the next job', async () => {
    expect((await worker.run({ kind: 'rescore', asOf: DEMO_ASOF, computedAt: DEMO_ASOF })).customers).toBe(60);
    const queued = worker.run({ kind: 'plan', now: DEMO_ASOF, scope: 'all' });
    const crashed = await worker.run({ kind: 'refresh-check-ins' }).catch((error: unknown) => error);
    expect(crashed).toBeInstanceOf(BackgroundWorkerCrash);
    expect(crashed).toMatchObject({ exitCode: 70, job: 'refresh-check-ins' });
    expect(logger.errors.map((e) => e.err)).toEqual([crashed]);
    // The job queued before the crash ran, and the next one gets a fresh thread.
    expect((await queued).nudges).toBeGreaterThan(0);
    expect((await worker.run({ kind: 'rescore', asOf: DEMO_ASOF, computedAt: LATER })).customers).toBe(60);
    expect(await scoredAt(db)).toEqual([LATER.getTime()]);
  });

  it('does report an uncaught error in the thread as a crash, with that error', async () => {
    const crashed = await worker
      .run({ kind: 'import', file: 'never-read.csv', startedAt: DEMO_ASOF, options: { kind: 'orders', actor: 'uncaught' } })
      .catch((error: unknown) => error);
    expect(crashed).toBeInstanceOf(BackgroundWorkerCrash);
    expect((crashed as Error).message).toBe('background worker exited with code 1 during a import job: lost in a callback');
    expect(((crashed as Error).cause as Error).stack).toContain('crashing-thread.ts');
    expect((await worker.run({ kind: 'plan', now: DEMO_ASOF, scope: 'callbacks' })).failures).toEqual([]);
    expect(logger.errors).toHaveLength(1);
  });
});

const run = promisify(execFile);

describeEngines('the background worker compiled to JavaScript', (engine) => {
  let db: TestStoreDatabase;
  let out: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    out = tempDir('rapport-compiled-');
  });
  afterEach(async () => {
    await db.cleanup();
    out.cleanup();
  });

  it('does start its thread from the compiled .js files under plain node, without tsx', async () => {
    // Each source file compiled on its own, as `npm run build` lays them out (dist/src/…).
    const sources = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    await build({ entryPoints: sources(path.join(packageRoot, 'src')), outdir: path.join(out.dir, 'src'), format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
    fs.writeFileSync(path.join(out.dir, 'package.json'), '{ "type": "module" }');
    fs.symlinkSync(path.join(packageRoot, 'node_modules'), path.join(out.dir, 'node_modules'));
    fs.symlinkSync(path.join(packageRoot, 'prisma'), path.join(out.dir, 'prisma'));
    const script = `
      import { createBackgroundWorker } from './src/background/background-worker.js';
      const [databaseUrl, asOf] = process.argv.slice(2);
      const worker = createBackgroundWorker({ databaseUrl, logger: console });
      const report = await worker.run({ kind: 'rescore', asOf: new Date(asOf), computedAt: new Date(asOf) });
      await worker.close();
      console.log(JSON.stringify({ customers: report.customers, loader: process.execArgv }));`;
    fs.writeFileSync(path.join(out.dir, 'run-job.js'), script);
    const { stdout } = await run(process.execPath, ['run-job.js', db.url, DEMO_ASOF.toISOString()], { cwd: out.dir });
    expect(JSON.parse(stdout)).toEqual({ customers: 60, loader: [] });
    expect(fs.existsSync(path.join(out.dir, 'src', 'background', 'background-thread.ts'))).toBe(false);
    expect(await countOf(db, 'ScoreSnapshot')).toBe(60);
  });
});
