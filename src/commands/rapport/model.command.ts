import { z } from 'zod';
import { formatDate, formatNumber } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import type { RiskAccuracy } from '../ports.js';
import { reply } from '../reply.js';

const MODEL_NAMES = { mbgnbd: 'MBG/NBD', bgnbd: 'BG/NBD' } as const;

export const rapportModelCommand = defineCommand({
  name: 'rapport model',
  key: 'rapportModel',
  requires: 'admin',
  options: [],
  args: z.object({}),
  async run(_, { services, t, locale, timeZone, clock }) {
    const check = await services.models.check(clock.now(), locale);
    const f = check.figures;
    const n = (value: number | null, digits = 0) => (value === null ? t('common.none') : formatNumber(value, locale, digits));
    const scores = (a: RiskAccuracy | null) => (a === null || a.customers === 0 ? t('common.none') : `${a.brier.toFixed(3)} / ${a.logLoss.toFixed(3)}`);
    const m = (key: string, values?: Record<string, unknown>) => t(`analytics.model.${key}`, values);
    return reply.private(
      { type: 'text', text: m('title', { days: check.holdoutDays }) },
      { type: 'text', text: m('fitted', { date: formatDate(check.fittedThrough, locale, timeZone), customers: n(f.customers) }) },
      { type: 'text', text: m('purchaseModel', { model: MODEL_NAMES[check.model], status: m(`status.${check.status}`), by: m(`by.${check.selectedBy}`) }) },
      {
        type: 'table',
        title: m('forecastTitle'),
        columns: [m('group'), m('customers'), m('predicted'), m('actual')],
        rows: [
          { label: m('all'), g: f.total },
          { label: m('oneTime'), g: f.oneTimeBuyers },
          ...f.byTier.map((g) => ({ label: m('tier', { tier: g.group }), g })),
        ].map(({ label, g }) => [label, n(g.customers), n(g.predicted, 1), n(g.actual)]),
      },
      {
        type: 'table',
        title: m('scoresTitle', { days: check.holdoutDays }),
        columns: [m('risk'), m('allCustomers'), m('repeatBuyers')],
        rows: (['shipped', 'model', 'deadRisk', 'rhythm'] as const).map((key) => [
          m(key === 'model' ? 'modelRisk' : key), scores(f.risks.all[key]), scores(f.risks.repeatBuyers[key]),
        ]),
      },
      { type: 'image', png: check.chart, alt: m('chartAlt'), fileName: 'rapport-model-calibration.png' },
    );
  },
});
