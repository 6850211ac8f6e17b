import { z } from 'zod';
import { bookScope } from '../../domain/actor.js';
import { formatDateTime } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { resolveCustomer } from '../customer/customer-argument.js';
import { formatWhen } from '../customer/customer-card.js';
import { customerRef, MAX_NOTE_LENGTH, text, wholeNumber } from '../option-schemas.js';
import type { CustomerSummary } from '../ports.js';
import { reply, type Reply } from '../reply.js';

/**
 * 投诉处理: logs the complaint (an interaction) and opens its ticket, owned by the customer's
 * owner with the tier's response deadline. The owner is nudged at once and the team's
 * managers when the deadline passes unresolved (the planner's `complaint` and `escalation`).
 * Shared by /complaint and /customer note --complaint.
 */
export async function logComplaint(customer: CustomerSummary, complaint: string, satisfaction: number | null, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const { ticket } = await ctx.services.care.logComplaint({ customerId: customer.id, repId: ctx.actor.repId, text: complaint, at: ctx.clock.now(), satisfaction });
  await ctx.audit('complaint.open', `ticket:${ticket.id}`, `customer:${customer.id}`);
  return {
    visibility: 'private',
    blocks: [
      {
        type: 'text',
        tone: 'success',
        text: t('complaint.opened', {
          id: ticket.id,
          customer: customer.name,
          owner: ticket.ownerName ?? t('customer.card.unowned'),
          deadline: formatDateTime(ticket.deadline, ctx.locale, ctx.timeZone),
        }),
      },
      { type: 'actions', actions: [ctx.button(t('buttons.resolve'), { command: 'complaint resolve', options: { id: ticket.id } }, { style: 'primary' })] },
    ],
  };
}

export const complaintCommand = defineCommand({
  name: 'complaint',
  key: 'complaint',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true },
    { name: 'text', type: 'text', required: true, typed: 'rest', multiline: true, maxLength: MAX_NOTE_LENGTH },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), text: text('complaint.missingText') }),
  async run({ who, text }, ctx) {
    const found = await resolveCustomer(who, ctx, { command: 'complaint', options: { text } });
    if (!found.ok) return found.reply;
    return logComplaint(found.value, text, null, ctx);
  },
});

const ticketId = wholeNumber(1, Number.MAX_SAFE_INTEGER, 'complaint.badId');

export const complaintResolveCommand = defineCommand({
  name: 'complaint resolve',
  key: 'complaintResolve',
  requires: 'rep',
  options: [
    { name: 'id', type: 'number', required: true, min: 1 },
    { name: 'resolution', type: 'text', required: true, typed: 'rest', multiline: true, maxLength: MAX_NOTE_LENGTH },
  ],
  args: z.object({ id: ticketId, resolution: text('complaint.missingResolution') }),
  async run({ id, resolution }, ctx) {
    const { t } = ctx;
    // Whoever may see the customer may resolve its complaint; anyone else reads "no such complaint".
    const ticket = await ctx.services.care.ticket(id, bookScope(ctx.actor));
    if (!ticket) return reply.error(t('complaint.notFound', { id }));
    if (ticket.status !== 'open') return reply.error(t('complaint.notOpen', { id }));
    const check = await ctx.services.care.resolveTicket(id, { repId: ctx.actor.repId, text: resolution, at: ctx.clock.now() });
    await ctx.audit('complaint.resolve', `ticket:${id}`, `callback:${check.callbackId}`);
    return reply.text(
      t('complaint.resolved', { id, customer: ticket.customerName, callback: check.callbackId, when: formatWhen(check.callbackDue, false, ctx) }),
      'success',
    );
  },
});
