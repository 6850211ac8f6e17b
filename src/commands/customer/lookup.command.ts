import { z } from 'zod';
import { bookScope } from '../../domain/actor.js';
import { daysBetween } from '../../domain/calendar.js';
import { formatDate, formatMoney, formatNumber } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { CustomerCard, CustomerSummary } from '../ports.js';
import { reply, type Field, type Reply } from '../reply.js';

const MAX_LISTED = 10;

export const customerLookupArgs = z.object({
  text: z.string().trim().min(1, 'customer.lookup.emptyQuery'),
});

export const customerLookupCommand = defineCommand({
  name: 'customer lookup',
  key: 'customerLookup',
  requires: 'rep',
  args: customerLookupArgs.transform(({ text }) => ({ query: text })),
  async run({ query }, ctx) {
    const scope = bookScope(ctx.actor);
    const found = await ctx.services.customers.search(query, scope, MAX_LISTED);
    if (found.matches.length === 0) return noMatch(query, ctx);
    if (found.matches.length === 1) {
      const card = await ctx.services.customers.card(found.matches[0]!.id);
      if (card) return renderCard(card, ctx);
    }
    return renderMatches(query, found.matches, found.total, ctx);
  },
});

async function noMatch(query: string, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const close = await ctx.services.customers.suggest(query, bookScope(ctx.actor), 3);
  const hint = close.length > 0 ? t('customer.lookup.didYouMean', { names: close.join(', ') }) : t('customer.lookup.noSuggestion');
  return reply.text(`${t('customer.lookup.noMatch', { query })} ${hint}`);
}

function renderMatches(query: string, matches: CustomerSummary[], total: number, ctx: CommandContext): Reply {
  const { t } = ctx;
  const footer = [t('customer.lookup.manyFooter', { example: matches[0]!.externalId })];
  if (total > matches.length) footer.push(t('customer.lookup.manyMore', { shown: matches.length }));
  return reply.private({
    type: 'list',
    title: t('customer.lookup.manyTitle', { count: total, query }),
    numbered: true,
    items: matches.map((m) => ({
      primary: `${m.name} (${m.externalId})`,
      secondary: [m.ownerName, m.email, m.phone].filter(Boolean).join(' · ') || undefined,
    })),
    footer: footer.join(' '),
  });
}

function renderCard(card: CustomerCard, ctx: CommandContext): Reply {
  const { t, locale, timeZone, currency } = ctx;
  const now = ctx.clock.now();
  const lastPurchase = card.lastOrderAt
    ? `${formatDate(card.lastOrderAt, locale, timeZone)} (${t('customer.card.daysAgo', { count: daysBetween(card.lastOrderAt, now) })})`
    : t('customer.card.never');
  const fields: Field[] = [
    { label: t('customer.card.externalId'), value: card.externalId },
    { label: t('customer.card.tier'), value: card.score ? t(`tier.${card.score.tier}`) : t('customer.card.notScored') },
    { label: t('customer.card.owner'), value: card.ownerName ?? t('customer.card.unowned') },
    { label: t('customer.card.lifetimeSpend'), value: formatMoney(card.lifetimeMinor, locale, currency) },
    { label: t('customer.card.orderCount'), value: formatNumber(card.orderCount, locale) },
    { label: t('customer.card.lastPurchase'), value: lastPurchase },
  ];
  if (card.email) fields.push({ label: t('customer.card.email'), value: card.email });
  if (card.phone) fields.push({ label: t('customer.card.phone'), value: card.phone });
  return reply.private({ type: 'card', title: card.name, subtitle: card.region ?? undefined, fields });
}
