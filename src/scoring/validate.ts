import type { StoreDatabase } from '../db/store-database.js';
import { DROPOUT_MODELS, type DropoutModel } from '../domain/analytics/bgnbd.js';
import { dayOf, DAY_MS, type CustomerHistories } from '../domain/analytics/history.js';
import { scoreBase, type ModelSelection, type ChurnCalibration } from '../domain/analytics/score-base.js';
import type { PurchaseModelFit } from '../domain/analytics/base-models.js';
import { validationFigures, type ValidationFigures } from '../domain/analytics/validation.js';
import { heldOutViews, readBase } from './recompute.js';

/** What `scores --validate` and `/rapport model` report. */
export interface ValidationReport {
  /** The last day of the holdout (the as-of day). */
  asOf: Date;
  /** The models see orders up to and including this day; the holdout is the `holdoutDays` days after it. */
  fittedThrough: Date;
  holdoutDays: number;
  /** How the shipped scoring chose its purchase model, and how its churn risk was calibrated, as of the holdout start. */
  selection: ModelSelection;
  calibration: ChurnCalibration;
  /** The purchase model fitted on the data before the holdout. */
  fit: PurchaseModelFit;
  /** The shipped scoring's predictions against the holdout. */
  figures: ValidationFigures;
  /** Each purchase model on its own (churn risk calibrated the same way), for the record of which predicts this base best. */
  models: { model: DropoutModel; fit: PurchaseModelFit; figures: ValidationFigures }[];
  elapsedMs: number;
}

export interface ValidationOptions {
  /** The last day of the holdout; orders after it are ignored. */
  asOf: Date;
  holdoutDays: number;
  /** The model the shipped scoring uses: `auto` (default) as every scoring run does, or one named. */
  model?: DropoutModel | 'auto';
}

/**
 * Scores the base as it stood when the holdout began, exactly as a scoring run that day would
 * have (model chosen and churn risk calibrated one more holdout back), with churn risk for a
 * horizon of the holdout's length, then compares the predictions with what happened in the
 * holdout. Writes nothing.
 */
export async function validateScores(db: StoreDatabase, options: ValidationOptions): Promise<ValidationReport> {
  const started = performance.now();
  const endDay = dayOf(options.asOf.getTime());
  const startDay = endDay - options.holdoutDays;
  // A scoring run's views as of the holdout's start, and the end of the holdout as that day's outcome.
  const views = [...heldOutViews(startDay, options.holdoutDays), { day: endDay }];
  views[2] = { ...views[2]!, outcomeView: 3 };
  const base = await readBase(db, views);
  const [earlier, halfwayBack, atStart] = base.histories as [CustomerHistories, CustomerHistories, CustomerHistories, CustomerHistories];
  const run = (model: DropoutModel | 'auto') => {
    const scored = scoreBase({ ...base.input, histories: atStart, calibration: earlier, halfwayBack, model, horizonDays: options.holdoutDays });
    return { scored, figures: validationFigures(scored, atStart.laterPurchaseDays!) };
  };
  const shipped = run(options.model ?? 'auto');
  const models = DROPOUT_MODELS.map((model) => {
    const each = model === shipped.scored.selection.chosen ? shipped : run(model);
    return { model, fit: each.scored.models.purchases, figures: each.figures };
  });
  return {
    asOf: new Date(endDay * DAY_MS),
    fittedThrough: new Date(startDay * DAY_MS),
    holdoutDays: options.holdoutDays,
    selection: shipped.scored.selection,
    calibration: shipped.scored.calibration,
    fit: shipped.scored.models.purchases,
    figures: shipped.figures,
    models,
    elapsedMs: performance.now() - started,
  };
}
