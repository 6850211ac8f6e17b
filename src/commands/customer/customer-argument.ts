import { bookScope } from '../../domain/actor.js';
import { formatNumber } from '../../i18n/index.js';
import type { CommandContext } from '../command.js';
import type { CustomerRef } from '../option-schemas.js';
import { payloadFits, type OptionValues } from '../options.js';
import { SEARCH_COUNT_CAP, type CustomerSummary } from '../ports.js';
import { reply, type Reply } from '../reply.js';

const MAX_LISTED = 10;

/** Either the one customer an argument names within the actor's book, or the reply that says why not. */
export type Resolved<T> = { ok: true; value: T } | { ok: false; reply: Reply };

/** How to run the command again for one of several matches. */
export interface Retry {
  command: string;
  /**
   * The command's other options as typed. Each goes into the buttons as long as the payload
   * still fits (a long note does not: that button asks for it again in a form); the typed
   * line always shows them all.
   */
  options?: OptionValues;
  /** The customer option's name (default `who`). */
  option?: string;
}

export const customerRefText = (ref: CustomerRef) => ('query' in ref ? ref.query : `#${ref.id}`);

/**
 * The one way every command turns a customer argument (name, email, phone, external id, or
 * an internal id from a button) into a customer: searched only within the actor's book, so a
 * customer of another rep reads exactly like one that does not exist. Several matches give a
 * numbered list whose items each carry a button that runs the command again for that one.
 */
export async function resolveCustomer(ref: CustomerRef, ctx: CommandContext, retry: string | Retry): Promise<Resolved<CustomerSummary>> {
  if ('id' in ref) {
    const customer = await ctx.services.customers.summary(ref.id, bookScope(ctx.actor));
    return customer ? { ok: true, value: customer } : { ok: false, reply: reply.error(ctx.t('customer.find.notFound', { query: `#${ref.id}` })) };
  }
  const found = await ctx.services.customers.search(ref.query, bookScope(ctx.actor), MAX_LISTED);
  if (found.matches.length === 1) return { ok: true, value: found.matches[0]! };
  if (found.matches.length === 0) return { ok: false, reply: await notInBook(ref.query, ctx) };
  return { ok: false, reply: disambiguation(ref.query, found.matches, found.total, ctx, typeof retry === 'string' ? { command: retry } : retry) };
}

async function notInBook(query: string, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const close = await ctx.services.customers.suggest(query, bookScope(ctx.actor), 3);
  const hint = close.length > 0 ? t('customer.find.didYouMean', { names: close.join(', ') }) : t('customer.find.noSuggestion');
  return reply.text(`${t('customer.find.notFound', { query })} ${hint}`);
}

function disambiguation(query: string, matches: CustomerSummary[], total: number, ctx: CommandContext, retry: Retry): Reply {
  const { t, locale } = ctx;
  const option = retry.option ?? 'who';
  const again = (m: CustomerSummary) => {
    let options: OptionValues = { [option]: m.id };
    for (const [name, value] of Object.entries(retry.options ?? {})) {
      if (payloadFits({ command: retry.command, options: { ...options, [name]: value } })) options = { ...options, [name]: value };
    }
    return ctx.button(t('customer.find.pick'), { command: retry.command, options }, { display: { ...retry.options, [option]: m.externalId } });
  };
  const footer = [t('customer.find.manyFooter', { example: again(matches[0]!).typed })];
  if (total > matches.length) footer.push(t('customer.find.manyMore', { shown: matches.length }));
  const count = total > SEARCH_COUNT_CAP ? `${formatNumber(SEARCH_COUNT_CAP, locale)}+` : formatNumber(total, locale);
  return reply.private({
    type: 'list',
    title: t('customer.find.manyTitle', { count, query }),
    numbered: true,
    items: matches.map((m) => ({
      primary: `${m.name} (${m.externalId})`,
      ...optional(m),
      actions: [again(m)],
    })),
    footer: footer.join(' '),
  });
}

function optional(m: CustomerSummary): { secondary?: string } {
  const secondary = [m.ownerName, m.email, m.phone].filter(Boolean).join(' · ');
  return secondary ? { secondary } : {};
}
