import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../../src/scoring/scores-cli.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { runScores } from './scores-helpers.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';

const NOW = new Date('2026-11-23T09:00:00Z');

describeEngines('scores CLI', (engine) => {
  let db: TestStoreDatabase;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    dir = tempDir();
    await seedDemoData(db, { customers: 80, seed: 42, asOf: NOW });
  });
  afterEach(async () => {
    await db.cleanup();
    dir.cleanup();
  });

  const run = (argv: string[]) => runScores(db, argv, NOW);

    it.each([
      [['--as-of', '2026-13-01'], /--as-of must be a date/],
      [['--as-of', 'yesterday'], /--as-of must be a date/],
      [['--bogus'], /Unknown option/],
      [['--export'], /argument missing|--export/],
      [['--validate', '--holdout', '99999d'], /^--holdout must be from 7d to 3650d$/],
      [['--validate', '--holdout', 'soon'], /^--holdout must be a number of days like 90d$/],
    ])('does exit 2 with one clear line when the arguments are %j', async (argv, message) => {
      const { code, text } = await run(argv);
      expect(code).toBe(2);
      expect(text.split('\n')[0]).toMatch(message);
    });

    it('does export one row per customer with the documented columns when given --export', async () => {
      const file = path.join(dir.dir, 'scores.csv');
      const { code, text } = await run(['--export', file]);
      expect(code).toBe(0);
      expect(text).toMatch(/Scored 80 customers .* as of 2026-11-23, week 2026-W48/);
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
      expect(lines).toHaveLength(81);
      const tiers = lines.slice(1).map((line) => line.split(',')[EXPORT_COLUMNS.indexOf('tier')]);
      expect(tiers.every((t) => ['A', 'B', 'C', 'D'].includes(t!))).toBe(true);
    });

    it('does print the fitted models as JSON with their units and write a past day’s scores when given --json and --write', async () => {
      const { code, text } = await run(['--json', '--as-of', '2026-10-01', '--write']);
      expect(code).toBe(0);
      const model = JSON.parse(text) as Record<string, Record<string, unknown>>;
      expect(model).toMatchObject({ asOf: '2026-10-01', timeUnit: 'days', moneyUnit: 'minor', written: true });
      for (const key of ['r', 'alpha', 'a', 'b', 'logLikelihood', 'status', 'model']) expect(model.purchases).toHaveProperty(key);
      expect(model.purchases!.logLikelihood).toEqual({ days: expect.any(Number), weeks: expect.any(Number) });
      for (const key of ['p', 'q', 'gamma', 'logLikelihood', 'status']) expect(model.gammaGamma).toHaveProperty(key);
      // Today's scores were missing, so the past run brought them up to date first.
      const weeks = await db.kysely.selectFrom('ScoreSnapshot').select('week').distinct().orderBy('week').execute();
      expect(weeks.map((w) => w.week)).toEqual(['2026-W40', '2026-W48']);
    });
});
