import type { Kysely } from 'kysely';
import type { CallbackBook, CallbackEntry, CallbackStatus } from '../commands/ports.js';
import { withinBook } from './customer-segments.js';
import type { Schema } from './schema.js';
import type { StoreDatabase } from './store-database.js';
import { refreshCheckIns } from './stores/check-in-store.js';
import { readTeamSettings } from './stores/planning-store.js';
import { writeTransaction } from './stores/store.js';

/** A touch (a contact, a done callback, a new owner) moves the customers' next check-ins: inside the caller's transaction, `trx`. */
export async function refreshTouched(db: StoreDatabase, trx: Kysely<Schema>, customerIds: number[]): Promise<void> {
  const handle = { engine: db.engine, kysely: trx };
  await refreshCheckIns(handle, { customerIds }, await readTeamSettings(handle));
}

function entries(kysely: Kysely<Schema>) {
  return kysely
    .selectFrom('Callback as cb')
    .innerJoin('Customer as c', 'c.id', 'cb.customerId')
    .innerJoin('Rep as r', 'r.id', 'cb.ownerId')
    .select(['cb.id', 'cb.customerId', 'c.name as customerName', 'c.externalId as customerExternalId', 'cb.ownerId', 'r.name as ownerName', 'cb.dueAt', 'cb.timed', 'cb.note', 'cb.status', 'cb.source']);
}

type CallbackRow = Awaited<ReturnType<ReturnType<typeof entries>['executeTakeFirstOrThrow']>>;

function toEntry(row: CallbackRow): CallbackEntry {
  return { ...row, dueAt: new Date(row.dueAt), status: row.status as CallbackStatus };
}

/**
 * Callbacks, in the same Callback table the scheduler plans nudges from. A callback is seen
 * through its customer's book (withinBook on `c`), never through who owns the callback; the
 * triggers of migration callbacks_follow_customers move open callbacks with their customer.
 */
export function createCallbackBook(db: StoreDatabase): CallbackBook {
  const { kysely } = db;
  return {
    async create(callback) {
      const row = await kysely
        .insertInto('Callback')
        .values({
          customerId: callback.customerId,
          ownerId: callback.ownerId,
          dueAt: callback.dueAt.getTime(),
          timed: callback.timed,
          note: callback.note,
          status: 'open',
          source: callback.source,
          createdAt: Date.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return toEntry(await entries(kysely).where('cb.id', '=', row.id).executeTakeFirstOrThrow());
    },

    async get(callbackId, scope) {
      const row = await entries(kysely)
        .where((eb) => eb.and([eb('cb.id', '=', callbackId), ...withinBook(eb, scope)]))
        .executeTakeFirst();
      return row ? toEntry(row) : null;
    },

    async open(ownerId, scope, until, limit) {
      const rows = await entries(kysely)
        .where((eb) => eb.and([eb('cb.ownerId', '=', ownerId), eb('cb.status', '=', 'open'), eb('cb.dueAt', '<', until.getTime()), ...withinBook(eb, scope)]))
        .orderBy('cb.dueAt')
        .orderBy('cb.id')
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },

    async complete(callbackId, at) {
      // A completed callback is a touch: the customer's next check-in moves.
      await writeTransaction(db, async (trx) => {
        const done = await trx
          .updateTable('Callback')
          .set({ status: 'done', completedAt: at.getTime() })
          .where('id', '=', callbackId)
          .returning('customerId')
          .executeTakeFirst();
        if (done) await refreshTouched(db, trx, [done.customerId]);
      });
    },

    async cancel(callbackId) {
      await kysely.updateTable('Callback').set({ status: 'cancelled', completedAt: null }).where('id', '=', callbackId).execute();
    },

    async reschedule(callbackId, dueAt, timed) {
      await kysely.updateTable('Callback').set({ dueAt: dueAt.getTime(), timed }).where('id', '=', callbackId).execute();
    },
  };
}
