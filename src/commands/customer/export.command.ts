import { z } from 'zod';
import { csvLine } from '../../csv/csv-cell.js';
import { isoDate, localDateOf } from '../../domain/schedule/local-time.js';
import { formatNumber } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { ExportRow } from '../ports.js';
import { reply } from '../reply.js';
import { oneOwnerFilter, segmentArgs, segmentOf, SEGMENT_OPTIONS } from './segment-options.js';

/**
 * An export holds at most this many customers: a file every platform accepts (Discord's
 * attachment limit is 25 MB; a row is ~200 bytes) and built in well under a second.
 */
export const MAX_EXPORT_ROWS = 50_000;

const COLUMNS = [
  'external_id', 'name', 'email', 'phone', 'region', 'tags', 'birthday', 'owner', 'tier', 'value_band', 'low_profit', 'long_tail',
  'lifecycle', 'churn_risk', 'clv_12m', 'at_stake', 'last_purchase', 'cross_sell',
] as const;

/**
 * A segment as a CSV file (UTF-8 with a byte-order mark for Excel, every cell escaped against
 * formula injection by the shared writer), private to the asker. Only the asker's book is ever
 * read (the segment is searched within `bookScope`), so every row is a customer whose contact
 * data the asker may see. Audited with the filters and the row count.
 */
export const customerExportCommand = defineCommand({
  name: 'customer export',
  key: 'customerExport',
  requires: 'rep',
  options: SEGMENT_OPTIONS,
  args: z.object(segmentArgs).refine(oneOwnerFilter, 'customer.list.scopeAndRep'),
  async run(args, ctx) {
    const { t, locale } = ctx;
    const segment = await segmentOf(args, ctx);
    if (!segment.ok) return segment.reply;
    const { scope, filter, options } = segment.value;
    const { rows, more } = await ctx.services.customers.exportRows(filter, scope, MAX_EXPORT_ROWS);
    await ctx.audit('customer.export', '', JSON.stringify({ filters: options, rows: rows.length, more }));
    if (rows.length === 0) return reply.text(t('customer.list.empty'));
    const now = ctx.clock.now();
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ctx.timeZone }).format(now).replace(':', '');
    const stamp = `${isoDate(localDateOf(now, ctx.timeZone))}-${time}`;
    const summary = t('customer.export.done', { count: rows.length, rows: formatNumber(rows.length, locale) });
    const cut = more ? ` ${t('customer.export.cut', { rows: formatNumber(rows.length, locale) })}` : '';
    return reply.private(
      { type: 'text', text: `${summary}${cut}`, tone: 'success' },
      { type: 'file', fileName: `customers-${stamp}.csv`, contentType: 'text/csv; charset=utf-8', bytes: new TextEncoder().encode(csvOf(rows, ctx)) },
    );
  },
});

/** Money as major units (1234.50) of the configured currency; dates as the asker's calendar days. */
function csvOf(rows: ExportRow[], ctx: CommandContext): string {
  const major = (minor: number | null) => (minor === null ? null : (minor / 100).toFixed(2));
  const lines = [`\ufeff${csvLine(COLUMNS)}`];
  for (const row of rows) {
    lines.push(
      csvLine([
        row.externalId, row.name, row.email, row.phone, row.region, row.tags.split(',').filter(Boolean).join(', '), row.birthday, row.ownerName,
        row.tier, row.valueBand, row.lowMargin ? 'yes' : 'no', row.longTail, row.lifecycle, row.churnRisk === null ? null : row.churnRisk.toFixed(3),
        major(row.clv12Minor), major(row.atStakeMinor), row.lastOrderAt === null ? null : isoDate(localDateOf(row.lastOrderAt, ctx.timeZone)), row.crossSell,
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
