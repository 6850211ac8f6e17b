import { sql, type Kysely } from 'kysely';
import type { StoreDatabase } from '../store-database.js';
import type { Schema } from '../schema.js';
import { BOOLEAN_COLUMNS } from '../tables.js';
import { writeTransaction } from './store.js';
import { markScoresStale } from './score-store.js';

/**
 * What ImportChange.entity names, and the table and the columns an import may write there.
 * Orders and interactions carry the id of the run that inserted them (importRunId), so their
 * inserts need no ImportChange row: at a million orders that second insert per row cost as
 * much as the order itself. Their updates, and every insert elsewhere, go to ImportChange.
 */
export const ENTITIES = {
  customer: {
    table: 'Customer',
    columns: ['externalId', 'name', 'email', 'phone', 'birthdayMonth', 'birthdayDay', 'birthdayYear', 'timeZone', 'region', 'tags', 'ownerId', 'greetingOptOut'],
    timestamps: ['createdAt', 'updatedAt'],
  },
  order: {
    table: 'Order',
    columns: ['externalId', 'customerId', 'orderedAt', 'amountMinor', 'marginMinor', 'product', 'category', 'refundOf', 'occurrence'],
    timestamps: ['createdAt'],
    insertedBy: 'importRunId',
  },
  rep: {
    table: 'Rep',
    columns: ['email', 'name', 'role', 'teamId', 'slackUserId', 'discordUserId', 'timeZone', 'locale'],
    timestamps: ['createdAt', 'updatedAt'],
  },
  interaction: {
    table: 'Interaction',
    columns: ['customerId', 'repId', 'kind', 'at', 'text', 'satisfaction'],
    timestamps: ['createdAt'],
    insertedBy: 'importRunId',
  },
  team: { table: 'Team', columns: ['name'], timestamps: ['createdAt'] },
} as const;

export type Entity = keyof typeof ENTITIES;
/** A cell as the import writes it: booleans are 0/1 on both engines (the store converts for PostgreSQL). */
export type SqlValue = string | number | null;
export type Values = Record<string, SqlValue>;
export type StoredRow = Values & { id: number };
export type WriteOutcome = 'inserted' | 'updated' | 'unchanged';
export type ImportTable = (typeof ENTITIES)[Entity]['table'];

/**
 * The reads and writes an import applies rows with, inside its run's transaction. Inserts and
 * updates are recorded (ImportChange, or importRunId) so the run can be undone exactly.
 */
export interface ImportRows {
  readonly runId: number;
  /**
   * The customer and order ids the next rows will look up, read ahead in one query each on
   * PostgreSQL (a round trip per row would be most of the run); nothing to do on SQLite.
   */
  prefetch(keys: { customers: readonly string[]; orders: readonly string[] }): Promise<void>;
  customerId(externalId: string): Promise<number | undefined>;
  customer(externalId: string): Promise<StoredRow | undefined>;
  /** Another customer (not `externalId`) with this email or phone: its external id. */
  customerSharing(field: 'email' | 'phone', value: string, externalId: string): Promise<string | undefined>;
  repIdByEmail(email: string): Promise<number | undefined>;
  /** Up to two reps with this name (two means the name is ambiguous). */
  repIdsByName(name: string): Promise<number[]>;
  rep(email: string): Promise<StoredRow | undefined>;
  /** The email of another rep (not `email`) linked to this chat user id. */
  repLinkedTo(column: 'slackUserId' | 'discordUserId', userId: string, email: string): Promise<string | undefined>;
  teamId(name: string): Promise<number | undefined>;
  order(externalId: string): Promise<StoredRow | undefined>;
  customerIdOfOrder(externalId: string): Promise<number | undefined>;
  orderByNaturalKey(customerId: number, orderedAt: number, amountMinor: number, product: string | null, occurrence: number): Promise<StoredRow | undefined>;
  interactionByNaturalKey(customerId: number, repId: number | null, kind: string, at: number): Promise<StoredRow | undefined>;
  insert(entity: Entity, values: Values): Promise<number>;
  /** Inserts unless a row with the same `key` exists (no lookup first): true when inserted. */
  insertIfAbsent(entity: Entity, values: Values, key: string): Promise<boolean>;
  /** Writes the columns of `values` that differ from `stored`; 'unchanged' when none do. */
  update(entity: Entity, stored: StoredRow, values: Values): Promise<WriteOutcome>;
}

export interface RunCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** One import run's transaction: it holds the import lock until it commits or rolls back. */
export interface ImportTransaction extends ImportRows {
  /** The latest other applied run of the same kind with this content, or null. */
  earlierAppliedRun(contentHash: string, kind: string): Promise<{ id: number; startedAt: number } | null>;
  /** Brings touched check-ins up to date, marks scores stale when asked, records the run as applied and commits. */
  commit(outcome: { contentHash: string; counts: RunCounts; finishedAtMs: number; scoresStale: boolean }): Promise<void>;
  /** Undoes everything, the run record included; the lock is released. */
  rollback(): Promise<void>;
}

export interface RunStart {
  kind: string;
  fileName: string;
  actor: string;
  startedAtMs: number;
}

/** Why a run could not start: another import holds the lock. */
export const IMPORT_LOCKED = 'locked';

/** Imports of one database: one at a time (the import lock), each run one transaction. */
export interface ImportStore {
  /**
   * Takes the import lock and opens the run's transaction with its ImportRun row ('running').
   * IMPORT_LOCKED when another import holds the lock (on SQLite: the write lock, after the busy timeout).
   */
  begin(run: RunStart): Promise<ImportTransaction | typeof IMPORT_LOCKED>;
  /** A refused run, recorded outside any run transaction, with nothing applied: its id. */
  recordFailedRun(run: RunStart & { contentHash: string; rejected: number; finishedAtMs: number }): Promise<number>;
  /** Runs `work` as the one transaction of an undo. */
  undo<T>(work: (steps: UndoSteps) => Promise<T>): Promise<T>;
  /** An import run's kind and status, or undefined. */
  run(runId: number): Promise<{ id: number; kind: string; status: string } | undefined>;
}

export interface RecordedChange {
  id: number;
  entity: Entity;
  entityId: number;
  action: 'insert' | 'update';
  before: string | null;
}

/** The writes of an undo, inside its transaction. */
export interface UndoSteps {
  /** The first applied run after `runId` that inserted or updated a row `runId` touched, or null. */
  laterRunTouchingSameRows(runId: number): Promise<number | null>;
  /** Deletes the orders and interactions the run inserted: how many. */
  deleteInsertedByRun(runId: number): Promise<number>;
  /** The run's recorded changes, newest first, a page at a time. */
  changesNewestFirst(runId: number): AsyncGenerator<RecordedChange>;
  /** Deletes a row the run inserted (a customer's scores with it); 'referenced' when other data points at it. */
  deleteInserted(entity: Entity, id: number): Promise<'deleted' | 'referenced'>;
  restore(entity: Entity, id: number, before: Values): Promise<void>;
  /** Check-ins of every customer (undone orders and interactions move last touches back). */
  refreshAllCheckIns(): Promise<void>;
  markScoresStale(): Promise<void>;
  markUndone(runId: number, atMs: number): Promise<void>;
}

export function createImportStore(db: StoreDatabase): ImportStore {
  const rows = db.engine === 'sqlite' ? import('./import-sqlite.js').then((m) => m.sqliteImportEngine(db)) : import('./import-postgres.js').then((m) => m.postgresImportEngine(db));
  return {
    begin: async (run) => (await rows).begin(run),
    async recordFailedRun(run) {
      const inserted = await db.kysely
        .insertInto('ImportRun')
        .values({
          kind: run.kind,
          fileName: run.fileName,
          contentHash: run.contentHash,
          actor: run.actor,
          dryRun: false,
          status: 'failed',
          rejected: run.rejected,
          startedAt: run.startedAtMs,
          finishedAt: run.finishedAtMs,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return inserted.id;
    },
    async run(runId) {
      return db.kysely.selectFrom('ImportRun').select(['id', 'kind', 'status']).where('id', '=', runId).executeTakeFirst();
    },
    async undo(work) {
      const engine = await rows;
      return writeTransaction(db, (kysely) => work(undoSteps(kysely, engine)));
    },
  };
}

/** What differs by engine under the store: the run's transaction and the check-in refresh. */
export interface ImportEngine {
  begin(run: RunStart): Promise<ImportTransaction | typeof IMPORT_LOCKED>;
  refreshAllCheckIns(kysely: Kysely<Schema>): Promise<void>;
  /** Whether `error` is a foreign key refusing a delete. */
  isForeignKeyViolation(error: unknown): boolean;
}

/** The ImportRun row of a run that starts now. */
export async function insertRunningRun(kysely: Kysely<Schema>, run: RunStart): Promise<number> {
  const inserted = await kysely
    .insertInto('ImportRun')
    .values({ kind: run.kind, fileName: run.fileName, contentHash: '', actor: run.actor, dryRun: false, status: 'running', startedAt: run.startedAtMs })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

export async function earlierAppliedRun(kysely: Kysely<Schema>, runId: number, contentHash: string, kind: string): Promise<{ id: number; startedAt: number } | null> {
  const earlier = await kysely
    .selectFrom('ImportRun')
    .select(['id', 'startedAt'])
    .where('contentHash', '=', contentHash)
    .where('kind', '=', kind)
    .where('status', '=', 'applied')
    .where('id', '<>', runId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return earlier ?? null;
}

export async function markRunApplied(kysely: Kysely<Schema>, runId: number, contentHash: string, counts: RunCounts, finishedAtMs: number): Promise<void> {
  await kysely
    .updateTable('ImportRun')
    .set({ status: 'applied', contentHash, ...counts, finishedAt: finishedAtMs })
    .where('id', '=', runId)
    .execute();
}

const BOOLEANS = new Set(BOOLEAN_COLUMNS);

/** A stored row with booleans as the import compares them (0/1), whichever engine read it. */
export function importedRow(row: Record<string, unknown> | undefined): StoredRow | undefined {
  if (!row) return undefined;
  for (const column in row) if (typeof row[column] === 'boolean') row[column] = row[column] ? 1 : 0;
  return row as StoredRow;
}

/** Values for Kysely, with the import's 0/1 as booleans in Boolean columns (SQLite's plugin writes them back as 0/1). */
export function boundValues(values: Values): Record<string, SqlValue | boolean> {
  const bound: Record<string, SqlValue | boolean> = {};
  for (const column in values) bound[column] = BOOLEANS.has(column) && typeof values[column] === 'number' ? values[column] === 1 : values[column]!;
  return bound;
}

const CHANGE_PAGE = 10_000;

function undoSteps(kysely: Kysely<Schema>, engine: ImportEngine): UndoSteps {
  const trackedByRun = Object.values(ENTITIES).filter((spec) => 'insertedBy' in spec);
  return {
    async laterRunTouchingSameRows(runId) {
      // The rows this run touched as one keyed set (both engines hash or index an IN subquery):
      // linear for runs of millions of changes, where a correlated probe per change would not be.
      const touched = kysely
        .selectFrom('ImportChange')
        .select(['entity', 'entityId'])
        .where('runId', '=', runId)
        .union(kysely.selectFrom('Order').select([sql<string>`'order'`.as('entity'), 'id as entityId']).where('importRunId', '=', runId))
        .union(kysely.selectFrom('Interaction').select([sql<string>`'interaction'`.as('entity'), 'id as entityId']).where('importRunId', '=', runId));
      const later = await kysely
        .selectFrom('ImportChange as c')
        .innerJoin('ImportRun as r', (join) => join.onRef('r.id', '=', 'c.runId').on('r.status', '=', 'applied'))
        .select('c.runId')
        .where('c.runId', '>', runId)
        .where((eb) => eb(eb.refTuple('c.entity', 'c.entityId'), 'in', touched.$asTuple('entity', 'entityId')))
        .orderBy('c.runId')
        .limit(1)
        .executeTakeFirst();
      return later?.runId ?? null;
    },
    async deleteInsertedByRun(runId) {
      let deleted = 0;
      for (const spec of trackedByRun) {
        const result = await kysely.deleteFrom(spec.table).where('importRunId', '=', runId).executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
      return deleted;
    },
    async *changesNewestFirst(runId) {
      // Paged: a statement cannot stay open on SQLite while others write.
      let below: number | null = null;
      for (;;) {
        const changes = await kysely
          .selectFrom('ImportChange')
          .select(['id', 'entity', 'entityId', 'action', 'before'])
          .where('runId', '=', runId)
          .$if(below !== null, (page) => page.where('id', '<', below!))
          .orderBy('id', 'desc')
          .limit(CHANGE_PAGE)
          .execute();
        if (changes.length === 0) return;
        yield* changes as RecordedChange[];
        below = changes.at(-1)!.id;
      }
    },
    async deleteInserted(entity, id) {
      // Scores are derived from the customer; anything else pointing at the row blocks the undo.
      if (entity === 'customer') await kysely.deleteFrom('ScoreSnapshot').where('customerId', '=', id).execute();
      try {
        await kysely.deleteFrom(ENTITIES[entity].table).where('id', '=', id).execute();
        return 'deleted';
      } catch (error) {
        if (engine.isForeignKeyViolation(error)) return 'referenced';
        throw error;
      }
    },
    async restore(entity, id, before) {
      await kysely
        .updateTable(ENTITIES[entity].table)
        .set(boundValues(before) as never)
        .where('id', '=', id)
        .execute();
    },
    refreshAllCheckIns: () => engine.refreshAllCheckIns(kysely),
    markScoresStale: () => markScoresStale(kysely),
    async markUndone(runId, atMs) {
      await kysely.updateTable('ImportRun').set({ status: 'undone', undoneAt: atMs }).where('id', '=', runId).execute();
    },
  };
}
