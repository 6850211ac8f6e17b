import { z } from 'zod';
import { formatDateTime, formatNumber } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { reply } from '../reply.js';

const LISTED = 20;
const ERROR_WIDTH = 60;

export const rapportOutboxCommand = defineCommand({
  name: 'rapport outbox',
  key: 'scheduler.commands.rapportOutbox',
  requires: 'admin',
  options: [],
  args: z.object({}),
  async run(_, { services, t, locale, timeZone }) {
    const counts = await services.outbox.counts();
    const rows = await services.outbox.attention(LISTED);
    const n = (value: number) => formatNumber(value, locale);
    const summary = t('scheduler.outbox.counts', {
      pending: n(counts.pending), claimed: n(counts.claimed), sent: n(counts.sent), skipped: n(counts.skipped), dead: n(counts.dead),
    });
    if (rows.length === 0) return reply.private({ type: 'text', text: `${t('scheduler.outbox.title')}: ${summary}` }, { type: 'text', text: t('scheduler.outbox.empty'), tone: 'muted' });
    return reply.private(
      { type: 'text', text: `${t('scheduler.outbox.title')}: ${summary}` },
      {
        type: 'table',
        title: t('scheduler.outbox.listTitle'),
        columns: ['id', 'kind', 'due', 'status', 'attempts', 'error'].map((c) => t(`scheduler.outbox.${c}`)),
        rows: rows.map((r) => [
          String(r.id), r.kind, formatDateTime(r.dueAt, locale, timeZone), t(`scheduler.outbox.statuses.${r.status}`), n(r.attempts), (r.lastError ?? '').slice(0, ERROR_WIDTH),
        ]),
      },
    );
  },
});
