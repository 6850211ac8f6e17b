import { z } from 'zod';
import { defineCommand, type CommandContext } from '../command.js';
import { customerRef } from '../option-schemas.js';
import { reply, type Reply } from '../reply.js';
import { customerRefText, resolveCustomer } from './customer-argument.js';
import { renderCard } from './customer-card.js';

export const customerLookupCommand = defineCommand({
  name: 'customer lookup',
  key: 'customerLookup',
  requires: 'rep',
  options: [{ name: 'who', type: 'customer', required: true, typed: 'rest' }],
  args: z.object({ who: customerRef('customer.lookup.emptyQuery') }),
  async run({ who }, ctx) {
    const found = await resolveCustomer(who, ctx, 'customer lookup');
    if (!found.ok) {
      await ctx.audit('customer.lookup', '', customerRefText(who));
      return found.reply;
    }
    return showCard(found.value.id, customerRefText(who), ctx);
  },
});

/** The card of a customer already known to be in the actor's book; the lookup is audited. */
export async function showCard(customerId: number, query: string, ctx: CommandContext, share = false): Promise<Reply> {
  const card = await ctx.services.customers.card(customerId, ctx.clock.now());
  await ctx.audit(share ? 'customer.share' : 'customer.lookup', `customer:${customerId}`, query);
  return card ? renderCard(card, ctx, share ? 'channel' : 'private') : reply.error(ctx.t('customer.find.notFound', { query }));
}

/** Share to channel: the same card without contact data, for the team to see. */
export const customerShareCommand = defineCommand({
  name: 'customer share',
  key: 'customerShare',
  requires: 'rep',
  options: [{ name: 'who', type: 'customer', required: true, typed: 'rest' }],
  args: z.object({ who: customerRef('customer.find.missing') }),
  async run({ who }, ctx) {
    const found = await resolveCustomer(who, ctx, 'customer share');
    if (!found.ok) return found.reply;
    return showCard(found.value.id, customerRefText(who), ctx, true);
  },
});
