import { z } from 'zod';
import { bookScope, mayManage, type BookScope } from '../../domain/actor.js';
import { TIERS } from '../../domain/tier.js';
import { formatMoney, formatNumber, formatPercent } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { choice, repRef, wholeNumber } from '../option-schemas.js';
import type { OptionValues } from '../options.js';
import { pagingFor } from '../paging.js';
import type { CustomerListFilter } from '../ports.js';
import { reply, type Reply } from '../reply.js';
import type { Resolved } from './customer-argument.js';
import { label } from './customer-card.js';

const PAGE_SIZE = 10;
const MAX_PAGE = 100_000;

/** The typed stages and what each stands for (lifecycle stages as analytics names them). */
const STAGES = {
  'at-risk': { lifecycles: ['at_risk'] },
  lapsed: { lifecycles: ['lapsed'] },
  new: { lifecycles: ['new'] },
  'long-tail': { longTail: true },
} as const satisfies Record<string, Pick<CustomerListFilter, 'lifecycles' | 'longTail'>>;
const STAGE_NAMES = Object.keys(STAGES) as (keyof typeof STAGES)[];
/** "Worth saving": customers who can still be won back (lost ones are let go). */
const SAVEABLE = ['at_risk', 'lapsed'];

const pageOption = { name: 'page', type: 'number', min: 1, max: MAX_PAGE, typed: 'flag' } as const;
const page = wholeNumber(1, MAX_PAGE, 'customer.list.badPage').optional().transform((n) => n ?? 1);

export const customerListCommand = defineCommand({
  name: 'customer list',
  key: 'customerList',
  requires: 'rep',
  options: [
    { name: 'tier', type: 'choice', choices: TIERS, typed: 'keyword' },
    { name: 'stage', type: 'choice', choices: STAGE_NAMES, typed: 'word' },
    { name: 'scope', type: 'choice', choices: ['mine', 'team'], typed: 'word' },
    { name: 'rep', type: 'rep', typed: 'keyword' },
    pageOption,
  ],
  args: z
    .object({
      tier: choice(TIERS, 'customer.list.badFilter').optional(),
      stage: choice(STAGE_NAMES, 'customer.list.badFilter').optional(),
      scope: choice(['mine', 'team'] as const, 'customer.list.badFilter').optional(),
      rep: repRef('customer.list.badFilter').optional(),
      page,
    })
    .refine((a) => !(a.scope && a.rep), 'customer.list.scopeAndRep'),
  async run(args, ctx) {
    const narrowed = await ownerFilter(args, ctx);
    if (!narrowed.ok) return narrowed.reply;
    const owner = narrowed.value.filter;
    const filter: CustomerListFilter = { ...(args.tier ? { tier: args.tier } : {}), ...(args.stage ? STAGES[args.stage] : {}), ...owner };
    // The pages carry the rep's id, not what was typed: a long email must not outgrow a button payload.
    const options: OptionValues = {
      ...(args.tier ? { tier: args.tier } : {}),
      ...(args.stage ? { stage: args.stage } : {}),
      ...(args.scope ? { scope: args.scope } : {}),
      ...(args.rep !== undefined && owner.ownerId !== undefined ? { rep: owner.ownerId } : {}),
    };
    return listPage(filter, narrowed.value.scope, args.page, ctx.t('customer.list.title'), { command: 'customer list', options }, ctx);
  },
});

export const customerAtRiskCommand = defineCommand({
  name: 'customer at-risk',
  key: 'customerAtRisk',
  requires: 'rep',
  options: [pageOption],
  args: z.object({ page }),
  async run({ page }, ctx) {
    return listPage({ lifecycles: SAVEABLE }, bookScope(ctx.actor), page, ctx.t('customer.list.atRiskTitle'), { command: 'customer at-risk', options: {} }, ctx);
  },
});

/**
 * mine / team / rep @x, within what the actor may see: a rep only ever their own book. A rep
 * naming anyone else gets the same answer whether that rep exists or not (no name probing).
 */
async function ownerFilter(
  args: { scope?: 'mine' | 'team'; rep?: string },
  ctx: CommandContext,
): Promise<Resolved<{ scope: BookScope; filter: CustomerListFilter }>> {
  const { actor, t } = ctx;
  const scope = bookScope(actor);
  if (args.scope === 'mine') return { ok: true, value: { scope, filter: { ownerId: actor.repId } } };
  if (args.scope === 'team') {
    if (actor.role === 'rep') return { ok: false, reply: reply.error(t('customer.list.repOnlyOwn')) };
    return { ok: true, value: { scope: actor.teamId === null ? scope : { kind: 'team', teamId: actor.teamId }, filter: {} } };
  }
  if (args.rep === undefined) return { ok: true, value: { scope, filter: {} } };
  const rep = await ctx.services.identities.findRep(args.rep);
  if (actor.role === 'rep' && rep?.id !== actor.repId) return { ok: false, reply: reply.error(t('customer.list.repOnlyOwn')) };
  if (!rep) return { ok: false, reply: reply.error(t('customer.assign.repNotFound', { rep: args.rep })) };
  if (!mayManage(actor, rep)) return { ok: false, reply: reply.error(t('customer.list.outsideTeam')) };
  return { ok: true, value: { scope, filter: { ownerId: rep.id } } };
}

async function listPage(
  filter: CustomerListFilter,
  scope: BookScope,
  page: number,
  title: string,
  again: { command: string; options: OptionValues },
  ctx: CommandContext,
): Promise<Reply> {
  const { t, locale, currency } = ctx;
  const result = await ctx.services.customers.list(filter, scope, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  await ctx.audit('customer.list', '', JSON.stringify({ filter, scope, page }));
  if (result.total === 0) return reply.text(t('customer.list.empty'));
  const pages = Math.ceil(result.total / PAGE_SIZE);
  if (result.rows.length === 0) return reply.error(t('customer.list.pastEnd', { page, pages }));
  return reply.private({
    type: 'list',
    title,
    numbered: false,
    items: result.rows.map((row) => ({
      primary: `${row.name} (${row.externalId})`,
      secondary: t('customer.list.row', {
        tier: row.tier,
        lifecycle: label(ctx, 'lifecycle', row.lifecycle),
        risk: row.churnRisk === null ? t('common.none') : formatPercent(row.churnRisk, locale),
        stake: formatMoney(row.atStakeMinor, locale, currency),
        owner: row.ownerName ?? t('customer.card.unowned'),
      }),
    })),
    footer: t('customer.list.page', { page, pages, total: formatNumber(result.total, locale) }),
    paging: pagingFor(page, pages, again, ctx),
  });
}
