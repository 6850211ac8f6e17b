import type { CallbackBook, CallbackEntry, CallbackStatus } from '../commands/ports.js';
import { refreshCheckIns } from './check-ins.js';
import type { Sqlite } from './database.js';
import { scopeSql } from './customer-segments.js';

const SELECT = `SELECT cb.id, cb.customerId, c.name AS customerName, c.externalId AS customerExternalId, cb.ownerId,
    r.name AS ownerName, cb.dueAt, cb.timed, cb.note, cb.status, cb.source
  FROM Callback cb JOIN Customer c ON c.id = cb.customerId JOIN Rep r ON r.id = cb.ownerId`;

interface CallbackRow extends Omit<CallbackEntry, 'dueAt' | 'timed' | 'status'> {
  dueAt: number;
  timed: number;
  status: string;
}

function toEntry(row: CallbackRow): CallbackEntry {
  return { ...row, dueAt: new Date(row.dueAt), timed: row.timed === 1, status: row.status as CallbackStatus };
}

/**
 * Callbacks on raw SQL, in the same Callback table the scheduler plans nudges from. A callback
 * is seen through its customer's book (scopeSql on `c`), never through who owns the callback;
 * the triggers of migration callbacks_follow_customers move open callbacks with their customer.
 */
export function createCallbackBook(sqlite: Sqlite): CallbackBook {
  const insert = sqlite.prepare(
    "INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
  );
  const byId = sqlite.prepare(`${SELECT} WHERE cb.id = ?`);
  const setStatus = sqlite.prepare('UPDATE Callback SET status = ?, completedAt = ? WHERE id = ?');
  const setDue = sqlite.prepare('UPDATE Callback SET dueAt = ?, timed = ? WHERE id = ?');
  const customerOf = sqlite.prepare('SELECT customerId FROM Callback WHERE id = ?').pluck();

  return {
    async create(callback) {
      const id = insert.run(
        callback.customerId, callback.ownerId, callback.dueAt.getTime(), callback.timed ? 1 : 0, callback.note, callback.source, Date.now(),
      ).lastInsertRowid;
      return toEntry(byId.get(Number(id)) as CallbackRow);
    },

    async get(callbackId, scope) {
      const { clause, values } = scopeSql(scope);
      const row = sqlite.prepare(`${SELECT} WHERE cb.id = ? ${clause}`).get(callbackId, ...values) as CallbackRow | undefined;
      return row ? toEntry(row) : null;
    },

    async open(ownerId, scope, until, limit) {
      const { clause, values } = scopeSql(scope);
      const rows = sqlite
        .prepare(`${SELECT} WHERE cb.ownerId = ? AND cb.status = 'open' AND cb.dueAt < ? ${clause} ORDER BY cb.dueAt, cb.id LIMIT ?`)
        .all(ownerId, until.getTime(), ...values, limit) as CallbackRow[];
      return rows.map(toEntry);
    },

    async complete(callbackId, at) {
      // A completed callback is a touch: the customer's next check-in moves.
      sqlite.transaction(() => {
        setStatus.run('done', at.getTime(), callbackId);
        refreshCheckIns(sqlite, { customerIds: [customerOf.get(callbackId) as number] });
      })();
    },

    async cancel(callbackId) {
      setStatus.run('cancelled', null, callbackId);
    },

    async reschedule(callbackId, dueAt, timed) {
      setDue.run(dueAt.getTime(), timed ? 1 : 0, callbackId);
    },
  };
}
