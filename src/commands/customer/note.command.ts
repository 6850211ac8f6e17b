import { z } from 'zod';
import { UNTIMED_HOUR } from '../../domain/when.js';
import { addDays, atLocalTime, localDateOf } from '../../domain/schedule/local-time.js';
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
    const interaction = await ctx.services.customers.addInteraction({
      customerId: customer.id, repId: actor.repId, kind: complaint ? 'complaint' : (kind ?? 'note'), at: now, text, satisfaction: satisfaction ?? null,
    });
    await ctx.audit(complaint ? 'customer.complaint' : 'customer.note', `customer:${customer.id}`, `interaction:${interaction.id}${kind ? ` ${kind}` : ''}`);
    if (!complaint) return reply.text(t(kind ? 'customer.note.contactSaved' : 'customer.note.saved', { customer: customer.name, kind: t(`interaction.${kind ?? 'note'}`) }), 'success');
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
