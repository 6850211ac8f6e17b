import { TIERS } from '../tier.js';
import type { ScoredBase } from './score-base.js';

/** Predicted against actual purchase days within the holdout, for one group of customers. */
export interface ForecastGroup {
  group: string;
  customers: number;
  /** Sum of expected purchase days; null when the purchase model was not usable. */
  predicted: number | null;
  actual: number;
}

/** One decile of churn risk: the mean risk shown against the share that really made no purchase. */
export interface CalibrationBin {
  decile: number;
  customers: number;
  meanRisk: number;
  observedNoPurchase: number;
}

/** How well a risk predicted "no purchase within the holdout": Brier score and log loss (natural log), lower is better. */
export interface RiskAccuracy {
  customers: number;
  brier: number;
  logLoss: number;
}

export interface RiskComparison {
  /** The churn risk Rapport shows. */
  shipped: RiskAccuracy;
  /** The purchase model's own P(no purchase within the holdout). */
  model: RiskAccuracy | null;
  /** 1 − P(alive), the plain model reading of churn. */
  deadRisk: RiskAccuracy | null;
  /** The rhythm rule alone. */
  rhythm: RiskAccuracy;
}

export interface ValidationFigures {
  holdoutDays: number;
  /** Customers with a purchase before the holdout (the ones predicted). */
  customers: number;
  total: ForecastGroup;
  oneTimeBuyers: ForecastGroup;
  /** By repeat purchase days before the holdout: 0, 1, …, 6, 7+ (the lifetimes-style calibration table). */
  byFrequency: ForecastGroup[];
  byTier: ForecastGroup[];
  /** Deciles of the shipped churn risk. */
  calibration: CalibrationBin[];
  /** On every predicted customer, and on the repeat buyers only. */
  risks: { all: RiskComparison; repeatBuyers: RiskComparison };
}

const FREQUENCY_GROUPS = ['0', '1', '2', '3', '4', '5', '6', '7+'];
const CLAMP = 1e-6;

class Accuracy {
  customers = 0;
  squared = 0;
  logLoss = 0;
  add(p: number, noPurchase: boolean): void {
    const y = noPurchase ? 1 : 0;
    const q = Math.min(Math.max(p, CLAMP), 1 - CLAMP);
    this.customers++;
    this.squared += (p - y) ** 2;
    this.logLoss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
  }
  result(): RiskAccuracy | null {
    return this.customers === 0 ? null : { customers: this.customers, brier: this.squared / this.customers, logLoss: this.logLoss / this.customers };
  }
}

class Forecast {
  customers = 0;
  predicted = 0;
  actual = 0;
  unpredicted = false;
  constructor(readonly group: string) {}
  add(predicted: number | null, actual: number): void {
    this.customers++;
    this.actual += actual;
    if (predicted === null) this.unpredicted = true;
    else this.predicted += predicted;
  }
  result(): ForecastGroup {
    return { group: this.group, customers: this.customers, predicted: this.unpredicted ? null : this.predicted, actual: this.actual };
  }
}

/**
 * Compares what `scored` (a base scored as of the day the holdout starts, with churn risk for a
 * horizon of the holdout's length) predicted with what happened: `laterPurchaseDays[i]` purchase
 * days of customer i within the holdout. Customers who had not bought before the holdout are
 * not predicted and not counted, as in Fader, Hardie & Lee's calibration/holdout split.
 */
export function validationFigures(scored: ScoredBase, laterPurchaseDays: Int32Array): ValidationFigures {
  const total = new Forecast('all');
  const byFrequency = FREQUENCY_GROUPS.map((group) => new Forecast(group));
  const byTier = TIERS.map((tier) => new Forecast(tier));
  const comparisons = [0, 1].map(() => ({ shipped: new Accuracy(), model: new Accuracy(), deadRisk: new Accuracy(), rhythm: new Accuracy() }));
  const risks: { risk: number; noPurchase: boolean }[] = [];
  for (let i = 0; i < scored.count; i++) {
    const parts = scored.components(i);
    if (parts.repeatPurchases < 0) continue;
    const score = scored.score(i);
    const actual = laterPurchaseDays[i]!;
    const noPurchase = actual === 0;
    const expected = score.lifecycle === 'lost' ? 0 : scored.expectedPurchases(i);
    total.add(expected, actual);
    byFrequency[Math.min(parts.repeatPurchases, FREQUENCY_GROUPS.length - 1)]!.add(expected, actual);
    byTier[TIERS.indexOf(score.tier)]!.add(expected, actual);
    for (const [k, comparison] of comparisons.entries()) {
      if (k === 1 && parts.repeatPurchases === 0) continue;
      comparison.shipped.add(score.churnRisk!, noPurchase);
      if (parts.modelRisk !== null) comparison.model.add(parts.modelRisk, noPurchase);
      if (parts.deadRisk !== null) comparison.deadRisk.add(parts.deadRisk, noPurchase);
      comparison.rhythm.add(parts.rhythmRisk!, noPurchase);
    }
    risks.push({ risk: score.churnRisk!, noPurchase });
  }
  const [all, repeatBuyers] = comparisons.map((c) => ({
    shipped: c.shipped.result() ?? { customers: 0, brier: 0, logLoss: 0 },
    model: c.model.result(),
    deadRisk: c.deadRisk.result(),
    rhythm: c.rhythm.result() ?? { customers: 0, brier: 0, logLoss: 0 },
  })) as [RiskComparison, RiskComparison];
  return {
    holdoutDays: scored.horizonDays,
    customers: total.customers,
    total: total.result(),
    oneTimeBuyers: { ...byFrequency[0]!.result(), group: 'one-time' },
    byFrequency: byFrequency.map((f) => f.result()),
    byTier: byTier.map((f) => f.result()),
    calibration: deciles(risks),
    risks: { all, repeatBuyers },
  };
}

/** Customers sorted by risk, cut into ten groups of (nearly) equal size; empty groups are left out. */
function deciles(risks: { risk: number; noPurchase: boolean }[]): CalibrationBin[] {
  const sorted = [...risks].sort((p, q) => p.risk - q.risk);
  const bins: CalibrationBin[] = [];
  for (let decile = 0; decile < 10; decile++) {
    const slice = sorted.slice(Math.floor((decile * sorted.length) / 10), Math.floor(((decile + 1) * sorted.length) / 10));
    if (slice.length === 0) continue;
    bins.push({
      decile: decile + 1,
      customers: slice.length,
      meanRisk: slice.reduce((s, r) => s + r.risk, 0) / slice.length,
      observedNoPurchase: slice.filter((r) => r.noPurchase).length / slice.length,
    });
  }
  return bins;
}
