import { z } from 'zod';
import { mayManage } from '../../domain/actor.js';
import { TIERS } from '../../domain/tier.js';
import { formatDate } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { choice, repRef } from '../option-schemas.js';
import type { BookMove, RepSummary } from '../ports.js';
import { reply, type Reply } from '../reply.js';
import type { Resolved } from './customer-argument.js';

/** A rep the actor may hand books between: a manager their team's, an admin anyone; others read as unknown. */
export async function manageableRep(query: string, ctx: CommandContext): Promise<Resolved<RepSummary>> {
  const rep = await ctx.services.identities.findRep(query);
  if (!rep) return { ok: false, reply: reply.error(ctx.t('customer.assign.repNotFound', { rep: query })) };
  if (!mayManage(ctx.actor, rep)) return { ok: false, reply: reply.error(ctx.t('customer.assign.outsideTeam')) };
  return { ok: true, value: rep };
}

/** The handover note each moved card gets, in the actor's language. */
export function handoverNote(ctx: CommandContext): (from: string, to: string) => string {
  const date = formatDate(ctx.clock.now(), ctx.locale, ctx.timeZone);
  return (from, to) => ctx.t('customer.handover.note', { from, to, date });
}

export function moveSummary(move: BookMove, ctx: CommandContext): string {
  return ctx.t('customer.handover.moved', {
    customers: move.customers, callbacks: move.callbacks, tickets: move.tickets, plans: move.plans,
    to: move.to.map((r) => `${r.name} ${r.customers}`).join(', ') || '—',
  });
}

/** 分户管理: a manager moves a rep's book (or its customers of one tier) to another rep of the team. */
export const customerAssignBookCommand = defineCommand({
  name: 'customer assign-book',
  key: 'customerAssignBook',
  requires: 'manager',
  options: [
    { name: 'from', type: 'rep', required: true },
    { name: 'to', type: 'rep', required: true },
    { name: 'tier', type: 'choice', choices: TIERS, typed: 'keyword' },
  ],
  args: z.object({ from: repRef('customer.assignBook.missingRep'), to: repRef('customer.assignBook.missingRep'), tier: choice(TIERS, 'rapport.settings.badTier').optional() }),
  async run({ from: fromQuery, to: toQuery, tier }, ctx): Promise<Reply> {
    const { t } = ctx;
    const from = await manageableRep(fromQuery, ctx);
    if (!from.ok) return from.reply;
    const to = await manageableRep(toQuery, ctx);
    if (!to.ok) return to.reply;
    if (from.value.id === to.value.id) return reply.error(t('customer.assignBook.same'));
    const move = await ctx.services.books.assignBook(from.value.id, to.value.id, tier ?? null, { repId: ctx.actor.repId, note: handoverNote(ctx), at: ctx.clock.now() });
    await ctx.audit('customer.assign-book', `rep:${from.value.id}`, JSON.stringify({ to: to.value.id, tier: tier ?? null, customers: move.customers }));
    if (move.customers === 0) return reply.text(t('customer.assignBook.nothing', { from: from.value.name }));
    return reply.text(moveSummary(move, ctx), 'success');
  },
});
