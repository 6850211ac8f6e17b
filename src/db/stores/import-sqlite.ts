import BetterSqlite3 from 'better-sqlite3';
import { refreshCheckIns } from '../check-ins.js';
import type { Database, Sqlite } from '../database.js';
import { createSqliteKysely } from '../sqlite-kysely.js';
import {
  earlierAppliedRun,
  ENTITIES,
  IMPORT_LOCKED,
  insertRunningRun,
  markRunApplied,
  type Entity,
  type ImportEngine,
  type ImportRows,
  type ImportTransaction,
  type SqlValue,
  type StoredRow,
  type Values,
  type WriteOutcome,
} from './import-store.js';
import { markScoresStale } from './score-store.js';

type Statement = BetterSqlite3.Statement<unknown[]>;

const BUSY_TIMEOUT_MS = 5000;

/**
 * SQLite's import: the run's transaction on a connection of its own, rows written through
 * prepared statements (the bulk path: Kysely's query building per row would cost more than the
 * insert itself). The write lock SQLite takes for the transaction is the import lock.
 */
export function sqliteImportEngine(db: Database): ImportEngine {
  return {
    begin: async (run) => {
      const connection = openImportConnection(db);
      const { sqlite } = connection;
      try {
        // IMMEDIATE takes the write lock now, so the run never fails half-way on a busy database.
        sqlite.exec('BEGIN IMMEDIATE');
      } catch (error) {
        connection.close();
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return IMPORT_LOCKED;
        throw error;
      }
      try {
        const kysely = createSqliteKysely(sqlite);
        const runId = await insertRunningRun(kysely, run);
        return sqliteTransaction(sqlite, kysely, runId, run.startedAtMs, connection.close);
      } catch (error) {
        sqlite.exec('ROLLBACK');
        connection.close();
        throw error;
      }
    },
    // Inside the undo's transaction, on the same handle Kysely runs on.
    refreshAllCheckIns: async () => refreshCheckIns(db.sqlite, 'all'),
    isForeignKeyViolation(error) {
      // Inside the name-search trigger (migration customer_search) the failure reports as a trigger constraint.
      const code = (error as { code?: string }).code;
      return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || (code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY/.test((error as Error).message));
    },
  };
}

/**
 * The import's own connection, so its long transaction holds only its own work: another part
 * of the same process writing through `db.sqlite` meanwhile waits for the lock instead of
 * landing inside (and being rolled back with) the import.
 */
function openImportConnection(db: Database): { sqlite: Sqlite; close(): void } {
  if (db.file === ':memory:') return { sqlite: db.sqlite, close: () => {} };
  const sqlite = new BetterSqlite3(db.file, { timeout: BUSY_TIMEOUT_MS });
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('cache_size = -32000');
  return { sqlite, close: () => sqlite.close() };
}

function sqliteTransaction(sqlite: Sqlite, kysely: ReturnType<typeof createSqliteKysely>, runId: number, nowMs: number, close: () => void): ImportTransaction {
  const writer = new RunWriter(sqlite, runId, nowMs);
  const end = (statement: 'COMMIT' | 'ROLLBACK') => {
    try {
      if (sqlite.inTransaction) sqlite.exec(statement);
    } finally {
      close();
    }
  };
  return {
    ...sqliteRows(sqlite, writer),
    earlierAppliedRun: (contentHash, kind) => earlierAppliedRun(kysely, runId, contentHash, kind),
    async commit({ contentHash, counts, finishedAtMs, scoresStale }) {
      try {
        writer.refreshCheckIns();
        // Scores are computed from customers (owners, teams), orders and reps: they are stale until rescored.
        if (scoresStale) await markScoresStale(kysely);
        await markRunApplied(kysely, runId, contentHash, counts, finishedAtMs);
      } catch (error) {
        end('ROLLBACK');
        throw error;
      }
      end('COMMIT');
    },
    rollback: async () => end('ROLLBACK'),
  };
}

/** The row reads and writes on prepared statements: each prepared once per run. */
function sqliteRows(sqlite: Sqlite, writer: RunWriter): ImportRows {
  const pluck = (text: string) => sqlite.prepare(text).pluck();
  const customerId = pluck('SELECT id FROM Customer WHERE externalId = ?');
  const customer = sqlite.prepare('SELECT * FROM Customer WHERE externalId = ?');
  const sharing = { email: pluck('SELECT externalId FROM Customer WHERE email = ? AND externalId <> ? LIMIT 1'), phone: pluck('SELECT externalId FROM Customer WHERE phone = ? AND externalId <> ? LIMIT 1') };
  const repByEmail = pluck('SELECT id FROM Rep WHERE email = ?');
  const repsByName = pluck('SELECT id FROM Rep WHERE name = ? ORDER BY id LIMIT 2');
  const rep = sqlite.prepare('SELECT * FROM Rep WHERE email = ?');
  const linked = { slackUserId: pluck('SELECT email FROM Rep WHERE slackUserId = ? AND email <> ?'), discordUserId: pluck('SELECT email FROM Rep WHERE discordUserId = ? AND email <> ?') };
  const team = pluck('SELECT id FROM Team WHERE name = ?');
  const order = sqlite.prepare('SELECT * FROM "Order" WHERE externalId = ?');
  const customerOfOrder = pluck('SELECT customerId FROM "Order" WHERE externalId = ?');
  const orderByNaturalKey = sqlite.prepare(
    'SELECT * FROM "Order" WHERE customerId = ? AND orderedAt = ? AND amountMinor = ? AND product IS ? AND externalId IS NULL AND occurrence = ? LIMIT 1',
  );
  const interactionByNaturalKey = sqlite.prepare('SELECT * FROM Interaction WHERE customerId = ? AND repId IS ? AND kind = ? AND at = ? LIMIT 1');
  return {
    runId: writer.runId,
    // A prepared point lookup in process costs less than reading ahead would.
    prefetch: async () => {},
    customerId: async (externalId) => customerId.get(externalId) as number | undefined,
    customer: async (externalId) => customer.get(externalId) as StoredRow | undefined,
    customerSharing: async (field, value, externalId) => sharing[field].get(value, externalId) as string | undefined,
    repIdByEmail: async (email) => repByEmail.get(email) as number | undefined,
    repIdsByName: async (name) => repsByName.all(name) as number[],
    rep: async (email) => rep.get(email) as StoredRow | undefined,
    repLinkedTo: async (column, userId, email) => linked[column].get(userId, email) as string | undefined,
    teamId: async (name) => team.get(name) as number | undefined,
    order: async (externalId) => order.get(externalId) as StoredRow | undefined,
    customerIdOfOrder: async (externalId) => customerOfOrder.get(externalId) as number | undefined,
    orderByNaturalKey: async (...key) => orderByNaturalKey.get(...key) as StoredRow | undefined,
    interactionByNaturalKey: async (...key) => interactionByNaturalKey.get(...key) as StoredRow | undefined,
    insert: async (entity, values) => writer.insert(entity, values),
    insertIfAbsent: async (entity, values, key) => writer.insertIfAbsent(entity, values, key) !== null,
    update: async (entity, stored, values) => writer.update(entity, stored, values),
  };
}

interface InsertStatement {
  entity: Entity;
  conflictKey: string | null;
  /** The columns of `values`, in order; the run id and timestamps follow them. */
  columns: readonly string[];
  statement: Statement;
  tracked: boolean;
  timestamps: number;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at++) if (a[at] !== b[at]) return false;
  return true;
}

/**
 * Inserts and in-place updates for one import run on SQLite, each recorded in ImportChange (an
 * update with the previous values of the columns it changed) so the run can be undone exactly.
 * Statements are prepared once per column set: rows of one file mostly share one.
 */
export class RunWriter {
  readonly #statements = new Map<string, Statement>();
  /** Insert statements per entity, one per conflict key and column list (a file's rows mostly share one). */
  readonly #inserts = new Map<Entity, InsertStatement[]>();
  #lastInsert: InsertStatement | null = null;
  readonly #recordChange: Statement;
  /** Customers whose last touch, owner or creation this run changed: their check-ins move. */
  readonly #touchedCustomers = new Set<number>();
  /** Reps this run moved to another team: their customers' cadences change. */
  readonly #movedReps = new Set<number>();

  constructor(
    private readonly sqlite: Sqlite,
    readonly runId: number,
    private readonly nowMs: number,
  ) {
    this.#recordChange = sqlite.prepare<unknown[]>('INSERT INTO ImportChange (runId, entity, entityId, action, before) VALUES (?, ?, ?, ?, ?)');
  }

  #prepare(key: string, sql: () => string): Statement {
    let statement = this.#statements.get(key);
    if (!statement) {
      statement = this.sqlite.prepare<unknown[]>(sql());
      this.#statements.set(key, statement);
    }
    return statement;
  }

  insert(entity: Entity, values: Values): number {
    return this.#insert(entity, values, null)!;
  }

  /** Inserts unless a row with the same `key` exists (one statement, no lookup first); the new id or null. */
  insertIfAbsent(entity: Entity, values: Values, key: string): number | null {
    return this.#insert(entity, values, key);
  }

  /** The insert for these columns, prepared once per entity, conflict key and column list. */
  #insertStatement(entity: Entity, columns: readonly string[], conflictKey: string | null): InsertStatement {
    let prepared = this.#inserts.get(entity);
    if (!prepared) this.#inserts.set(entity, (prepared = []));
    for (const candidate of prepared) {
      if (candidate.conflictKey === conflictKey && sameColumns(candidate.columns, columns)) return candidate;
    }
    const spec = ENTITIES[entity];
    const tracked = 'insertedBy' in spec;
    const all = [...columns, ...(tracked ? [spec.insertedBy] : []), ...spec.timestamps];
    const conflict = conflictKey ? ` ON CONFLICT("${conflictKey}") DO NOTHING` : '';
    const sql = `INSERT INTO "${spec.table}" (${all.map((c) => `"${c}"`).join(', ')}) VALUES (${all.map(() => '?').join(', ')})${conflict}`;
    const insert: InsertStatement = { entity, conflictKey, columns, statement: this.sqlite.prepare<unknown[]>(sql), tracked, timestamps: spec.timestamps.length };
    prepared.push(insert);
    return insert;
  }

  #insert(entity: Entity, values: Values, conflictKey: string | null): number | null {
    // One pass over `values` both collects the parameters and checks that the statement of the
    // previous insert fits them (the usual case); only when it does not are its columns listed.
    const last = this.#lastInsert;
    let lastColumns = last !== null && last.entity === entity && last.conflictKey === conflictKey ? last.columns : null;
    const parameters: SqlValue[] = [];
    for (const column in values) {
      if (lastColumns !== null && lastColumns[parameters.length] !== column) lastColumns = null;
      parameters.push(values[column]);
    }
    const fits = lastColumns !== null && lastColumns.length === parameters.length;
    const { statement, tracked, timestamps } = fits ? last! : (this.#lastInsert = this.#insertStatement(entity, Object.keys(values), conflictKey));
    if (tracked) parameters.push(this.runId);
    // DateTime columns hold epoch milliseconds; the SQL default would write a text timestamp.
    for (let stamp = 0; stamp < timestamps; stamp++) parameters.push(this.nowMs);
    const result = statement.run(...parameters);
    if (result.changes === 0) return null;
    const id = Number(result.lastInsertRowid);
    this.#noteTouch(entity, id, values);
    if (!tracked) this.#recordChange.run(this.runId, entity, id, 'insert', null);
    return id;
  }

  /** Brings the check-ins of everything this run touched up to date; call before committing. */
  refreshCheckIns(): void {
    if (this.#touchedCustomers.size > 0) refreshCheckIns(this.sqlite, { customerIds: this.#touchedCustomers });
    if (this.#movedReps.size > 0) refreshCheckIns(this.sqlite, { ownerIds: this.#movedReps });
  }

  #noteTouch(entity: Entity, id: number, values: Values): void {
    if (entity === 'customer') this.#touchedCustomers.add(id);
    else if ((entity === 'order' || entity === 'interaction') && typeof values.customerId === 'number') this.#touchedCustomers.add(values.customerId);
  }

  /** Writes the columns of `values` that differ from `stored`; 'unchanged' when none do. */
  update(entity: Entity, stored: StoredRow, values: Values): WriteOutcome {
    const changed = Object.keys(values).filter((column) => stored[column] !== values[column]);
    if (changed.length === 0) return 'unchanged';
    const { table, timestamps } = ENTITIES[entity];
    const touchesUpdatedAt = (timestamps as readonly string[]).includes('updatedAt');
    const statement = this.#prepare(`update:${entity}:${changed.join(',')}`, () => {
      const sets = changed.map((c) => `"${c}" = ?`);
      if (touchesUpdatedAt) sets.push('"updatedAt" = ?');
      return `UPDATE "${table}" SET ${sets.join(', ')} WHERE id = ?`;
    });
    const before: Values = {};
    for (const column of changed) before[column] = stored[column] ?? null;
    if (touchesUpdatedAt) before.updatedAt = stored.updatedAt ?? null;
    statement.run(...changed.map((c) => values[c]), ...(touchesUpdatedAt ? [this.nowMs] : []), stored.id);
    this.#noteTouch(entity, stored.id, stored);
    this.#noteTouch(entity, stored.id, values);
    if (entity === 'rep' && changed.includes('teamId')) this.#movedReps.add(stored.id);
    this.#recordChange.run(this.runId, entity, stored.id, 'update', JSON.stringify(before));
    return 'updated';
  }
}
