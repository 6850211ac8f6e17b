import { z } from 'zod';
import { bookScope, type BookScope } from '../../domain/actor.js';
import { formatMoney, formatNumber, formatPercent } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { wholeNumber } from '../option-schemas.js';
import { payloadFits, type Invocation, type OptionValues } from '../options.js';
import { PAGE_OPTION, pageNumber, pagingFor, type PageButton } from '../paging.js';
import type { CustomerListFilter } from '../ports.js';
import { reply, type Reply } from '../reply.js';
import { label } from './customer-card.js';
import { oneOwnerFilter, segmentArgs, segmentOf, SEGMENT_OPTIONS } from './segment-options.js';

const PAGE_SIZE = 10;
const MAX_SAVED_ID = Number.MAX_SAFE_INTEGER;
/** "Worth saving": customers who can still be won back (lost ones are let go). */
const SAVEABLE = ['at_risk', 'lapsed'];


const listFilters = z.object({ ...segmentArgs, page: pageNumber });
const saved = wholeNumber(1, MAX_SAVED_ID, 'customer.list.savedGone').optional();

export const customerListCommand = defineCommand({
  name: 'customer list',
  key: 'customerList',
  requires: 'rep',
  options: [...SEGMENT_OPTIONS, PAGE_OPTION, { name: 'saved', type: 'number', min: 1, max: MAX_SAVED_ID, typed: 'flag' }],
  args: listFilters.extend({ saved }).refine(oneOwnerFilter, 'customer.list.scopeAndRep'),
  async run({ saved, ...args }, ctx) {
    let filters = args;
    if (saved !== undefined) {
      // Page buttons of a filter too long for a payload carry its saved id (the filters stay the asker's own).
      if (Object.entries(args).some(([name, value]) => name !== 'page' && value !== undefined)) return reply.error(ctx.t('customer.list.savedAlone'));
      const stored = await ctx.services.customers.savedQuery(saved, ctx.actor.repId, 'customer list');
      const parsed = stored ? listFilters.refine(oneOwnerFilter).safeParse({ ...stored, page: args.page }) : null;
      if (!parsed?.success) return reply.error(ctx.t('customer.list.savedGone'));
      filters = parsed.data;
    }
    const segment = await segmentOf(filters, ctx);
    if (!segment.ok) return segment.reply;
    const { scope, filter, options } = segment.value;
    return listPage(filter, scope, filters.page, ctx.t('customer.list.title'), { command: 'customer list', options }, ctx);
  },
});

export const customerAtRiskCommand = defineCommand({
  name: 'customer at-risk',
  key: 'customerAtRisk',
  requires: 'rep',
  options: [PAGE_OPTION],
  args: z.object({ page: pageNumber }),
  async run({ page }, ctx) {
    return listPage({ lifecycles: SAVEABLE }, bookScope(ctx.actor), page, ctx.t('customer.list.atRiskTitle'), { command: 'customer at-risk', options: {} }, ctx);
  },
});

async function listPage(filter: CustomerListFilter, scope: BookScope, page: number, title: string, again: Invocation, ctx: CommandContext): Promise<Reply> {
  const { t, locale, currency } = ctx;
  const offset = (page - 1) * PAGE_SIZE;
  const result = await ctx.services.customers.list(filter, scope, { offset, limit: PAGE_SIZE });
  await ctx.audit('customer.list', '', JSON.stringify({ filter, scope, page }));
  if (result.rows.length === 0) {
    // Past the end: only now is it worth counting how far the list goes.
    const { total } = page > 1 ? await ctx.services.customers.count(filter, scope, offset) : { total: 0 };
    return total === 0 ? reply.text(t('customer.list.empty')) : reply.error(t('customer.list.pastEnd', { page, count: Math.ceil(total / PAGE_SIZE) }));
  }
  const turnTo = await pageButtons(again, result.more ? page + 1 : page, ctx);
  // A broad segment is not counted through (a million customers): the page says whether more follow.
  const total = offset + result.rows.length;
  return reply.private({
    type: 'list',
    title,
    numbered: false,
    items: result.rows.map((row) => ({
      primary: `${row.name} (${row.externalId})`,
      secondary: t('customer.list.row', {
        tier: row.tier,
        lifecycle: label(ctx, 'lifecycle', row.lifecycle),
        risk: row.churnRisk === null ? t('common.none') : formatPercent(row.churnRisk, locale),
        stake: formatMoney(row.atStakeMinor, locale, currency),
        owner: row.ownerName ?? t('customer.card.unowned'),
      }),
    })),
    footer: result.more ? t('customer.list.pageMore', { page }) : t('customer.list.page', { page, pages: page, total: formatNumber(total, locale) }),
    paging: pagingFor(page, result.more ? page + 1 : page, turnTo, ctx),
  });
}

/**
 * Previous / Next. The filters go in the buttons when they fit a payload (100 characters);
 * free-text filters (a long tag, region or category) may not, and then the buttons carry the id
 * of the filters saved for the asker, while the typed line still shows them in full.
 */
async function pageButtons(again: Invocation, lastPage: number, ctx: CommandContext): Promise<PageButton> {
  const carries = (options: OptionValues) => payloadFits({ command: again.command, options: { ...options, page: lastPage } });
  if (carries(again.options)) return (to, text) => ctx.button(text, { command: again.command, options: { ...again.options, page: to } });
  const saved = await ctx.services.customers.saveQuery(ctx.actor.repId, again.command, again.options);
  return (to, text) => ctx.button(text, { command: again.command, options: { saved, page: to } }, { asTyped: { ...again.options, page: to } });
}
