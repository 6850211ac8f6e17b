import type { Kysely, NotNull } from 'kysely';
import type { BookMove, BookTransfers, IdentityDirectory, RepSummary } from '../commands/ports.js';
import type { Tier } from '../domain/tier.js';
import type { Schema } from './schema.js';
import { refreshCheckIns } from './stores/check-in-store.js';
import { readTeamSettings } from './stores/planning-store.js';
import { writeTransaction, type StoreHandle } from './stores/store.js';
import { inGroups } from './write-slices.js';

type Handover = Parameters<BookTransfers['assignBook']>[3];
type BookCustomer = { id: number; tier: string | null };

/** The customers of a rep's book (of one tier, or all), in the order they are dealt: each tier in turn, most valuable first. */
const bookOf = (tx: Kysely<Schema>, repId: number, tier: Tier | null): Promise<BookCustomer[]> =>
  tx
    .selectFrom('Customer as c')
    .leftJoin('ScoreSnapshot as s', (join) =>
      join.onRef('s.customerId', '=', 'c.id').on('s.week', '=', tx.selectFrom('ScoreSnapshot').select((eb) => eb.fn.max('week').as('week'))),
    )
    .select(['c.id', 's.tier'])
    .where('c.ownerId', '=', repId)
    .$if(tier !== null, (q) => q.where('s.tier', '=', tier!))
    .orderBy((eb) => eb.case('s.tier').when('A').then(0).when('B').then(1).when('C').then(2).when('D').then(3).else(4).end())
    .orderBy((eb) => eb.fn.coalesce('s.clv12Minor', 's.lifetimeMinor', eb.lit(0)), 'desc')
    .orderBy('c.id')
    .execute();

/** Ids per statement, and notes per insert (6 values each): far below SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const ID_CHUNK = 10_000;
const NOTE_CHUNK = 1_000;

/** Open callbacks, tickets and win-back plans of these customers: what moves with them. */
async function openWork(tx: Kysely<Schema>, customerIds: number[]): Promise<Pick<BookMove, 'callbacks' | 'tickets' | 'plans'>> {
  if (customerIds.length === 0) return { callbacks: 0, tickets: 0, plans: 0 };
  const count = async (table: 'Callback' | 'Ticket' | 'WinbackEpisode') => {
    let total = 0;
    for (const chunk of inGroups(customerIds, ID_CHUNK)) {
      const row = await tx
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'open')
        .where('customerId', 'in', chunk)
        .executeTakeFirstOrThrow();
      total += row.n;
    }
    return total;
  };
  return { callbacks: await count('Callback'), tickets: await count('Ticket'), plans: await count('WinbackEpisode') };
}

/**
 * 分户管理: books moving between reps in one transaction each. Customers change owner through
 * Customer.ownerId, so the triggers of callbacks_follow_customers and care_workflows move their
 * open callbacks, tickets and pending greetings along; win-back plans are read through the
 * customer, so they follow by themselves. Each moved customer gets a handover note (an
 * interaction of kind `handover`, which is no touch).
 */
export function createBookTransfers(db: StoreHandle, identities: Pick<IdentityDirectory, 'rep'>): BookTransfers {
  const repName = async (tx: Kysely<Schema>, repId: number) => (await tx.selectFrom('Rep').select('name').where('id', '=', repId).executeTakeFirstOrThrow()).name;

  /**
   * Moves each customer to the rep `dealTo` names, with a handover note; returns who got how many.
   * Set-based (an UPDATE per taker and chunk of ids, multi-row note inserts): a leaving rep's book
   * may be thousands of customers.
   */
  async function move(tx: Kysely<Schema>, fromId: number, customers: BookCustomer[], dealTo: (c: BookCustomer) => number, by: Handover): Promise<BookMove> {
    const at = by.at.getTime();
    const from = await repName(tx, fromId);
    const moved = { ...(await openWork(tx, customers.map((c) => c.id))), customers: customers.length };
    const takers = new Map<number, { name: string; customerIds: number[] }>();
    const notes = [];
    for (const customer of customers) {
      const to = dealTo(customer);
      const taker = takers.get(to) ?? { name: await repName(tx, to), customerIds: [] };
      taker.customerIds.push(customer.id);
      takers.set(to, taker);
      notes.push({ customerId: customer.id, repId: by.repId, kind: 'handover', at, text: by.note(from, taker.name), createdAt: at });
    }
    for (const [to, { customerIds }] of takers) {
      for (const ids of inGroups(customerIds, ID_CHUNK)) await tx.updateTable('Customer').set({ ownerId: to, updatedAt: at }).where('id', 'in', ids).execute();
    }
    for (const rows of inGroups(notes, NOTE_CHUNK)) await tx.insertInto('Interaction').values(rows).execute();
    // The new owners' teams may keep other cadences.
    const handle = { engine: db.engine, kysely: tx };
    await refreshCheckIns(handle, { customerIds: customers.map((c) => c.id) }, await readTeamSettings(handle));
    return { ...moved, to: [...takers].map(([repId, { name, customerIds }]) => ({ repId, name, customers: customerIds.length })) };
  }

  async function teamReps(teamId: number): Promise<RepSummary[]> {
    const rows = await db.kysely
      .selectFrom('Rep')
      .select('id')
      .where('teamId', '=', teamId)
      .where('active', '=', true)
      .where('role', '<>', 'admin')
      .orderBy('id')
      .execute();
    const reps = await Promise.all(rows.map((r) => identities.rep(r.id)));
    return reps.filter((r): r is RepSummary => r !== null);
  }

  return {
    teamReps,

    async deactivate(repId, to, by) {
      const rep = await db.kysely.selectFrom('Rep').select('teamId').where('id', '=', repId).executeTakeFirst();
      const team = rep?.teamId ?? null;
      const takers = to === 'spread' ? (team === null ? [] : (await teamReps(team)).filter((r) => r.id !== repId).map((r) => r.id)) : [to.repId];
      if (takers.length === 0) throw new Error('nobody to hand the book to');
      return writeTransaction(db, async (tx) => {
        const customers = await bookOf(tx, repId, null);
        // Spread fairly: each tier dealt in turn to whoever holds the fewest of it (then the fewest in all).
        const totals = await tx
          .selectFrom('Customer')
          .select((eb) => ['ownerId', eb.fn.countAll<number>().as('n')])
          .where('ownerId', 'in', takers)
          .groupBy('ownerId')
          .execute();
        const held = new Map(takers.map((id) => [id, { total: totals.find((t) => t.ownerId === id)?.n ?? 0, byTier: new Map<string, number>() }]));
        const result = await move(tx, repId, customers, (customer) => {
          const tier = customer.tier ?? '-';
          const pick = takers.reduce((best, id) => {
            const a = held.get(id)!;
            const b = held.get(best)!;
            const diff = (a.byTier.get(tier) ?? 0) - (b.byTier.get(tier) ?? 0) || a.total - b.total;
            return diff < 0 ? id : best;
          });
          const h = held.get(pick)!;
          h.total++;
          h.byTier.set(tier, (h.byTier.get(tier) ?? 0) + 1);
          return pick;
        }, by);
        // Callbacks the rep held on customers of others' books (a manager's, say) go to those customers' owners.
        await tx
          .updateTable('Callback')
          .set((eb) => ({ ownerId: eb.selectFrom('Customer as c').select('c.ownerId').whereRef('c.id', '=', 'Callback.customerId').$narrowType<{ ownerId: NotNull }>() }))
          .where('ownerId', '=', repId)
          .where('status', '=', 'open')
          .where((eb) => eb.exists(eb.selectFrom('Customer as c').select('c.id').whereRef('c.id', '=', 'Callback.customerId').where('c.ownerId', 'is not', null)))
          .execute();
        // Inactive: no agenda, digest or ping is planned for them any more, and what is pending is skipped.
        await tx.updateTable('Rep').set({ active: false, updatedAt: by.at.getTime() }).where('id', '=', repId).execute();
        return result;
      });
    },

    async assignBook(fromId, toId, tier, by) {
      return writeTransaction(db, async (tx) => move(tx, fromId, await bookOf(tx, fromId, tier), () => toId, by));
    },
  };
}
