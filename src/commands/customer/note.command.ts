import { z } from 'zod';
import { LOW_RATING } from '../../domain/schedule/care.js';
import { logComplaint } from '../complaint/complaint.command.js';
import { defineCommand } from '../command.js';
import { customerRef, flag, MAX_NOTE_LENGTH, text, wholeNumber } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';
import { formatWhen } from './customer-card.js';

export const customerNoteCommand = defineCommand({
  name: 'customer note',
  key: 'customerNote',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true },
    { name: 'text', type: 'text', required: true, typed: 'rest', multiline: true, maxLength: MAX_NOTE_LENGTH },
    { name: 'complaint', type: 'boolean' },
    { name: 'satisfaction', type: 'number', min: 1, max: 5, typed: 'flag' },
  ],
  args: z.object({
    who: customerRef('customer.find.missing'),
    text: text('customer.note.missingText'),
    complaint: flag,
    satisfaction: wholeNumber(1, 5, 'customer.note.badSatisfaction').optional(),
  }),
  async run({ who, text, complaint, satisfaction }, ctx) {
    const { t, actor } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'customer note', options: { text } });
    if (!found.ok) return found.reply;
    const customer = found.value;
    const now = ctx.clock.now();
    if (complaint) return logComplaint(customer, text, satisfaction ?? null, ctx);
    const interaction = await ctx.services.customers.addInteraction({
      customerId: customer.id, repId: actor.repId, kind: 'note', at: now, text, satisfaction: satisfaction ?? null,
    });
    await ctx.audit('customer.note', `customer:${customer.id}`, `interaction:${interaction.id}`);
    const saved = t('customer.note.saved', { customer: customer.name });
    if (satisfaction === undefined || satisfaction > LOW_RATING) return reply.text(saved, 'success');
    // 满意度: a low rating is followed up by the owner, and the planner tells the team's managers.
    const followUp = await ctx.services.care.followUpLowRating(interaction.id, now);
    if (!followUp) return reply.text(saved, 'success');
    await ctx.audit('callback.create', `callback:${followUp.callbackId}`, `customer:${customer.id} low-rating`);
    return reply.text(`${saved} ${t('customer.note.lowRating', { id: followUp.callbackId, when: formatWhen(followUp.dueAt, false, ctx) })}`, 'success');
  },
});
