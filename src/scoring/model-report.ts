import type { ModelReportService } from '../commands/ports.js';
import type { Database } from '../db/database.js';
import { CHURN_HORIZON_DAYS } from '../domain/analytics/score-base.js';
import { validateScores } from './validate.js';
import { renderValidationChart } from './validation-chart.js';

/** /rapport model: the same validation as `scores --validate` over the last churn horizon, with the chart in the reader's language. */
export function createModelReportService(db: Database): ModelReportService {
  return {
    async check(now, locale) {
      const report = validateScores(db, { asOf: now, holdoutDays: CHURN_HORIZON_DAYS });
      return {
        holdoutDays: report.holdoutDays,
        fittedThrough: report.fittedThrough,
        model: report.fit.model,
        status: report.fit.status,
        selectedBy: report.selection.by,
        figures: report.figures,
        chart: await renderValidationChart(report.figures, locale),
      };
    },
  };
}
