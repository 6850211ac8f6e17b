import { z } from 'zod';
import { isBuiltInHoliday, MAX_HOLIDAY_NAME } from '../../domain/schedule/holidays.js';
import { defineCommand } from '../command.js';
import { customerRef } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';

/**
 * 节假日关怀: the agenda's "Log greeting" button. A greeting is a contact like any other: it
 * counts as a touch, so the customer's next check-in moves.
 */
export const customerGreetedCommand = defineCommand({
  name: 'customer greeted',
  key: 'customerGreeted',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true, typed: 'rest' },
    { name: 'occasion', type: 'text', typed: 'flag', maxLength: MAX_HOLIDAY_NAME },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), occasion: z.string().trim().min(1).max(MAX_HOLIDAY_NAME, 'customer.greeted.badOccasion').optional() }),
  async run({ who, occasion }, ctx) {
    const { t } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'customer greeted', options: occasion ? { occasion } : {} });
    if (!found.ok) return found.reply;
    const name = occasion === undefined ? null : isBuiltInHoliday(occasion) ? t(`scheduler.holiday.names.${occasion}`) : occasion;
    const text = name === null ? t('customer.greeted.text') : t('customer.greeted.textFor', { occasion: name });
    const interaction = await ctx.services.customers.addInteraction({ customerId: found.value.id, repId: ctx.actor.repId, kind: 'greeting', at: ctx.clock.now(), text, satisfaction: null });
    await ctx.audit('customer.greeted', `customer:${found.value.id}`, `interaction:${interaction.id}`);
    return reply.text(t('customer.greeted.saved', { customer: found.value.name }), 'success');
  },
});
