import { z } from 'zod';
import { defineCommand } from '../command.js';
import { customerRef } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';

/**
 * 推荐: `/customer referred <who> by <who>` records that one customer of the asker's book was
 * referred by another (both cards show it). A rating of 5 puts this prompt on the owner's agenda.
 */
export const customerReferredCommand = defineCommand({
  name: 'customer referred',
  key: 'customerReferred',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true, typed: 'rest' },
    { name: 'by', type: 'customer', required: true, typed: 'keyword' },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), by: customerRef('customer.referred.missingBy') }),
  async run({ who, by }, ctx) {
    const { t } = ctx;
    const referrer = await resolveCustomer(by, ctx, { command: 'customer referred', option: 'by' });
    if (!referrer.ok) return referrer.reply;
    const found = await resolveCustomer(who, ctx, { command: 'customer referred', options: { by: referrer.value.id } });
    if (!found.ok) return found.reply;
    if (found.value.id === referrer.value.id) return reply.error(t('customer.referred.self'));
    // Two customers cannot each have brought the other.
    const referrerCard = await ctx.services.customers.card(referrer.value.id, ctx.clock.now());
    if (referrerCard?.referredBy?.id === found.value.id) {
      return reply.error(t('customer.referred.circular', { customer: found.value.name, by: referrer.value.name }));
    }
    await ctx.services.care.setReferral(found.value.id, referrer.value.id);
    await ctx.audit('customer.referred', `customer:${found.value.id}`, `by customer:${referrer.value.id}`);
    return reply.text(t('customer.referred.saved', { customer: found.value.name, by: referrer.value.name }), 'success');
  },
});
