import type { BookMove, BookTransfers, RepSummary } from '../commands/ports.js';
import type { Tier } from '../domain/tier.js';
import { refreshCheckIns } from './check-ins.js';
import { createIdentityDirectory } from './identity-directory.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import type { Sqlite } from './sqlite.js';

/** The order customers are dealt in when a book is spread: each tier in turn, most valuable first. */
const TIER_ORDER = "CASE s.tier WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 WHEN 'D' THEN 3 ELSE 4 END";

/**
 * 分户管理: books moving between reps in one transaction each. Customers change owner through
 * Customer.ownerId, so the triggers of callbacks_follow_customers and care_workflows move their
 * open callbacks, tickets and pending greetings along; win-back plans are read through the
 * customer, so they follow by themselves. Each moved customer gets a handover note (an
 * interaction of kind `handover`, which is no touch).
 */
export function createBookTransfers(sqlite: Sqlite): BookTransfers {
  // The identity directory is on Kysely (either engine); this module still holds only the raw handle.
  const identities = createIdentityDirectory({ engine: 'sqlite', kysely: createSqliteKysely(sqlite) });
  const repName = sqlite.prepare('SELECT name FROM Rep WHERE id = ?').pluck();
  const customersOf = (repId: number, tier: Tier | null) =>
    sqlite
      .prepare(
        `SELECT c.id, s.tier FROM Customer c LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
         WHERE c.ownerId = ? ${tier === null ? '' : 'AND s.tier = ?'}
         ORDER BY ${TIER_ORDER}, COALESCE(s.clv12Minor, s.lifetimeMinor, 0) DESC, c.id`,
      )
      .all(...(tier === null ? [repId] : [repId, tier])) as { id: number; tier: string | null }[];
  const counts = (ids: number[]) => {
    const list = JSON.stringify(ids);
    const count = (sql: string) => sqlite.prepare(sql).pluck().get(list) as number;
    return {
      callbacks: count("SELECT COUNT(*) FROM Callback WHERE status = 'open' AND customerId IN (SELECT value FROM json_each(?))"),
      tickets: count("SELECT COUNT(*) FROM Ticket WHERE status = 'open' AND customerId IN (SELECT value FROM json_each(?))"),
      plans: count("SELECT COUNT(*) FROM WinbackEpisode WHERE status = 'open' AND customerId IN (SELECT value FROM json_each(?))"),
    };
  };

  /** Moves each customer to the rep `dealTo` names, with a handover note; returns who got how many. */
  function move(fromId: number, customers: { id: number; tier: string | null }[], dealTo: (c: { id: number; tier: string | null }) => number, by: Parameters<BookTransfers['assignBook']>[3]): BookMove {
    const setOwner = sqlite.prepare('UPDATE Customer SET ownerId = ?, updatedAt = ? WHERE id = ?');
    const note = sqlite.prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, createdAt) VALUES (?, ?, 'handover', ?, ?, ?)");
    const from = repName.get(fromId) as string;
    const moved = { ...counts(customers.map((c) => c.id)), customers: customers.length };
    const perRep = new Map<number, number>();
    for (const customer of customers) {
      const to = dealTo(customer);
      setOwner.run(to, by.at.getTime(), customer.id);
      note.run(customer.id, by.repId, by.at.getTime(), by.note(from, repName.get(to) as string), by.at.getTime());
      perRep.set(to, (perRep.get(to) ?? 0) + 1);
    }
    // The new owners' teams may keep other cadences.
    refreshCheckIns(sqlite, { customerIds: customers.map((c) => c.id) });
    return { ...moved, to: [...perRep].map(([repId, n]) => ({ repId, name: repName.get(repId) as string, customers: n })) };
  }

  async function teamReps(teamId: number): Promise<RepSummary[]> {
    const ids = sqlite.prepare("SELECT id FROM Rep WHERE teamId = ? AND active = 1 AND role <> 'admin' ORDER BY id").pluck().all(teamId) as number[];
    const reps = await Promise.all(ids.map((id) => identities.rep(id)));
    return reps.filter((r): r is RepSummary => r !== null);
  }

  return {
    teamReps,

    async deactivate(repId, to, by) {
      const team = sqlite.prepare('SELECT teamId FROM Rep WHERE id = ?').pluck().get(repId) as number | null;
      const takers = to === 'spread' ? (team === null ? [] : (await teamReps(team)).filter((r) => r.id !== repId).map((r) => r.id)) : [to.repId];
      if (takers.length === 0) throw new Error('nobody to hand the book to');
      return sqlite.transaction(() => {
        const customers = customersOf(repId, null);
        // Spread fairly: each tier dealt in turn to whoever holds the fewest of it (then the fewest in all).
        const held = new Map(takers.map((id) => [id, { total: sqlite.prepare('SELECT COUNT(*) FROM Customer WHERE ownerId = ?').pluck().get(id) as number, byTier: new Map<string, number>() }]));
        const result = move(repId, customers, (customer) => {
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
        sqlite
          .prepare(`UPDATE Callback SET ownerId = (SELECT c.ownerId FROM Customer c WHERE c.id = Callback.customerId)
            WHERE ownerId = ? AND status = 'open' AND (SELECT c.ownerId FROM Customer c WHERE c.id = Callback.customerId) IS NOT NULL`)
          .run(repId);
        // Inactive: no agenda, digest or ping is planned for them any more, and what is pending is skipped.
        sqlite.prepare('UPDATE Rep SET active = 0, updatedAt = ? WHERE id = ?').run(by.at.getTime(), repId);
        return result;
      })();
    },

    async assignBook(fromId, toId, tier, by) {
      return sqlite.transaction(() => move(fromId, customersOf(fromId, tier), () => toId, by))();
    },
  };
}
