import { z } from 'zod';
import { mayManage } from '../../domain/actor.js';
import { defineCommand } from '../command.js';
import { customerRef, repRef } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';

export const customerAssignCommand = defineCommand({
  name: 'customer assign',
  key: 'customerAssign',
  requires: 'manager',
  options: [
    { name: 'who', type: 'customer', required: true, typed: 'rest' },
    { name: 'rep', type: 'rep', required: true },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), rep: repRef('customer.assign.missingRep') }),
  async run({ who, rep: repQuery }, ctx) {
    const { t, actor } = ctx;
    const rep = await ctx.services.identities.findRep(repQuery);
    if (!rep) return reply.error(t('customer.assign.repNotFound', { rep: repQuery }));
    if (!mayManage(actor, rep)) return reply.error(t('customer.assign.outsideTeam'));
    const found = await resolveCustomer(who, ctx, { command: 'customer assign', options: { rep: rep.id } });
    if (!found.ok) return found.reply;
    const customer = found.value;
    if (customer.ownerId === rep.id) return reply.text(t('customer.assign.already', { customer: customer.name, rep: rep.name }));
    await ctx.services.customers.assign(customer.id, rep.id);
    await ctx.audit('customer.assign', `customer:${customer.id}`, JSON.stringify({ from: customer.ownerId, to: rep.id }));
    return reply.text(
      t('customer.assign.done', { customer: customer.name, to: rep.name, from: customer.ownerName ?? t('customer.card.unowned') }),
      'success',
    );
  },
});
