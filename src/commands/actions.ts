import type { Role } from '../domain/actor.js';
import { snoozeCallback, completeCallback, openCallback } from './callback/callback-operations.js';
import type { CommandContext } from './command.js';
import { resolveCustomerById } from './customer/customer-argument.js';
import { assignCommand, noteCommand, scheduleCommand } from './customer/customer-card.js';
import { showCard } from './customer/lookup.command.js';
import { reply, type ActionPayload, type Reply } from './reply.js';

type ActionOf<A extends ActionPayload['action']> = Extract<ActionPayload, { action: A }>;

interface ActionHandler<A extends ActionPayload['action']> {
  /** The least role that may press the button: the same as the command it stands for. */
  requires: Role;
  run(payload: ActionOf<A>, ctx: CommandContext): Promise<Reply>;
}

/**
 * What each button does. Buttons that need more input (a time, a note, a rep) answer with the
 * command line to type, already filled with the customer: adapters may open a form instead.
 */
export const actionHandlers: { [A in ActionPayload['action']]: ActionHandler<A> } = {
  'customer.lookup': {
    requires: 'rep',
    async run({ customerId }, ctx) {
      const found = await resolveCustomerById(customerId, ctx);
      return found.ok ? showCard(found.value.id, `#${customerId}`, ctx) : found.reply;
    },
  },
  'callback.schedule': { requires: 'rep', run: (payload, ctx) => hint(payload, ctx, scheduleCommand) },
  'customer.note': { requires: 'rep', run: (payload, ctx) => hint(payload, ctx, noteCommand) },
  'customer.assign': { requires: 'manager', run: (payload, ctx) => hint(payload, ctx, assignCommand) },
  'callback.done': { requires: 'rep', run: ({ callbackId }, ctx) => completeCallback(callbackId, ctx) },
  'callback.snooze': {
    requires: 'rep',
    run: ({ callbackId, minutes }, ctx) => snoozeCallback(callbackId, { at: new Date(ctx.clock.now().getTime() + minutes * 60_000), timed: true }, ctx),
  },
  'callback.reschedule': {
    requires: 'rep',
    async run({ callbackId, action }, ctx) {
      const found = await openCallback(callbackId, ctx);
      if (!found.ok) return found.reply;
      return reply.text(ctx.t('common.actionHint', { action: ctx.t(`actions.${action}`), command: `/callback snooze ${callbackId} <when>` }));
    },
  },
};

async function hint(
  payload: { action: ActionPayload['action']; customerId: number },
  ctx: CommandContext,
  command: (externalId: string) => string,
): Promise<Reply> {
  const found = await resolveCustomerById(payload.customerId, ctx);
  if (!found.ok) return found.reply;
  return reply.text(ctx.t('common.actionHint', { action: ctx.t(`actions.${payload.action}`), command: command(found.value.externalId) }));
}
