import { z } from 'zod';
import { bookScope, mayManage, type BookScope } from '../../domain/actor.js';
import { formatMoney, formatNumber, formatPercent } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { CustomerListFilter, Tier } from '../ports.js';
import { reply, type Reply } from '../reply.js';
import type { Resolved } from './customer-argument.js';
import { label } from './customer-card.js';

const PAGE_SIZE = 10;

/** The typed segments and the lifecycle stages (as analytics names them) each stands for. */
const SEGMENTS: Record<string, Pick<CustomerListFilter, 'lifecycles' | 'longTail'>> = {
  'at-risk': { lifecycles: ['at_risk'] },
  lapsed: { lifecycles: ['lapsed'] },
  new: { lifecycles: ['new'] },
  'long-tail': { longTail: true },
};
/** "Worth saving": customers who can still be won back (lost ones are let go). */
const SAVEABLE = ['at_risk', 'lapsed'];

type Owner = { kind: 'default' } | { kind: 'mine' } | { kind: 'team' } | { kind: 'rep'; rep: string };

const pageSchema = z
  .union([z.string(), z.literal(true)])
  .optional()
  .transform((value, issue) => {
    if (value === undefined) return 1;
    const page = Number(value);
    if (Number.isInteger(page) && page >= 1) return page;
    issue.addIssue({ code: 'custom', message: 'customer.list.badPage' });
    return z.NEVER;
  });

const listArgs = z
  .object({ words: z.array(z.string()), flags: z.object({ page: pageSchema }) })
  .transform(({ words, flags }, issue) => {
    const filter: CustomerListFilter = {};
    let owner: Owner = { kind: 'default' };
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!.toLowerCase();
      const next = words[i + 1];
      if (word === 'tier' && next && /^[abcd]$/i.test(next)) {
        filter.tier = next.toUpperCase() as Tier;
        i++;
      } else if (word in SEGMENTS) {
        Object.assign(filter, SEGMENTS[word]);
      } else if (word === 'mine' || word === 'team') {
        owner = { kind: word };
      } else if (word === 'rep' && next) {
        owner = { kind: 'rep', rep: next };
        i++;
      } else {
        issue.addIssue({ code: 'custom', message: 'customer.list.badFilter' });
        return z.NEVER;
      }
    }
    return { filter, owner, page: flags.page, words };
  });

export const customerListCommand = defineCommand({
  name: 'customer list',
  key: 'customerList',
  requires: 'rep',
  args: listArgs,
  async run({ filter, owner, page, words }, ctx) {
    const narrowed = await ownerFilter(owner, ctx);
    if (!narrowed.ok) return narrowed.reply;
    const again = (next: number) => ['/customer list', ...words, `--page ${next}`].join(' ');
    return listPage({ ...filter, ...narrowed.value.filter }, narrowed.value.scope, page, ctx.t('customer.list.title'), again, ctx);
  },
});

export const customerAtRiskCommand = defineCommand({
  name: 'customer at-risk',
  key: 'customerAtRisk',
  requires: 'rep',
  args: z.object({ flags: z.object({ page: pageSchema }) }).transform(({ flags }) => ({ page: flags.page })),
  async run({ page }, ctx) {
    const title = ctx.t('customer.list.atRiskTitle');
    return listPage({ lifecycles: SAVEABLE }, bookScope(ctx.actor), page, title, (next) => `/customer at-risk --page ${next}`, ctx);
  },
});

/** mine / team / rep @x, within what the actor may see: a rep only ever their own book. */
async function ownerFilter(owner: Owner, ctx: CommandContext): Promise<Resolved<{ scope: BookScope; filter: CustomerListFilter }>> {
  const { actor, t } = ctx;
  const scope = bookScope(actor);
  switch (owner.kind) {
    case 'default':
      return { ok: true, value: { scope, filter: {} } };
    case 'mine':
      return { ok: true, value: { scope, filter: { ownerId: actor.repId } } };
    case 'team':
      if (actor.role === 'rep') return { ok: false, reply: reply.error(t('customer.list.repOnlyOwn')) };
      return { ok: true, value: { scope: actor.teamId === null ? scope : { kind: 'team', teamId: actor.teamId }, filter: {} } };
    case 'rep': {
      const rep = await ctx.services.identities.findRep(owner.rep);
      if (!rep) return { ok: false, reply: reply.error(t('customer.assign.repNotFound', { rep: owner.rep })) };
      if (!mayManage(actor, rep)) {
        return { ok: false, reply: reply.error(t(actor.role === 'rep' ? 'customer.list.repOnlyOwn' : 'customer.assign.outsideTeam')) };
      }
      return { ok: true, value: { scope, filter: { ownerId: rep.id } } };
    }
  }
}

async function listPage(
  filter: CustomerListFilter,
  scope: BookScope,
  page: number,
  title: string,
  again: (next: number) => string,
  ctx: CommandContext,
): Promise<Reply> {
  const { t, locale, currency } = ctx;
  const result = await ctx.services.customers.list(filter, scope, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  await ctx.audit('customer.list', '', JSON.stringify({ filter, scope, page }));
  if (result.rows.length === 0) return reply.text(t('customer.list.empty'));
  const pages = Math.ceil(result.total / PAGE_SIZE);
  const footer = [t('customer.list.page', { page, pages, total: formatNumber(result.total, locale) })];
  if (page < pages) footer.push(t('customer.list.next', { command: again(page + 1) }));
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
    footer: footer.join(' '),
  });
}
