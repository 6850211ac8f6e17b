import { bookScope } from '../../domain/actor.js';
import type { CommandContext } from '../command.js';
import { formatWhen } from '../customer/customer-card.js';
import type { CallbackEntry } from '../ports.js';
import { reply, type Reply } from '../reply.js';
import type { Resolved } from '../customer/customer-argument.js';

/**
 * Done, snooze and cancel, shared by the typed commands and the buttons: an open callback
 * within the actor's book (their own; a manager's team; an admin's all), or the reason not.
 */
export async function openCallback(callbackId: number, ctx: CommandContext): Promise<Resolved<CallbackEntry>> {
  const { t } = ctx;
  const callback = await ctx.services.callbacks.get(callbackId, bookScope(ctx.actor));
  if (!callback) return { ok: false, reply: reply.error(t('callback.notFound', { id: callbackId })) };
  if (callback.status !== 'open') {
    return { ok: false, reply: reply.error(t('callback.notOpen', { id: callbackId, status: t(`callback.status.${callback.status}`) })) };
  }
  return { ok: true, value: callback };
}

export async function completeCallback(callbackId: number, ctx: CommandContext): Promise<Reply> {
  const found = await openCallback(callbackId, ctx);
  if (!found.ok) return found.reply;
  await ctx.services.callbacks.complete(callbackId, ctx.clock.now());
  await ctx.audit('callback.done', `callback:${callbackId}`, `customer:${found.value.customerId}`);
  await ctx.services.nudges.callbackChanged(callbackId, ctx.fromNudge);
  return reply.text(ctx.t('callback.done', { id: callbackId, customer: found.value.customerName }), 'success');
}

export async function cancelCallback(callbackId: number, ctx: CommandContext): Promise<Reply> {
  const found = await openCallback(callbackId, ctx);
  if (!found.ok) return found.reply;
  await ctx.services.callbacks.cancel(callbackId);
  await ctx.audit('callback.cancel', `callback:${callbackId}`, `customer:${found.value.customerId}`);
  await ctx.services.nudges.callbackChanged(callbackId, ctx.fromNudge);
  return reply.text(ctx.t('callback.cancelled', { id: callbackId, customer: found.value.customerName }), 'success');
}

/** Moves an open callback to `until` (null: the same time one day later than now). */
export async function snoozeCallback(callbackId: number, until: { at: Date; timed: boolean } | null, ctx: CommandContext): Promise<Reply> {
  const found = await openCallback(callbackId, ctx);
  if (!found.ok) return found.reply;
  const target = until ?? { at: new Date(ctx.clock.now().getTime() + SNOOZE_DEFAULT_MS), timed: found.value.timed };
  await ctx.services.callbacks.reschedule(callbackId, target.at, target.timed);
  await ctx.audit('callback.snooze', `callback:${callbackId}`, target.at.toISOString());
  await ctx.services.nudges.callbackChanged(callbackId, ctx.fromNudge);
  return reply.text(
    ctx.t('callback.snoozed', { id: callbackId, customer: found.value.customerName, when: formatWhen(target.at, target.timed, ctx) }),
    'success',
  );
}

export const SNOOZE_DEFAULT_MS = 24 * 3_600_000;
