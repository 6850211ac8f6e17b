import { bookScope } from '../../domain/actor.js';
import { formatNumber } from '../../i18n/index.js';
import type { CommandContext } from '../command.js';
import { SEARCH_COUNT_CAP, type CustomerSummary } from '../ports.js';
import { reply, type Reply } from '../reply.js';

const MAX_LISTED = 10;

/** Either the one customer an argument names within the actor's book, or the reply that says why not. */
export type Resolved<T> = { ok: true; value: T } | { ok: false; reply: Reply };

/**
 * The one way every command turns a customer argument (name, email, phone or external id)
 * into a customer: searched only within the actor's book, so a customer of another rep reads
 * exactly like one that does not exist. Several matches give a numbered list; `retry` turns an
 * external id into the command line to type again.
 */
export async function resolveCustomer(
  query: string,
  ctx: CommandContext,
  retry: (externalId: string) => string,
): Promise<Resolved<CustomerSummary>> {
  const found = await ctx.services.customers.search(query, bookScope(ctx.actor), MAX_LISTED);
  if (found.matches.length === 1) return { ok: true, value: found.matches[0]! };
  if (found.matches.length === 0) return { ok: false, reply: await notInBook(query, ctx) };
  return { ok: false, reply: disambiguation(query, found.matches, found.total, ctx, retry) };
}

/** A customer by internal id (from a button), within the actor's book. */
export async function resolveCustomerById(customerId: number, ctx: CommandContext): Promise<Resolved<CustomerSummary>> {
  const customer = await ctx.services.customers.summary(customerId, bookScope(ctx.actor));
  return customer ? { ok: true, value: customer } : { ok: false, reply: reply.error(ctx.t('customer.find.notFound', { query: `#${customerId}` })) };
}

async function notInBook(query: string, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const close = await ctx.services.customers.suggest(query, bookScope(ctx.actor), 3);
  const hint = close.length > 0 ? t('customer.find.didYouMean', { names: close.join(', ') }) : t('customer.find.noSuggestion');
  return reply.text(`${t('customer.find.notFound', { query })} ${hint}`);
}

function disambiguation(
  query: string,
  matches: CustomerSummary[],
  total: number,
  ctx: CommandContext,
  retry: (externalId: string) => string,
): Reply {
  const { t, locale } = ctx;
  const footer = [t('customer.find.manyFooter', { example: retry(matches[0]!.externalId) })];
  if (total > matches.length) footer.push(t('customer.find.manyMore', { shown: matches.length }));
  const count = total > SEARCH_COUNT_CAP ? `${formatNumber(SEARCH_COUNT_CAP, locale)}+` : formatNumber(total, locale);
  return reply.private({
    type: 'list',
    title: t('customer.find.manyTitle', { count, query }),
    numbered: true,
    items: matches.map((m) => ({
      primary: `${m.name} (${m.externalId})`,
      secondary: [m.ownerName, m.email, m.phone].filter(Boolean).join(' · ') || undefined,
    })),
    footer: footer.join(' '),
  });
}
