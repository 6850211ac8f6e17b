import { afterAll, beforeAll, expect, it } from 'vitest';
import { runImportCli } from '../../src/import/import-cli.js';
import { readCsv, readSampleTransactions } from '../domain/analytics/cdnow.js';
import { runScores } from './scores-helpers.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { clock, textSink, writeFixture } from '../import/import-helpers.js';

/**
 * The CDNOW sample through the product: imported as an export without order ids (customer, day,
 * amount), then scored and validated by the `scores` CLI. The paper's split: fitted on orders to
 * 1997-09-30, holdout 1997-10-01 … 1998-06-30 (273 days). The same figures on both engines.
 */
const transactions = readSampleTransactions();

describeEngines('CDNOW through import and scores', (engine) => {
  let db: TestStoreDatabase;
  const work = tempDir('rapport-cdnow-');
  let file: string;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
    const lines = transactions.map((t) => `${String(t.id).padStart(4, '0')},${t.date},${t.dollars.toFixed(2)}`);
    file = writeFixture(work.dir, 'cdnow.csv', `customer,ordered_at,amount\n${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await db.cleanup();
    work.cleanup();
  });

  const scores = (argv: string[]) => runScores(db, argv, new Date('2026-12-01T09:00:00Z'));
  // test/import/import-helpers.ts's importCli, on either engine.
  const importCli = async (argv: string[]) => {
    const [out, err] = [textSink(), textSink()];
    const code = await runImportCli(argv, { db, clock, out, err, isTTY: false, actor: 'test' });
    return { code, out: out.text(), err: err.text() };
  };
  const orderCount = async () => Number((await db.kysely.selectFrom('Order').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('does keep all 6,919 rows of the export without order ids, identical ones included, and change nothing on a second import', async () => {
      const first = await importCli(['orders', file, '--create-missing']);
      expect(first.code).toBe(0);
      expect(first.out).toContain('6919 inserted, 0 updated, 0 unchanged, 0 rejected, 2357 stub customers created');
      // The sample has 21 rows that repeat another row exactly: each is reported and kept.
      expect(first.err.match(/kept as another order/g)).toHaveLength(20);
      expect(first.err).toContain('… and 1 more repeated row');
      expect(await orderCount()).toBe(6919);
      const second = await importCli(['orders', file, '--create-missing']);
      expect(second.out).toContain('0 inserted, 0 updated, 6919 unchanged, 0 rejected');
      expect(await orderCount()).toBe(6919);
    });

    it('does reproduce the paper’s BG/NBD estimates with --model bgnbd as of 1997-09-30 (α in days ÷ 7)', async () => {
      const { code, text } = await scores(['--as-of', '1997-09-30', '--model', 'bgnbd', '--json']);
      expect(code).toBe(0);
      const run = JSON.parse(text) as { written: boolean; purchases: Record<string, number> & { logLikelihood: { days: number; weeks: number } } };
      expect(run.written).toBe(false);
      // Fader, Hardie & Lee (2005): r 0.243, α 4.414 (weeks), a 0.793, b 2.426, LL −9582.4 on 2,357 customers. Rapport leaves
      // out the 8 customers whose only purchase was a free CD (no purchase occasion), which moves the estimates in the third digit.
      expect(run.purchases.customers).toBe(2349);
      expect(Math.abs(run.purchases.r! - 0.243)).toBeLessThan(0.005);
      expect(Math.abs(run.purchases.alpha! / 7 - 4.414)).toBeLessThan(0.01);
      expect(Math.abs(run.purchases.a! - 0.793)).toBeLessThan(0.005);
      expect(Math.abs(run.purchases.b! - 2.426)).toBeLessThan(0.005);
      expect(run.purchases.logLikelihood.weeks).toBeCloseTo(-9578.2, 1);
      // Same likelihood in weeks and days: they differ by ln 7 per repeat purchase (Σx of the published summary).
      const repeatPurchases = readCsv('cdnow_customers_summary.csv').reduce((sum, row) => sum + row[1]!, 0);
      expect(run.purchases.logLikelihood.weeks - run.purchases.logLikelihood.days).toBeCloseTo(Math.log(7) * repeatPurchases, 6);
    });

    it('does validate the 1997-09-30 split: the per-frequency table, and the total within 15% of the holdout', async () => {
      const { code, text } = await scores(['--validate', '--as-of', '1998-06-30', '--holdout', '273d']);
      expect(code).toBe(0);
      expect(text).toContain('holdout 1997-10-01 … 1998-06-30 (273 days); 2,349 customers had bought before it');
      for (const group of ['0', '1', '2', '3', '4', '5', '6', '7+']) expect(text).toMatch(new RegExp(`repeat purchases ${group.replace('+', '\\+')} +\\d`));
      const report = JSON.parse((await scores(['--validate', '--as-of', '1998-06-30', '--holdout', '273d', '--json'])).text) as {
        selection: { chosen: string; by: string };
        figures: { total: { predicted: number; actual: number }; oneTimeBuyers: { predicted: number; actual: number }; byFrequency: { group: string; actual: number }[] };
      };
      // 1,882 purchase days in the holdout (distinct customer-days of the sample from 1997-10-01 to 1998-06-30).
      expect(report.figures.total.actual).toBe(1882);
      expect(Math.abs(report.figures.total.predicted / report.figures.total.actual - 1)).toBeLessThan(0.15);
      expect(Math.abs(report.figures.oneTimeBuyers.predicted / report.figures.oneTimeBuyers.actual - 1)).toBeLessThan(0.25);
      expect(report.selection).toMatchObject({ chosen: 'bgnbd', by: 'held_out' });
      expect(report.figures.byFrequency.map((g) => g.group)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    });
});
