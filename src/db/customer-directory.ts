import type { BookScope } from '../domain/actor.js';
import { normalizePhone } from '../domain/phone.js';
import { closestNames } from '../domain/similarity.js';
import type { CustomerCard, CustomerDirectory, CustomerSummary } from '../commands/ports.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

const SUGGESTION_POOL = 500;

export function scopeWhere(scope: BookScope): Prisma.CustomerWhereInput {
  switch (scope.kind) {
    case 'all':
      return {};
    case 'team':
      return { owner: { teamId: scope.teamId } };
    case 'owner':
      return { ownerId: scope.repId };
  }
}

const summarySelect = {
  id: true,
  externalId: true,
  name: true,
  email: true,
  phone: true,
  owner: { select: { name: true } },
} as const;

type SummaryRow = Prisma.CustomerGetPayload<{ select: typeof summarySelect }>;

function toSummary(row: SummaryRow): CustomerSummary {
  const { owner, ...rest } = row;
  return { ...rest, ownerName: owner?.name ?? null };
}

export function createCustomerDirectory(prisma: PrismaClient): CustomerDirectory {
  return {
    async search(query, scope, limit) {
      const q = query.trim();
      const inScope = scopeWhere(scope);
      const keys: Prisma.CustomerWhereInput[] = [{ externalId: q }, { email: q.toLowerCase() }, { name: q }];
      const phone = normalizePhone(q);
      if (phone) keys.push({ phone }, { phone: { endsWith: phone.replace(/^\+/, '') } });
      const exact = await prisma.customer.findMany({
        where: { AND: [inScope, { OR: keys }] },
        select: summarySelect,
        orderBy: { name: 'asc' },
        take: limit,
      });
      if (exact.length > 0) return { matches: exact.map(toSummary), total: exact.length };
      const partial: Prisma.CustomerWhereInput = { AND: [inScope, { name: { contains: q } }] };
      const [rows, total] = await Promise.all([
        prisma.customer.findMany({ where: partial, select: summarySelect, orderBy: { name: 'asc' }, take: limit }),
        prisma.customer.count({ where: partial }),
      ]);
      return { matches: rows.map(toSummary), total };
    },

    async suggest(query, scope, limit) {
      // Candidates share a character with the query; the edit distance then ranks them.
      const chars = [...new Set([...query.trim().toLowerCase()].filter((c) => c.trim() !== ''))].slice(0, 6);
      if (chars.length === 0) return [];
      const rows = await prisma.customer.findMany({
        where: { AND: [scopeWhere(scope), { OR: chars.map((c) => ({ name: { contains: c } })) }] },
        select: { name: true },
        take: SUGGESTION_POOL,
      });
      return closestNames(query.trim(), new Set(rows.map((r) => r.name)), limit);
    },

    async card(customerId) {
      const customer = await prisma.customer.findUnique({
        where: { id: customerId },
        include: {
          owner: { select: { name: true } },
          scores: { orderBy: { week: 'desc' }, take: 1, select: { tier: true, computedAt: true } },
        },
      });
      if (!customer) return null;
      const orders = await prisma.order.aggregate({
        where: { customerId },
        _sum: { amountMinor: true },
        _count: { _all: true },
        _max: { orderedAt: true },
      });
      const score = customer.scores[0];
      const card: CustomerCard = {
        ...toSummary(customer),
        region: customer.region,
        tags: customer.tags ? customer.tags.split(',').filter(Boolean) : [],
        birthday:
          customer.birthdayMonth && customer.birthdayDay
            ? { month: customer.birthdayMonth, day: customer.birthdayDay, year: customer.birthdayYear }
            : null,
        lifetimeMinor: orders._sum.amountMinor ?? 0,
        orderCount: orders._count._all,
        lastOrderAt: orders._max.orderedAt,
        score: score ? { tier: score.tier as 'A' | 'B' | 'C' | 'D', computedAt: score.computedAt } : null,
      };
      return card;
    },
  };
}
