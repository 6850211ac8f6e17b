import type { BackgroundJobs } from '../background/background-jobs.js';
import type { ModelReportService } from '../commands/ports.js';
import { CHURN_HORIZON_DAYS } from '../domain/analytics/score-base.js';
import { renderValidationChart } from './validation-chart.js';

/**
 * /rapport model: the same validation as `scores --validate` over the last churn horizon, with
 * the chart in the reader's language. The fitting takes seconds on a large base: it runs in
 * the background worker.
 */
export function createModelReportService(background: BackgroundJobs): ModelReportService {
  return {
    async check(now, locale) {
      const report = await background.run({ kind: 'validate', asOf: now, holdoutDays: CHURN_HORIZON_DAYS });
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
