import { z } from 'zod';
import { parseWhen, type WhenResult } from '../../domain/when.js';
import { defineCommand, type CommandContext } from '../command.js';
import { resolveCustomer } from '../customer/customer-argument.js';
import { formatWhen } from '../customer/customer-card.js';
import { reply, type Reply } from '../reply.js';
import { cancelCallback, completeCallback, snoozeCallback } from './callback-operations.js';

/** The reply for a time that could not be used, or null when it can. */
export function whenProblem(when: WhenResult, ctx: CommandContext): Reply | null {
  if (when.ok) return null;
  return reply.error(ctx.t(when.reason === 'past' ? 'callback.past' : 'callback.missingWhen'));
}

export const callbackCommand = defineCommand({
  name: 'callback',
  key: 'callback',
  requires: 'rep',
  args: z.object({ text: z.string().trim().min(1, 'callback.missingWho') }),
  async run({ text }, ctx) {
    const { t } = ctx;
    const when = parseWhen(text, ctx.clock.now(), ctx.timeZone);
    if (!when.ok) return whenProblem(when, ctx)!;
    if (when.before === '') return reply.error(t('callback.missingWho'));
    const found = await resolveCustomer(when.before, ctx, (externalId) => `/callback ${externalId} ${text.slice(when.before.length).trim()}`);
    if (!found.ok) return found.reply;
    const customer = found.value;
    const callback = await ctx.services.callbacks.create({
      customerId: customer.id, ownerId: ctx.actor.repId, dueAt: when.at, timed: when.timed, note: when.after, source: 'manual',
    });
    await ctx.audit('callback.create', `callback:${callback.id}`, `customer:${customer.id}`);
    const message = when.timed
      ? t('callback.scheduled', { id: callback.id, customer: customer.name, when: formatWhen(when.at, true, ctx) })
      : t('callback.scheduledDay', { id: callback.id, customer: customer.name, date: formatWhen(when.at, false, ctx) });
    return reply.text(message, 'success');
  },
});

const callbackId = z.array(z.string()).min(1, 'callback.badId').transform((words, issue) => {
  const id = Number(words[0]);
  if (Number.isInteger(id) && id > 0) return { id: id, rest: words.slice(1).join(' ') };
  issue.addIssue({ code: 'custom', message: 'callback.badId' });
  return z.NEVER;
});
const callbackIdArgs = z.object({ words: callbackId }).transform(({ words }) => words);

export const callbackDoneCommand = defineCommand({
  name: 'callback done',
  key: 'callbackDone',
  requires: 'rep',
  args: callbackIdArgs,
  run: ({ id }, ctx) => completeCallback(id, ctx),
});

export const callbackCancelCommand = defineCommand({
  name: 'callback cancel',
  key: 'callbackCancel',
  requires: 'rep',
  args: callbackIdArgs,
  run: ({ id }, ctx) => cancelCallback(id, ctx),
});

export const callbackSnoozeCommand = defineCommand({
  name: 'callback snooze',
  key: 'callbackSnooze',
  requires: 'rep',
  args: callbackIdArgs,
  async run({ id, rest }, ctx) {
    if (rest === '') return snoozeCallback(id, null, ctx);
    const when = parseWhen(rest, ctx.clock.now(), ctx.timeZone);
    if (!when.ok) return whenProblem(when, ctx)!;
    return snoozeCallback(id, { at: when.at, timed: when.timed }, ctx);
  },
});
