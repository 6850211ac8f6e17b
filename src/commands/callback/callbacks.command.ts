import { z } from 'zod';
import { bookScope } from '../../domain/actor.js';
import { localDateOf, isoDate } from '../../domain/schedule/local-time.js';
import { DAY_MS } from '../../domain/calendar.js';
import { defineCommand, type CommandContext } from '../command.js';
import { formatWhen } from '../customer/customer-card.js';
import type { CallbackEntry } from '../ports.js';
import { reply, type Block } from '../reply.js';

const HORIZON_DAYS = 14;
const LISTED = 50;

/** /callbacks: the asker's own agenda, overdue first, then today, then the next two weeks. */
export const callbacksCommand = defineCommand({
  name: 'callbacks',
  key: 'callbacks',
  requires: 'rep',
  options: [],
  args: z.object({}),
  async run(_, ctx) {
    const { t } = ctx;
    const now = ctx.clock.now();
    const until = new Date(now.getTime() + HORIZON_DAYS * DAY_MS);
    const open = await ctx.services.callbacks.open(ctx.actor.repId, bookScope(ctx.actor), until, LISTED);
    await ctx.audit('callback.list', `rep:${ctx.actor.repId}`);
    if (open.length === 0) return reply.text(t('callback.agenda.empty'));
    const today = isoDate(localDateOf(now, ctx.timeZone));
    const dayOf = (c: CallbackEntry) => isoDate(localDateOf(c.dueAt, ctx.timeZone));
    // An untimed callback is overdue only once its day has passed; a timed one once its minute has.
    const overdue = open.filter((c) => (c.timed ? c.dueAt < now : dayOf(c) < today));
    const dueToday = open.filter((c) => !overdue.includes(c) && dayOf(c) === today);
    const upcoming = open.filter((c) => !overdue.includes(c) && !dueToday.includes(c));
    const blocks: Block[] = [{ type: 'text', text: t('callback.agenda.title') }];
    for (const [title, entries] of [
      [t('callback.agenda.overdue'), overdue],
      [t('callback.agenda.today'), dueToday],
      [t('callback.agenda.upcoming'), upcoming],
    ] as const) {
      if (entries.length > 0) blocks.push(section(title, entries, ctx));
    }
    return reply.private(...blocks);
  },
});

function section(title: string, entries: readonly CallbackEntry[], ctx: CommandContext): Block {
  const { t } = ctx;
  return {
    type: 'list',
    title,
    numbered: false,
    items: entries.map((c) => ({
      primary: t('callback.agenda.item', { id: c.id, customer: c.customerName, externalId: c.customerExternalId }),
      secondary: t('callback.agenda.detail', {
        when: c.timed ? formatWhen(c.dueAt, true, ctx) : `${formatWhen(c.dueAt, false, ctx)}, ${t('callback.agenda.allDay')}`,
        note: c.note ? ` · ${c.note}` : '',
        source: t(`callback.source.${c.source}`, { defaultValue: c.source }),
      }),
      actions: [
        ctx.button(t('buttons.done'), { command: 'callback done', options: { id: c.id } }, { style: 'primary' }),
        ctx.button(t('buttons.snooze'), { command: 'callback snooze', options: { id: c.id } }),
        ctx.button(t('buttons.reschedule'), { command: 'callback snooze', options: { id: c.id }, form: true }),
      ],
    })),
  };
}
