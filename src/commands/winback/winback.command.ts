import { z } from 'zod';
import { hasRole } from '../../domain/actor.js';
import { DAY_MS } from '../../domain/calendar.js';
import { MAX_WINBACK_EXTENSION_DAYS, WINBACK_REASONS } from '../../domain/schedule/winback.js';
import { formatDate, formatMoney, formatNumber } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { resolveCustomer } from '../customer/customer-argument.js';
import { choice, customerRef, wholeNumber } from '../option-schemas.js';
import { PAGE_OPTION, pageNumber, pagingFor } from '../paging.js';
import type { CustomerSummary, WinbackPlan } from '../ports.js';
import { reply, type ListItem } from '../reply.js';
import type { Resolved } from '../customer/customer-argument.js';
import { bookScope } from '../../domain/actor.js';

const PAGE_SIZE = 10;
const LISTS = ['plans', 'light'] as const;

/** Whole days from now to a deadline, rounded up (a plan due in 3 hours has 1 day left). */
export function daysLeft(deadline: Date, now: Date): number {
  return Math.max(0, Math.ceil((deadline.getTime() - now.getTime()) / DAY_MS));
}

/** The win-back buttons of one plan: schedule a call, extend, give up (the reason is asked in a form). */
export function planActions(customer: { customerId: number; externalId: string }, ctx: CommandContext): ListItem['actions'] {
  const { t } = ctx;
  const who = { options: { who: customer.customerId }, display: { who: customer.externalId } };
  return [
    ctx.button(t('buttons.schedule'), { command: 'callback', options: who.options }, { style: 'primary', display: who.display }),
    ctx.button(t('buttons.extend'), { command: 'winback extend', options: who.options }, { display: who.display }),
    ctx.button(t('buttons.giveUp'), { command: 'winback giveup', options: who.options }, { display: who.display }),
  ];
}

/**
 * /winbacks: every open plan within the asker's book with its days left, by value at stake
 * (the agenda lists the new ones; this list never hides any); `light`: the at-risk customers
 * triage left without a plan, the light-touch list.
 */
export const winbacksCommand = defineCommand({
  name: 'winbacks',
  key: 'winbacks',
  requires: 'rep',
  options: [
    { name: 'list', type: 'choice', choices: LISTS, typed: 'word' },
    PAGE_OPTION,
  ],
  args: z.object({ list: choice(LISTS, 'winback.badList').optional(), page: pageNumber }),
  async run({ list = 'plans', page }, ctx) {
    const { t, locale, currency } = ctx;
    const now = ctx.clock.now();
    const window = { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE };
    const result =
      list === 'plans'
        ? await ctx.services.care.plans({}, bookScope(ctx.actor), window)
        : await ctx.services.care.lightTouch({}, bookScope(ctx.actor), window);
    await ctx.audit('winback.list', '', JSON.stringify({ list, page }));
    if (result.total === 0) return reply.text(t(list === 'plans' ? 'winback.noPlans' : 'winback.noLight'));
    const pages = Math.ceil(result.total / PAGE_SIZE);
    if (result.rows.length === 0) return reply.error(t('customer.list.pastEnd', { page, count: pages }));
    const money = (minor: number) => formatMoney(minor, locale, currency);
    const items: ListItem[] =
      list === 'plans'
        ? (result.rows as WinbackPlan[]).map((p) => ({
            primary: `${p.name} (${p.externalId})`,
            secondary: t('winback.planRow', {
              count: daysLeft(p.deadline, now),
              deadline: formatDate(p.deadline, locale, ctx.timeZone),
              tier: p.tier ?? '—',
              stake: money(p.atStakeMinor),
              owner: p.ownerName ?? t('customer.card.unowned'),
            }),
            actions: planActions(p, ctx),
          }))
        : result.rows.map((c) => ({
            primary: `${c.name} (${c.externalId})`,
            secondary: t('winback.lightRow', { tier: c.tier ?? '—', stake: money(c.atStakeMinor), owner: c.ownerName ?? t('customer.card.unowned') }),
          }));
    return reply.private({
      type: 'list',
      title: t(list === 'plans' ? 'winback.plansTitle' : 'winback.lightTitle', { count: formatNumber(result.total, locale) }),
      numbered: false,
      items,
      footer: list === 'plans' ? t('winback.plansFooter') : t('winback.lightFooter'),
      paging: pagingFor(page, pages, { command: 'winbacks', options: { list } }, ctx),
    });
  },
});

/** The customer's open plan, or why there is none. */
async function openPlanOf(customer: CustomerSummary, ctx: CommandContext): Promise<Resolved<WinbackPlan>> {
  const plan = await ctx.services.care.openPlan(customer.id);
  return plan ? { ok: true, value: plan } : { ok: false, reply: reply.error(ctx.t('winback.noOpenPlan', { customer: customer.name })) };
}

const reasonOption = { name: 'reason', type: 'choice', choices: WINBACK_REASONS, required: true } as const;
const reason = choice(WINBACK_REASONS, 'winback.badReason');

export const winbackExtendCommand = defineCommand({
  name: 'winback extend',
  key: 'winbackExtend',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true },
    { name: 'days', type: 'number', required: true, min: 1, max: MAX_WINBACK_EXTENSION_DAYS },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), days: wholeNumber(1, MAX_WINBACK_EXTENSION_DAYS, 'winback.badDays') }),
  async run({ who, days }, ctx) {
    const { t } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'winback extend', options: { days } });
    if (!found.ok) return found.reply;
    const plan = await openPlanOf(found.value, ctx);
    if (!plan.ok) return plan.reply;
    // 及时止损: the owner may move a deadline once; beyond that it is a manager's call.
    if (plan.value.extensions >= 1 && !hasRole(ctx.actor, 'manager')) return reply.error(t('winback.extendOnce', { customer: found.value.name }));
    const deadline = await ctx.services.care.extendPlan(found.value.id, plan.value.episode, days);
    await ctx.audit('winback.extend', `customer:${found.value.id}`, JSON.stringify({ episode: plan.value.episode, days }));
    return reply.text(t('winback.extended', { customer: found.value.name, deadline: formatDate(deadline, ctx.locale, ctx.timeZone) }), 'success');
  },
});

export const winbackGiveUpCommand = defineCommand({
  name: 'winback giveup',
  key: 'winbackGiveUp',
  requires: 'rep',
  options: [{ name: 'who', type: 'customer', required: true }, reasonOption],
  args: z.object({ who: customerRef('customer.find.missing'), reason }),
  async run({ who, reason }, ctx) {
    const found = await resolveCustomer(who, ctx, { command: 'winback giveup', options: { reason } });
    if (!found.ok) return found.reply;
    const plan = await openPlanOf(found.value, ctx);
    if (!plan.ok) return plan.reply;
    await ctx.services.care.giveUpPlan(found.value.id, plan.value.episode, reason, ctx.clock.now());
    await ctx.audit('winback.giveup', `customer:${found.value.id}`, JSON.stringify({ episode: plan.value.episode, reason }));
    return reply.text(ctx.t('winback.givenUp', { customer: found.value.name, reason: ctx.t(`winback.reasons.${reason}`) }), 'success');
  },
});

/** Why a plan that ran out was lost: the owner picks it from the "lost" message's buttons. */
export const winbackReasonCommand = defineCommand({
  name: 'winback reason',
  key: 'winbackReason',
  requires: 'rep',
  options: [{ name: 'who', type: 'customer', required: true }, reasonOption],
  args: z.object({ who: customerRef('customer.find.missing'), reason }),
  async run({ who, reason }, ctx) {
    const { t } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'winback reason', options: { reason } });
    if (!found.ok) return found.reply;
    const closed = await ctx.services.care.lastClosedPlan(found.value.id);
    if (!closed || closed.status === 'won') return reply.error(t('winback.noLostPlan', { customer: found.value.name }));
    await ctx.services.care.setPlanReason(found.value.id, closed.episode, reason);
    await ctx.audit('winback.reason', `customer:${found.value.id}`, JSON.stringify({ episode: closed.episode, reason }));
    return reply.text(t('winback.reasonSaved', { customer: found.value.name, reason: t(`winback.reasons.${reason}`) }), 'success');
  },
});
