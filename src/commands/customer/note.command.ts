import { z } from 'zod';
import { LOW_RATING } from '../../domain/schedule/care.js';
import { logComplaint } from '../complaint/complaint.command.js';
import { defineCommand } from '../command.js';
import { choice, customerRef, flag, MAX_NOTE_LENGTH, text, wholeNumber } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';
import { formatWhen } from './customer-card.js';

/** How a contact happened (回访记录 by channel); without `--kind` it is a plain note. */
const CONTACT_KINDS = ['call', 'visit', 'message', 'email'] as const;

export const customerNoteCommand = defineCommand({
  name: 'customer note',
  key: 'customerNote',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true },
    { name: 'text', type: 'text', required: true, typed: 'rest', multiline: true, maxLength: MAX_NOTE_LENGTH },
    { name: 'complaint', type: 'boolean' },
    { name: 'satisfaction', type: 'number', min: 1, max: 5, typed: 'flag' },
    { name: 'kind', type: 'choice', choices: CONTACT_KINDS, typed: 'flag' },
  ],
  args: z
    .object({
      who: customerRef('customer.find.missing'),
      text: text('customer.note.missingText'),
      complaint: flag,
      satisfaction: wholeNumber(1, 5, 'customer.note.badSatisfaction').optional(),
      kind: choice(CONTACT_KINDS, 'customer.note.badKind').optional(),
    })
    .refine((a) => !(a.complaint && a.kind), 'customer.note.complaintAndKind'),
  async run({ who, text, complaint, satisfaction, kind }, ctx) {
    const { t, actor } = ctx;
    const again = { text, ...(complaint ? { complaint } : {}), ...(satisfaction ? { satisfaction } : {}), ...(kind ? { kind } : {}) };
    const found = await resolveCustomer(who, ctx, { command: 'customer note', options: again });
    if (!found.ok) return found.reply;
    const customer = found.value;
    const now = ctx.clock.now();
    if (complaint) return logComplaint(customer, text, satisfaction ?? null, ctx);
    const interaction = await ctx.services.customers.addInteraction({
      customerId: customer.id, repId: actor.repId, kind: kind ?? 'note', at: now, text, satisfaction: satisfaction ?? null,
    });
    await ctx.audit('customer.note', `customer:${customer.id}`, `interaction:${interaction.id}${kind ? ` ${kind}` : ''}`);
    const saved = kind
      ? t('customer.note.contactSaved', { customer: customer.name, kind: t(`interaction.${kind}`) })
      : t('customer.note.saved', { customer: customer.name });
    if (satisfaction === undefined || satisfaction > LOW_RATING) return reply.text(saved, 'success');
    // 满意度: a low rating is followed up by the owner, and the planner tells the team's managers.
    const followUp = await ctx.services.care.followUpLowRating(interaction.id, now);
    if (!followUp) return reply.text(saved, 'success');
    await ctx.audit('callback.create', `callback:${followUp.callbackId}`, `customer:${customer.id} low-rating`);
    return reply.text(`${saved} ${t('customer.note.lowRating', { id: followUp.callbackId, when: formatWhen(followUp.dueAt, false, ctx) })}`, 'success');
  },
});
