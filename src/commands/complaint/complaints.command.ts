import { z } from 'zod';
import { bookScope } from '../../domain/actor.js';
import { formatDateTime, formatNumber } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { choice } from '../option-schemas.js';
import { PAGE_OPTION, pageNumber, pagingFor } from '../paging.js';
import { reply } from '../reply.js';

const PAGE_SIZE = 10;
const STATUSES = ['open', 'overdue', 'all'] as const;
const SCOPES = ['mine', 'team'] as const;

/** /complaints [open|overdue|all] [mine|team]: complaint tickets within the asker's book, open ones by deadline first. */
export const complaintsCommand = defineCommand({
  name: 'complaints',
  key: 'complaints',
  requires: 'rep',
  options: [
    { name: 'status', type: 'choice', choices: STATUSES, typed: 'word' },
    { name: 'scope', type: 'choice', choices: SCOPES, typed: 'word' },
    PAGE_OPTION,
  ],
  args: z.object({
    status: choice(STATUSES, 'complaint.badFilter').optional(),
    scope: choice(SCOPES, 'complaint.badFilter').optional(),
    page: pageNumber,
  }),
  async run({ status = 'open', scope, page }, ctx) {
    const { t, actor, locale } = ctx;
    if (scope === 'team' && actor.role === 'rep') return reply.error(t('customer.list.repOnlyOwn'));
    const filter = {
      status,
      ...(scope === 'mine' ? { ownerId: actor.repId } : {}),
      ...(scope === 'team' && actor.teamId !== null ? { teamId: actor.teamId } : {}),
    };
    const now = ctx.clock.now();
    const result = await ctx.services.care.tickets(filter, bookScope(actor), now, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
    await ctx.audit('complaint.list', '', JSON.stringify({ status, scope, page }));
    if (result.total === 0) return reply.text(t('complaint.listEmpty'));
    const pages = Math.ceil(result.total / PAGE_SIZE);
    if (result.rows.length === 0) return reply.error(t('customer.list.pastEnd', { page, count: pages }));
    const options = { status, ...(scope ? { scope } : {}) };
    return reply.private({
      type: 'list',
      title: t(`complaint.listTitle.${status}`, { count: formatNumber(result.total, locale) }),
      numbered: false,
      items: result.rows.map((k) => ({
        primary: t('complaint.item', { id: k.id, customer: k.customerName, externalId: k.customerExternalId }),
        secondary: [
          k.status === 'open'
            ? t(k.deadline < now ? 'complaint.overdueSince' : 'complaint.dueBy', { when: formatDateTime(k.deadline, locale, ctx.timeZone) })
            : t('complaint.resolvedOn', { when: formatDateTime(k.resolvedAt!, locale, ctx.timeZone) }),
          k.ownerName ?? t('customer.card.unowned'),
          k.text.length > 80 ? `${k.text.slice(0, 80)}…` : k.text,
        ].join(' · '),
        ...(k.status === 'open' ? { actions: [ctx.button(t('buttons.resolve'), { command: 'complaint resolve', options: { id: k.id } }, { style: 'primary' })] } : {}),
      })),
      footer: t('complaint.page', { page, pages, count: result.total, total: formatNumber(result.total, locale) }),
      paging: pagingFor(page, pages, { command: 'complaints', options }, ctx),
    });
  },
});
