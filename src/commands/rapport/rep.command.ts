import { z } from 'zod';
import { defineCommand } from '../command.js';
import { handoverNote, manageableRep, moveSummary } from '../customer/assign-book.command.js';
import { flag, repRef } from '../option-schemas.js';
import { reply } from '../reply.js';

/**
 * 分户管理 when a rep leaves: their customers go to one rep (`--to`) or are spread over their
 * team (`--spread`), with open callbacks, tickets and plans and a handover note on each card;
 * then the rep is deactivated, so no nudge reaches them any more.
 */
export const rapportRepDeactivateCommand = defineCommand({
  name: 'rapport rep deactivate',
  key: 'rapportRepDeactivate',
  requires: 'admin',
  options: [
    { name: 'rep', type: 'rep', required: true },
    { name: 'to', type: 'rep', typed: 'flag' },
    { name: 'spread', type: 'boolean' },
  ],
  args: z
    .object({ rep: repRef('rapport.rep.missingRep'), to: repRef('rapport.rep.missingRep').optional(), spread: flag })
    .refine((a) => (a.to === undefined) !== !a.spread, 'rapport.rep.toOrSpread'),
  async run({ rep: repQuery, to: toQuery, spread }, ctx) {
    const { t } = ctx;
    const rep = await manageableRep(repQuery, ctx);
    if (!rep.ok) return rep.reply;
    if (rep.value.id === ctx.actor.repId) return reply.error(t('rapport.rep.notYourself'));
    let to: { repId: number } | 'spread' = 'spread';
    if (!spread) {
      const taker = await manageableRep(toQuery!, ctx);
      if (!taker.ok) return taker.reply;
      if (taker.value.id === rep.value.id) return reply.error(t('customer.assignBook.same'));
      to = { repId: taker.value.id };
    } else if (rep.value.teamId === null || (await ctx.services.books.teamReps(rep.value.teamId)).every((r) => r.id === rep.value.id)) {
      return reply.error(t('rapport.rep.nobodyToSpread', { rep: rep.value.name }));
    }
    const move = await ctx.services.books.deactivate(rep.value.id, to, { repId: ctx.actor.repId, note: handoverNote(ctx), at: ctx.clock.now() });
    await ctx.audit('rep.deactivate', `rep:${rep.value.id}`, JSON.stringify({ to, customers: move.customers }));
    return reply.text(`${t('rapport.rep.deactivated', { rep: rep.value.name })} ${moveSummary(move, ctx)}`, 'success');
  },
});
