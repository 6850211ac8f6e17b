import { z } from 'zod';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { customerRef } from '../option-schemas.js';
import { PAGE_OPTION, pageNumber, pagingFor, type PageButton } from '../paging.js';
import type { HistoryEntry } from '../ports.js';
import { reply, type ListItem } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';

const PAGE_SIZE = 10;
/** A note longer than this shows its beginning in the timeline (the whole note stays stored). */
const NOTE_PREVIEW = 300;

/**
 * 客户档案's record: one timeline of a customer's orders (refunds marked) and logged contacts,
 * newest first, 10 a page, in the asker's language and time zone. Private: notes may be personal.
 */
export const customerHistoryCommand = defineCommand({
  name: 'customer history',
  key: 'customerHistory',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true, typed: 'rest' },
    PAGE_OPTION,
  ],
  args: z.object({
    who: customerRef('customer.find.missing'),
    page: pageNumber,
  }),
  async run({ who, page }, ctx) {
    const { t, locale } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'customer history', options: page > 1 ? { page } : {} });
    if (!found.ok) return found.reply;
    const customer = found.value;
    const { entries, total } = await ctx.services.customers.history(customer.id, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
    await ctx.audit('customer.history', `customer:${customer.id}`, `page ${page}`);
    if (total === 0) return reply.text(t('customer.history.empty', { customer: customer.name }));
    const pages = Math.ceil(total / PAGE_SIZE);
    if (entries.length === 0) return reply.error(t('customer.list.pastEnd', { page, count: pages }));
    const turnTo: PageButton = (to, label) =>
      ctx.button(label, { command: 'customer history', options: { who: customer.id, page: to } }, { display: { who: customer.externalId } });
    return reply.private({
      type: 'list',
      title: t('customer.history.title', { customer: customer.name, externalId: customer.externalId }),
      numbered: false,
      items: entries.map((entry) => historyItem(entry, ctx)),
      footer: t('customer.history.page', { page, pages, total: formatNumber(total, locale) }),
      paging: pagingFor(page, pages, turnTo, ctx),
    });
  },
});

function historyItem(entry: HistoryEntry, ctx: CommandContext): ListItem {
  const { t, locale, timeZone, currency } = ctx;
  if (entry.type === 'order') {
    const what = entry.product ?? entry.category ?? t('customer.card.item');
    const parts = [entry.product && entry.category ? `${entry.category} · ` : '', formatMoney(entry.amountMinor, locale, currency)];
    const marks: string[] = [];
    if (entry.amountMinor < 0) marks.push(entry.refundOf ? t('customer.history.refundOf', { order: entry.refundOf }) : t('customer.history.refund'));
    if (entry.refunded) marks.push(t('customer.card.refunded'));
    if (entry.externalId) marks.push(t('customer.history.orderId', { order: entry.externalId }));
    return { primary: `${formatDate(entry.at, locale, timeZone)} · ${t('customer.history.order')}: ${what}`, secondary: [parts.join(''), ...marks].join(' · ') };
  }
  const kind = t(`interaction.${entry.kind}`, { defaultValue: entry.kind });
  const text = entry.text.length > NOTE_PREVIEW ? `${entry.text.slice(0, NOTE_PREVIEW)}…` : entry.text;
  const parts = [
    entry.repName ?? t('customer.history.noRep'),
    ...(entry.satisfaction !== null ? [t('customer.history.satisfaction', { score: entry.satisfaction })] : []),
    ...(text ? [text] : []),
  ];
  return { primary: `${formatDateTime(entry.at, locale, timeZone)} · ${kind}`, secondary: parts.join(' · ') };
}
