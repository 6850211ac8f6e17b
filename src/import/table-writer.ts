import type BetterSqlite3 from 'better-sqlite3';
import { refreshCheckIns } from '../db/check-ins.js';
import type { Sqlite } from '../db/database.js';

type Statement = BetterSqlite3.Statement<unknown[]>;

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
export type SqlValue = string | number | null;
export type Values = Record<string, SqlValue>;
export type StoredRow = Values & { id: number };
export type WriteOutcome = 'inserted' | 'updated' | 'unchanged';

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
 * Inserts and in-place updates for one import run, each recorded in ImportChange (an update
 * with the previous values of the columns it changed) so the run can be undone exactly.
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
