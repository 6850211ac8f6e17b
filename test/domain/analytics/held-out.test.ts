import { describe, expect, it } from 'vitest';
import { FIT_SAMPLE_LIMIT, fitBaseModels } from '../../../src/domain/analytics/base-models.js';
import type { DropoutModel } from '../../../src/domain/analytics/bgnbd.js';
import { createHistoryFolder } from '../../../src/domain/analytics/history.js';
import { scoreBase, type ScoredBase } from '../../../src/domain/analytics/score-base.js';
import { DEFAULT_SCORING_SETTINGS } from '../../../src/domain/analytics/settings.js';
import { validationFigures, type ValidationFigures } from '../../../src/domain/analytics/validation.js';
import { simulateOrders } from './simulate-orders.js';

const CUSTOMERS = 10_000;
const HOLDOUT = 90;
const END = 1000;
const CUT = END - HOLDOUT;

/**
 * A base simulated from a known model, scored as of the holdout's start exactly as a scoring run
 * that day would (model chosen and churn risk calibrated on the base one horizon earlier), then
 * compared with what the simulation did in the 90 days after.
 */
function validateSimulated(seed: number, model: DropoutModel): { scored: ScoredBase; figures: ValidationFigures } {
  const { orders } = simulateOrders(seed, CUSTOMERS, { r: 0.8, alpha: 40, a: 0.8, b: 3, model }, { acquisitionDays: 700, endDay: END });
  const window = (day: number) => new Int32Array(CUSTOMERS).fill(day - 364);
  const folder = createHistoryFolder(CUSTOMERS, [
    { asOfDay: CUT - HOLDOUT, windowStartDay: window(CUT - HOLDOUT), outcomeView: 2 },
    { asOfDay: CUT - HOLDOUT / 2, windowStartDay: window(CUT - HOLDOUT / 2), outcomeView: 2 },
    { asOfDay: CUT, windowStartDay: window(CUT), outcomeView: 3 },
    { asOfDay: END, windowStartDay: window(END) },
  ]);
  for (const o of orders) folder.add(o.customer, o.day, o.amountMinor, null, null);
  const [earlier, halfwayBack, atCut] = folder.finish();
  const scored = scoreBase({
    histories: atCut!,
    calibration: earlier!,
    halfwayBack: halfwayBack!,
    status: new Uint8Array(CUSTOMERS),
    statusChangedDay: new Float64Array(CUSTOMERS).fill(Number.NaN),
    group: new Int32Array(CUSTOMERS),
    groupSettings: [DEFAULT_SCORING_SETTINGS],
    model: 'auto',
    horizonDays: HOLDOUT,
  });
  return { scored, figures: validationFigures(scored, atCut!.laterPurchaseDays!) };
}

const within = (predicted: number | null, actual: number, share: number) => Math.abs(predicted! / actual - 1) < share;

describe.each([
  ['BG/NBD', 'bgnbd', 21],
  ['MBG/NBD (customers may leave right after their first purchase)', 'mbgnbd', 22],
] as const)('churn risk and forecasts on a base simulated from %s with a 90-day holdout', (_, model, seed) => {
  const { scored, figures } = validateSimulated(seed, model);

  it('does choose the model the base was drawn from on the held-out data one horizon back', () => {
    expect(scored.selection).toMatchObject({ chosen: model, by: 'held_out', holdoutDays: HOLDOUT });
    expect(scored.calibration.status).toBe('fitted');
  });

  it('does forecast the holdout’s purchase days within 10% in total and within 25% for one-time buyers', () => {
    expect(within(figures.total.predicted, figures.total.actual, 0.1)).toBe(true);
    expect(figures.oneTimeBuyers.customers).toBeGreaterThan(500);
    expect(within(figures.oneTimeBuyers.predicted, figures.oneTimeBuyers.actual, 0.25)).toBe(true);
  });

  it('does give a churn risk whose Brier score on repeat buyers is no worse than 1 − P(alive)’s, and calibrated by decile', () => {
    const { shipped, deadRisk } = figures.risks.repeatBuyers;
    expect(shipped.brier).toBeLessThanOrEqual(deadRisk!.brier);
    expect(shipped.logLoss).toBeLessThanOrEqual(deadRisk!.logLoss);
    for (const bin of figures.calibration) expect(Math.abs(bin.meanRisk - bin.observedNoPurchase)).toBeLessThan(0.08);
  });
});

describe('fitting on every purchaser', () => {
  it('does fit the models on all customers of a base of 20,000 purchasers (a sample only above 100,000)', () => {
    const customers = 20_000;
    const { orders } = simulateOrders(5, customers, { r: 0.8, alpha: 40, a: 0.8, b: 3, model: 'bgnbd' }, { acquisitionDays: 700, endDay: END });
    const folder = createHistoryFolder(customers, [{ asOfDay: END, windowStartDay: new Int32Array(customers).fill(END - 364) }]);
    for (const o of orders) folder.add(o.customer, o.day, o.amountMinor, null, null);
    const models = fitBaseModels(folder.finish()[0]!, 'bgnbd');
    expect(FIT_SAMPLE_LIMIT).toBeGreaterThanOrEqual(100_000);
    expect(models).toMatchObject({ sampled: false, purchases: { status: 'converged', customers: customers } });
  });
});
