import { z } from 'zod';
import { defineCommand, type CommandContext } from '../command.js';
import { reply, type Reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';
import { renderCard } from './customer-card.js';

export const customerLookupArgs = z.object({
  text: z.string().trim().min(1, 'customer.lookup.emptyQuery'),
});

export const customerLookupCommand = defineCommand({
  name: 'customer lookup',
  key: 'customerLookup',
  requires: 'rep',
  args: customerLookupArgs.transform(({ text }) => ({ query: text })),
  async run({ query }, ctx) {
    const found = await resolveCustomer(query, ctx, (externalId) => `/customer lookup ${externalId}`);
    if (!found.ok) {
      await ctx.audit('customer.lookup', '', query);
      return found.reply;
    }
    return showCard(found.value.id, query, ctx);
  },
});

/** The card of a customer already known to be in the actor's book; the lookup is audited. */
export async function showCard(customerId: number, query: string, ctx: CommandContext): Promise<Reply> {
  const card = await ctx.services.customers.card(customerId);
  await ctx.audit('customer.lookup', `customer:${customerId}`, query);
  return card ? renderCard(card, ctx) : reply.error(ctx.t('customer.find.notFound', { query }));
}
