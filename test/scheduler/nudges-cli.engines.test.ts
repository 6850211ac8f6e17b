import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { refreshCheckInsAfterRescoring } from '../../src/db/stores/check-in-store.js';
import { readTeamSettings } from '../../src/db/stores/planning-store.js';
import { isoWeekOf, localDateOf } from '../../src/domain/schedule/local-time.js';
import { runNudgesCli, type PreviewItem } from '../../src/scheduler/nudges-cli.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, demoDatabase, nonEmpty } from './helpers.js';

type Db = TestStoreDatabase;

async function cli(db: Db, argv: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await runNudgesCli(argv, { db, clock: new ManualClock(DEMO_ASOF), out });
  return { code, text };
}

const counts = async ({ kysely }: Db) => {
  const count = async (table: 'Nudge' | 'Callback' | 'WinbackEpisode' | 'AppState') => (await kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  return { nudges: await count('Nudge'), callbacks: await count('Callback'), episodes: await count('WinbackEpisode'), state: await count('AppState') };
};

/**
 * This week's score of every customer (tier B, every 7th at risk), and the check-ins it moves, as
 * the scoring run writes them: writeSnapshots (helpers.ts) on Kysely, which runs on SQLite only.
 */
async function scoreEveryCustomer(db: StoreDatabase): Promise<void> {
  const customers = await db.kysely.selectFrom('Customer').select('id').orderBy('id').execute();
  const week = isoWeekOf(localDateOf(DEMO_ASOF, 'UTC'));
  const at = DEMO_ASOF.getTime();
  await db.kysely
    .insertInto('ScoreSnapshot')
    .values(customers.map(({ id }) => ({
      customerId: id, week, computedAt: at, asOf: at, frequency: 1, monetaryMinor: 10_000, lifetimeMinor: 10_000, orderCount: 1,
      tier: 'B', valueBand: 'mid', lifecycle: id % 7 === 0 ? 'at_risk' : 'active', clv12Minor: 50_000, churnRisk: 0.5,
    })))
    .execute();
  await refreshCheckInsAfterRescoring(db, 'all', await readTeamSettings(db));
}

describeEngines('nudges preview', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await demoDatabase(120, DEMO_ASOF, engine);
    await scoreEveryCustomer(db);
  });
  afterAll(async () => db.cleanup());

  it('does list a week of nudges as JSON without writing anything', async () => {
    const before = await counts(db);
    const { code, text } = await cli(db, ['--from', '2027-01-04', '--to', '2027-01-10', '--json']);
    expect(code).toBe(0);
    expect(await counts(db)).toEqual(before);
    const items = JSON.parse(text) as PreviewItem[];
    expect(new Set(items.map((i) => i.kind))).toEqual(new Set(['agenda', 'digest', 'birthday', 'cadence', 'callback', 'winback']));
    for (const i of items) {
      expect(i.due).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
      expect(Date.parse(i.due)).toBeGreaterThanOrEqual(Date.parse('2027-01-04T00:00:00Z'));
      expect(Date.parse(i.due)).toBeLessThan(Date.parse('2027-01-11T00:00:00Z'));
    }
    const repsWithBooks = (await db.kysely.selectFrom('Customer').select((eb) => eb.fn.count<number>('ownerId').distinct().as('n')).executeTakeFirstOrThrow()).n;
    expect(items.filter((i) => i.kind === 'agenda')).toHaveLength(repsWithBooks * 5);
    expect(items.filter((i) => i.kind === 'digest').map((i) => [i.target, i.due])).toEqual([
      ['li.na@rapport.demo', '2027-01-04T08:00:00.000+08:00'],
      ['anna.schmidt@rapport.demo', '2027-01-04T08:00:00.000+01:00'],
    ]);
    expect(nonEmpty(items.filter((i) => i.kind === 'cadence')).every((i) => /^C\d{6}$/.test(i.customer!))).toBe(true);
    expect(items.filter((i) => i.kind === 'winback').map((i) => i.customer)).toHaveLength(Math.floor(120 / 7));
  });

  it('does print counts by day and kind, for one team', async () => {
    const { code, text } = await cli(db, ['--from', '2027-01-04', '--to', '2027-01-05', '--team', 'Berlin B2B']);
    expect(code).toBe(0);
    expect(text).toMatch(/^Nudges that would be planned 2027-01-04 … 2027-01-05 for Berlin B2B \(Europe\/Berlin days\): \d+\n/);
    expect(text).toMatch(/\n {2}2027-01-04 {2}.*agenda 2 · digest 1/);
    expect(text).toMatch(/\n {2}2027-01-05 {2}.*agenda 2/);
    expect(text).toMatch(/\n {2}total {7}/);
    const json = JSON.parse((await cli(db, ['--from', '2027-01-04', '--to', '2027-01-05', '--team', 'Berlin B2B', '--json'])).text) as PreviewItem[];
    expect(nonEmpty(json).every((i) => i.due.endsWith('+01:00'))).toBe(true);
  });

  it.each([[['--from', '2027-01-04']], [['--from', '2027-13-01', '--to', '2027-01-02']], [['--from', '2027-01-04', '--to', '2027-01-01']], [['--from', '2027-01-04', '--to', '2027-01-05', '--team', 'Nowhere']], [['--bogus']]])(
    'does exit 2 with the usage on bad arguments %j',
    async (argv) => {
      const { code, text } = await cli(db, argv);
      expect(code).toBe(2);
      expect(text).toContain('Usage: nudges --from YYYY-MM-DD --to YYYY-MM-DD');
    },
  );
});
