import { sql, type ControlledTransaction, type Kysely } from 'kysely';
import type { PostgresDatabase } from '../postgres/postgres-database.js';
import type { Schema } from '../schema.js';
import { refreshCheckIns, type CheckInScope } from './check-in-store.js';
import { readTeamSettings } from './planning-store.js';
import {
  boundValues,
  earlierAppliedRun,
  ENTITIES,
  IMPORT_LOCKED,
  importedRow,
  insertRunningRun,
  markRunApplied,
  type Entity,
  type ImportEngine,
  type ImportTransaction,
  type Values,
  type WriteOutcome,
} from './import-store.js';
import { markScoresStale } from './score-store.js';

/** The advisory lock one import holds for its transaction: any fixed 64-bit key, Rapport's own (not the migrations'). */
export const IMPORT_LOCK_KEY = 7_265_340_175_042_016n;

/**
 * Rows per multi-row INSERT of new orders: 1,000 rows of 11 columns stay far below PostgreSQL's
 * 65,535 parameters, and measured as fast as larger statements.
 */
const ORDER_FLUSH_ROWS = 1000;
/** Keys per prefetching IN list. */
const PREFETCH_CHUNK = 5000;
const MAX_KNOWN_CUSTOMERS = 200_000;

/**
 * PostgreSQL's import: the run's transaction on one pooled connection, holding a
 * transaction-level advisory lock (the import lock: a second import is refused at once, and a
 * crashed importer's lock ends with its connection). New orders with an id, the bulk of large
 * files, are known new from their batch's prefetch (under the lock no other import adds one) and
 * written by multi-row INSERTs; everything else row by row. COPY into a staging table then
 * INSERT … SELECT … ON CONFLICT measured ~1.5x multi-row INSERT … ON CONFLICT in isolation (29k
 * vs 18k rows/s), but needs the raw `pg` client under Kysely's transaction, and would shorten
 * the import by about an eighth: the insert is not what bounds it (the bench: ~60% of a plain
 * COPY of the same rows; decoding, parsing and validating are the rest).
 */
export function postgresImportEngine(db: PostgresDatabase): ImportEngine {
  return {
    async begin(run) {
      const trx = await db.kysely.startTransaction().execute();
      try {
        const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(CAST(${IMPORT_LOCK_KEY.toString()} AS BIGINT)) AS locked`.execute(trx);
        if (!rows[0]!.locked) {
          await trx.rollback().execute();
          return IMPORT_LOCKED;
        }
        const runId = await insertRunningRun(trx, run);
        return postgresTransaction(trx, runId, run.startedAtMs);
      } catch (error) {
        await trx.rollback().execute();
        throw error;
      }
    },
    refreshAllCheckIns: (kysely) => refreshCheckInsOf(kysely, 'all'),
    isForeignKeyViolation: (error) => (error as { code?: string }).code === '23503',
  };
}

type Table = (typeof ENTITIES)[Entity]['table'];

/** The check-in refresh of src/db/stores/check-in-store.ts inside the import's transaction. */
async function refreshCheckInsOf(kysely: Kysely<Schema>, scope: CheckInScope): Promise<void> {
  const handle = { engine: 'postgres' as const, kysely };
  await refreshCheckIns(handle, scope, await readTeamSettings(handle));
}

function postgresTransaction(trx: ControlledTransaction<Schema>, runId: number, nowMs: number): ImportTransaction {
  const kysely: Kysely<Schema> = trx;
  /** New orders waiting for their multi-row insert. */
  let pendingOrders: Record<string, unknown>[] = [];
  /** Order ids of the prefetched batch: all of them, those stored before it, those it inserted. */
  let probedOrders = new Set<string>();
  let storedOrders = new Set<string>();
  let insertedOrders = new Set<string>();
  /** Customers whose orders, contacts or own row the run wrote, and reps it moved to another team: their check-ins are refreshed at commit. */
  const touchedCustomers = new Set<number>();
  const movedReps = new Set<number>();
  const noteTouch = (entity: Entity, id: number, values: Values) => {
    if (entity === 'customer') touchedCustomers.add(id);
    else if ((entity === 'order' || entity === 'interaction') && typeof values.customerId === 'number') touchedCustomers.add(values.customerId);
  };
  /** Customer ids by external id as prefetched (null: none then); bounded like the appliers' caches. */
  const knownCustomers = new Map<string, number | null>();

  const flushOrders = async () => {
    if (pendingOrders.length === 0) return;
    const rows = pendingOrders;
    pendingOrders = [];
    await kysely.insertInto('Order').values(rows as never).execute();
  };
  const stamped = (entity: Entity, values: Values) => {
    const spec = ENTITIES[entity];
    const row: Record<string, unknown> = boundValues(values);
    if ('insertedBy' in spec) row[spec.insertedBy] = runId;
    // DateTime columns hold epoch milliseconds, as on SQLite.
    for (const stamp of spec.timestamps) row[stamp] = nowMs;
    return row;
  };
  const recordChange = (entity: Entity, entityId: number, action: 'insert' | 'update', before: string | null) =>
    kysely.insertInto('ImportChange').values({ runId, entity, entityId, action, before }).execute();
  const selectAll = (table: Table) => kysely.selectFrom(table as 'Customer').selectAll();
  const first = async <T>(query: { executeTakeFirst(): Promise<T> }) => query.executeTakeFirst();

  const inChunks = async <T>(keys: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> => {
    const found: T[] = [];
    for (let at = 0; at < keys.length; at += PREFETCH_CHUNK) found.push(...(await read(keys.slice(at, at + PREFETCH_CHUNK) as string[])));
    return found;
  };

  return {
    runId,
    async prefetch(keys) {
      // Orders pending from the last batch are written first, so this batch's probe sees them.
      await flushOrders();
      if (knownCustomers.size > MAX_KNOWN_CUSTOMERS) knownCustomers.clear();
      const customers = [...new Set(keys.customers)].filter((externalId) => !knownCustomers.has(externalId));
      for (const externalId of customers) knownCustomers.set(externalId, null);
      const found = await inChunks(customers, (chunk) => kysely.selectFrom('Customer').select(['id', 'externalId']).where('externalId', 'in', chunk).execute());
      for (const customer of found) knownCustomers.set(customer.externalId, customer.id);
      probedOrders = new Set(keys.orders);
      insertedOrders = new Set();
      const stored = await inChunks([...probedOrders], (chunk) => kysely.selectFrom('Order').select('externalId').where('externalId', 'in', chunk).execute());
      storedOrders = new Set(stored.map((order) => order.externalId!));
    },
    async customerId(externalId) {
      const known = knownCustomers.get(externalId);
      if (known !== undefined) return known ?? undefined;
      return (await first(kysely.selectFrom('Customer').select('id').where('externalId', '=', externalId)))?.id;
    },
    customer: async (externalId) => importedRow(await first(selectAll('Customer').where('externalId', '=', externalId))),
    customerSharing: async (field, value, externalId) =>
      (await first(kysely.selectFrom('Customer').select('externalId').where(field, '=', value).where('externalId', '<>', externalId).limit(1)))?.externalId,
    repIdByEmail: async (email) => (await first(kysely.selectFrom('Rep').select('id').where('email', '=', email)))?.id,
    repIdsByName: async (name) => (await kysely.selectFrom('Rep').select('id').where('name', '=', name).orderBy('id').limit(2).execute()).map((rep) => rep.id),
    rep: async (email) => importedRow(await first(kysely.selectFrom('Rep').selectAll().where('email', '=', email))),
    repLinkedTo: async (column, userId, email) => (await first(kysely.selectFrom('Rep').select('email').where(column, '=', userId).where('email', '<>', email)))?.email,
    teamId: async (name) => (await first(kysely.selectFrom('Team').select('id').where('name', '=', name)))?.id,
    async order(externalId) {
      await flushOrders();
      return importedRow(await first(kysely.selectFrom('Order').selectAll().where('externalId', '=', externalId)));
    },
    async customerIdOfOrder(externalId) {
      await flushOrders();
      return (await first(kysely.selectFrom('Order').select('customerId').where('externalId', '=', externalId)))?.customerId;
    },
    async orderByNaturalKey(customerId, orderedAt, amountMinor, product, occurrence) {
      await flushOrders();
      return importedRow(
        await first(
          kysely
            .selectFrom('Order')
            .selectAll()
            .where('customerId', '=', customerId)
            .where('orderedAt', '=', orderedAt)
            .where('amountMinor', '=', amountMinor)
            .where('product', product === null ? 'is' : '=', product)
            .where('externalId', 'is', null)
            .where('occurrence', '=', occurrence)
            .limit(1),
        ),
      );
    },
    interactionByNaturalKey: async (customerId, repId, kind, at) =>
      importedRow(
        await first(
          kysely
            .selectFrom('Interaction')
            .selectAll()
            .where('customerId', '=', customerId)
            .where('repId', repId === null ? 'is' : '=', repId)
            .where('kind', '=', kind)
            .where('at', '=', at)
            .limit(1),
        ),
      ),
    async insert(entity, values) {
      if (entity === 'order') await flushOrders();
      if (entity === 'customer' && typeof values.externalId === 'string') knownCustomers.delete(values.externalId);
      const { table } = ENTITIES[entity];
      const inserted = await kysely
        .insertInto(table as 'Customer')
        .values(stamped(entity, values) as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      noteTouch(entity, inserted.id, values);
      if (!('insertedBy' in ENTITIES[entity])) await recordChange(entity, inserted.id, 'insert', null);
      return inserted.id;
    },
    async insertIfAbsent(entity, values, key) {
      const keyValue = values[key];
      // Most orders of a large file are new: known so from the batch's prefetch, their writes
      // wait for the next multi-row insert. A stored id, or one repeated in the file, takes the row path.
      if (entity === 'order' && key === 'externalId' && typeof keyValue === 'string' && probedOrders.has(keyValue)) {
        if (!storedOrders.has(keyValue) && !insertedOrders.has(keyValue)) {
          insertedOrders.add(keyValue);
          noteTouch(entity, 0, values);
          pendingOrders.push(stamped(entity, values));
          if (pendingOrders.length >= ORDER_FLUSH_ROWS) await flushOrders();
          return true;
        }
      }
      if (entity === 'order') await flushOrders();
      const { table } = ENTITIES[entity];
      const inserted = await kysely
        .insertInto(table as 'Customer')
        .values(stamped(entity, values) as never)
        .onConflict((oc) => oc.column(key as 'externalId').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      noteTouch(entity, inserted.id, values);
      if (!('insertedBy' in ENTITIES[entity])) await recordChange(entity, inserted.id, 'insert', null);
      return true;
    },
    async update(entity, stored, values): Promise<WriteOutcome> {
      const changed = Object.keys(values).filter((column) => stored[column] !== values[column]);
      if (changed.length === 0) return 'unchanged';
      if (entity === 'order') await flushOrders();
      const { table, timestamps } = ENTITIES[entity];
      const touchesUpdatedAt = (timestamps as readonly string[]).includes('updatedAt');
      const set: Values = {};
      const before: Values = {};
      for (const column of changed) {
        set[column] = values[column]!;
        before[column] = stored[column] ?? null;
      }
      if (touchesUpdatedAt) {
        set.updatedAt = nowMs;
        before.updatedAt = stored.updatedAt ?? null;
      }
      await kysely
        .updateTable(table as 'Customer')
        .set(boundValues(set) as never)
        .where('id', '=', stored.id)
        .execute();
      noteTouch(entity, stored.id, stored);
      noteTouch(entity, stored.id, values);
      if (entity === 'rep' && changed.includes('teamId')) movedReps.add(stored.id);
      await recordChange(entity, stored.id, 'update', JSON.stringify(before));
      return 'updated';
    },
    earlierAppliedRun: (contentHash, kind) => earlierAppliedRun(kysely, runId, contentHash, kind),
    async commit({ contentHash, counts, finishedAtMs, scoresStale }) {
      try {
        await flushOrders();
        if (touchedCustomers.size > 0) await refreshCheckInsOf(kysely, { customerIds: touchedCustomers });
        if (movedReps.size > 0) await refreshCheckInsOf(kysely, { ownerIds: movedReps });
        if (scoresStale) await markScoresStale(kysely);
        await markRunApplied(kysely, runId, contentHash, counts, finishedAtMs);
      } catch (error) {
        await trx.rollback().execute();
        throw error;
      }
      await trx.commit().execute();
    },
    async rollback() {
      await trx.rollback().execute();
    },
  };
}

