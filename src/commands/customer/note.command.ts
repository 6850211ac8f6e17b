import { z } from 'zod';
import { UNTIMED_HOUR } from '../../domain/when.js';
import { addDays, atLocalTime, localDateOf } from '../../domain/schedule/local-time.js';
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
    const interaction = await ctx.services.customers.addInteraction({
      customerId: customer.id, repId: actor.repId, kind: complaint ? 'complaint' : 'note', at: now, text, satisfaction: satisfaction ?? null,
    });
    await ctx.audit(complaint ? 'customer.complaint' : 'customer.note', `customer:${customer.id}`, `interaction:${interaction.id}`);
    if (!complaint) return reply.text(t('customer.note.saved', { customer: customer.name }), 'success');
    // 投诉处理: a complaint is followed up on the next morning's agenda of the rep who logged it.
    const dueAt = atLocalTime(addDays(localDateOf(now, ctx.timeZone), 1), UNTIMED_HOUR, ctx.timeZone);
    const callback = await ctx.services.callbacks.create({
      customerId: customer.id, ownerId: actor.repId, dueAt, timed: false, note: t('customer.note.complaintCallback', { text }), source: 'complaint',
    });
    await ctx.audit('callback.create', `callback:${callback.id}`, `customer:${customer.id} complaint`);
    return reply.text(
      t('customer.note.complaintSaved', { customer: customer.name, id: callback.id, when: formatWhen(dueAt, false, ctx) }),
      'success',
    );
  },
});
