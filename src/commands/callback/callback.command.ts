import { z } from 'zod';
import { parseWhen } from '../../domain/when.js';
import { defineCommand, type CommandContext, type ParsedText } from '../command.js';
import { resolveCustomer } from '../customer/customer-argument.js';
import { formatWhen } from '../customer/customer-card.js';
import { customerRef, MAX_NOTE_LENGTH, text, timeRef, wholeNumber, type TimeRef } from '../option-schemas.js';
import type { OptionSpec } from '../options.js';
import { reply, type Reply } from '../reply.js';
import { tokenize } from '../typed-text.js';
import { cancelCallback, completeCallback, snoozeCallback } from './callback-operations.js';

/** Ready-made answers a form offers for a callback time (phrases parseWhen reads in any language). */
export const TIME_PRESETS = ['in 1 hour', 'in 3 hours', 'tomorrow 9:00', 'tomorrow 14:00', 'next monday 9:00'] as const;

/** Callbacks further ahead than this are refused: "in 500 years" is a typo, not a plan. */
export const MAX_CALLBACK_AHEAD_DAYS = 5 * 366;

/** A time the asker gave, resolved in their zone: an instant ahead, and whether it had a time of day. */
export async function resolveTime(ref: TimeRef, ctx: CommandContext): Promise<{ ok: true; at: Date; timed: boolean } | { ok: false; reply: Reply }> {
  const now = ctx.clock.now();
  let at: Date;
  let timed = true;
  if ('at' in ref) {
    at = ref.at;
    if (at.getTime() <= now.getTime()) return { ok: false, reply: reply.error(ctx.t('callback.past')) };
  } else {
    const when = await parseWhen(ref.text, now, ctx.timeZone);
    if (!when.ok) return { ok: false, reply: reply.error(ctx.t(when.reason === 'past' ? 'callback.past' : 'callback.missingWhen')) };
    if (when.before !== '' || when.after !== '') return { ok: false, reply: reply.error(ctx.t('callback.missingWhen')) };
    ({ at, timed } = when);
  }
  if (at.getTime() - now.getTime() > MAX_CALLBACK_AHEAD_DAYS * 86_400_000) {
    return { ok: false, reply: reply.error(ctx.t('callback.tooFar', { years: Math.round(MAX_CALLBACK_AHEAD_DAYS / 366) })) };
  }
  return { ok: true, at, timed };
}

const callbackOptions = [
  { name: 'who', type: 'customer', required: true },
  { name: 'when', type: 'time', required: true, presets: TIME_PRESETS },
  { name: 'note', type: 'text', typed: 'rest', multiline: true, maxLength: MAX_NOTE_LENGTH },
] as const satisfies readonly OptionSpec[];

/**
 * `/callback <who> <when> [note]`: the time sits inside free text, so the line is read around
 * the time expression it holds. Quotes work as everywhere else: a quoted first word is the
 * customer ("Emma Fischer"), and quoted words elsewhere lose their quotes.
 */
async function parseCallbackLine(line: string, ctx: Pick<CommandContext, 'clock' | 'timeZone'>): Promise<ParsedText> {
  const tokens = tokenize(line);
  if (tokens.length === 0) return { ok: false, error: 'callback.missingWho' };
  const quotedWho = tokens[0]!.quoted ? tokens[0]!.text : null;
  const rest = (quotedWho === null ? tokens : tokens.slice(1)).map((t) => t.text).join(' ');
  const when = await parseWhen(rest, ctx.clock.now(), ctx.timeZone);
  if (!when.ok) return when.reason === 'past' ? { ok: false, error: 'callback.past', usage: false } : { ok: false, error: 'callback.missingWhen' };
  const who = quotedWho ?? when.before;
  if (who === '' || (quotedWho !== null && when.before !== '')) return { ok: false, error: 'callback.missingWho' };
  return { ok: true, values: { who, when: when.text, ...(when.after ? { note: when.after } : {}) } };
}

export const callbackCommand = defineCommand({
  name: 'callback',
  key: 'callback',
  requires: 'rep',
  options: callbackOptions,
  parseText: parseCallbackLine,
  args: z.object({
    who: customerRef('callback.missingWho'),
    when: timeRef('callback.missingWhen'),
    note: text('', MAX_NOTE_LENGTH).optional(),
  }),
  async run({ who, when, note = '' }, ctx) {
    const { t } = ctx;
    const time = await resolveTime(when, ctx);
    if (!time.ok) return time.reply;
    const found = await resolveCustomer(who, ctx, { command: 'callback', options: { when: 'text' in when ? when.text : when.at.getTime(), ...(note ? { note } : {}) } });
    if (!found.ok) return found.reply;
    const customer = found.value;
    const callback = await ctx.services.callbacks.create({
      customerId: customer.id, ownerId: ctx.actor.repId, dueAt: time.at, timed: time.timed, note, source: 'manual',
    });
    await ctx.audit('callback.create', `callback:${callback.id}`, `customer:${customer.id}`);
    const message = time.timed
      ? t('callback.scheduled', { id: callback.id, customer: customer.name, when: formatWhen(time.at, true, ctx) })
      : t('callback.scheduledDay', { id: callback.id, customer: customer.name, date: formatWhen(time.at, false, ctx) });
    return reply.text(message, 'success');
  },
});

const idOption = { name: 'id', type: 'number', required: true, min: 1 } as const satisfies OptionSpec;
const callbackId = wholeNumber(1, Number.MAX_SAFE_INTEGER, 'callback.badId');

export const callbackDoneCommand = defineCommand({
  name: 'callback done',
  key: 'callbackDone',
  requires: 'rep',
  options: [idOption],
  args: z.object({ id: callbackId }),
  run: ({ id }, ctx) => completeCallback(id, ctx),
});

export const callbackCancelCommand = defineCommand({
  name: 'callback cancel',
  key: 'callbackCancel',
  requires: 'rep',
  options: [idOption],
  args: z.object({ id: callbackId }),
  run: ({ id }, ctx) => cancelCallback(id, ctx),
});

export const callbackSnoozeCommand = defineCommand({
  name: 'callback snooze',
  key: 'callbackSnooze',
  requires: 'rep',
  options: [idOption, { name: 'when', type: 'time', typed: 'rest', presets: TIME_PRESETS }],
  args: z.object({ id: callbackId, when: timeRef('callback.missingWhen').optional() }),
  async run({ id, when }, ctx) {
    if (!when) return snoozeCallback(id, null, ctx);
    const time = await resolveTime(when, ctx);
    if (!time.ok) return time.reply;
    return snoozeCallback(id, { at: time.at, timed: time.timed }, ctx);
  },
});
