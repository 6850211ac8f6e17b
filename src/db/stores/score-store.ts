import { sql, type Insertable, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Schema } from '../schema.js';
import type { StoreDatabase } from '../store-database.js';
import type { ScoreSnapshot } from '../tables.js';
import { loadTeamSettings, teamSettingsOf, type LoadedTeamSettings } from '../team-settings.js';
import type { Sqlite } from '../sqlite.js';
import type { StoreHandle } from './store.js';

/**
 * Where scoring reads the base and files its snapshots, on either engine. The two bulk paths (a
 * run reads every customer and order, and upserts one snapshot per customer) keep prepared
 * statements on SQLite: Kysely's per-row cost (objects for rows, its result plugins) would cost
 * more than the statements themselves at 10M orders (issue 15, within 10% of before).
 */

/**
 * Whether the stored scores are current. Every write that changes what scores are computed from
 * (an applied import of customers, orders or reps, an undo) bumps a data version in the same
 * transaction; a live scoring run records the version it read. A crash between an import's
 * commit and its rescoring therefore leaves the two apart, and the next start notices.
 */
const DATA_VERSION_KEY = 'scores.dataVersion';
const LAST_RUN_KEY = 'scores.lastRun';

/** Bumps the data version scores are checked against; call it in the transaction of the write that changes the base. */
export async function markScoresStale(kysely: Kysely<Schema>): Promise<void> {
  await kysely
    .insertInto('AppState')
    .values({ key: DATA_VERSION_KEY, value: '1' })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`CAST(CAST("AppState"."value" AS INTEGER) + 1 AS TEXT)` }))
    .execute();
}

export async function scoringDataVersion({ kysely }: StoreHandle): Promise<number> {
  const version = Number((await appState(kysely, DATA_VERSION_KEY)) ?? 0);
  return Number.isFinite(version) ? version : 0;
}

const liveRunSchema = z.object({
  asOf: z.number(),
  computedAt: z.number(),
  week: z.string(),
  dataVersion: z.number(),
  rules: z.number(),
});
/** The latest run that scored the base as of its own day (not a what-if run for a past day). */
export type LiveRun = z.infer<typeof liveRunSchema>;

export async function recordLiveRun({ kysely }: StoreHandle, run: LiveRun): Promise<void> {
  await kysely
    .insertInto('AppState')
    .values({ key: LAST_RUN_KEY, value: JSON.stringify(run) })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute();
}

/** The last live run, or null when there was none (or what is stored cannot be read: then scores are treated as stale). */
export async function lastLiveRun({ kysely }: StoreHandle): Promise<LiveRun | null> {
  const value = await appState(kysely, LAST_RUN_KEY);
  if (value === undefined) return null;
  try {
    const parsed = liveRunSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function appState(kysely: Kysely<Schema>, key: string): Promise<string | undefined> {
  return (await kysely.selectFrom('AppState').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export async function hasCustomers({ kysely }: StoreHandle): Promise<boolean> {
  return (await kysely.selectFrom('Customer').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Every team's time zone and settings, by id: when each team's nightly scoring is due. */
export async function teamsWithZones({ kysely }: StoreHandle): Promise<{ teams: LoadedTeamSettings; zones: { id: number; timeZone: string }[] }> {
  const rows = await kysely.selectFrom('Team').select(['id', 'name', 'settings', 'timeZone']).orderBy('id').execute();
  return { teams: teamSettingsOf(rows), zones: rows.map(({ id, timeZone }) => ({ id, timeZone })) };
}

/** What the bulk read hands over, row by row, in customer id order (a customer's orders by time). */
export interface ScoringBaseSink {
  /** First, with the teams' settings and the number of customers the read will hand over. */
  start(teams: LoadedTeamSettings, customers: number, maxCustomerId: number): void;
  customer(id: number, status: string, statusChangedAt: number | null, teamId: number | null): void;
  /** `refundOfAt`: when the order a refund names (same customer) was placed; `category` only when asked for. */
  order(customerId: number, orderedAt: number, amountMinor: number, marginMinor: number | null, refundOfAt: number | null, category: string | null): void;
}

export interface ScoringBaseRead {
  /** Orders placed before this instant (epoch ms). */
  before: number;
  categories: boolean;
}

/** Customers whose orders the scoring read fetches per statement: some ten thousand rows, few enough to die young (larger batches doubled the collector's time). */
const ORDER_READ_CUSTOMERS = 1000;
/** Customers per statement on PostgreSQL: a million in one result would be held whole by `pg`. */
const CUSTOMER_READ_PAGE = 50_000;

/**
 * Reads every customer (status, owner's team) and their orders before `read.before` into `sink`,
 * all from one snapshot of the database (SQLite: one read transaction; PostgreSQL: REPEATABLE
 * READ), and returns the scoring data version of that same snapshot. Any stored value is handed
 * over: the caller decides what it can use.
 */
export async function readScoringBase(db: StoreDatabase, read: ScoringBaseRead, sink: ScoringBaseSink): Promise<{ dataVersion: number }> {
  return inReadSnapshot(db, async (handle) => {
    const teams = await loadTeamSettings(handle);
    const counted = await handle.kysely
      .selectFrom('Customer')
      .select((eb) => [eb.fn.countAll<number>().as('customers'), eb.fn.max('id').as('maxId')])
      .executeTakeFirstOrThrow();
    const customers = Number(counted.customers);
    sink.start(teams, customers, counted.maxId ?? 0);
    if (db.engine === 'sqlite') readRowsSqlite(db.sqlite, customers, read, sink);
    else await readRowsPostgres(handle.kysely, read, sink);
    return { dataVersion: await scoringDataVersion(handle) };
  });
}

/** Runs `work` on one snapshot of the database: the reads see no write that commits meanwhile. */
async function inReadSnapshot<T>(db: StoreDatabase, work: (handle: StoreHandle) => Promise<T>): Promise<T> {
  if (db.engine === 'postgres') {
    return db.kysely.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((kysely) => work({ engine: 'postgres', kysely }));
  }
  // A deferred read transaction on Kysely's one connection, which the prepared statements of readRowsSqlite share.
  return db.kysely.connection().execute(async (kysely) => {
    await sql`BEGIN`.execute(kysely);
    try {
      const result = await work({ engine: 'sqlite', kysely });
      await sql`COMMIT`.execute(kysely);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(kysely);
      throw error;
    }
  });
}

/** SQLite's bulk read: prepared statements returning arrays, run synchronously inside the read transaction. */
function readRowsSqlite(sqlite: Sqlite, count: number, read: ScoringBaseRead, sink: ScoringBaseSink): void {
  const customers = sqlite
    .prepare('SELECT c.id, c.status, c.statusChangedAt, r.teamId FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId ORDER BY c.id')
    .raw(true);
  const ids = new Int32Array(count);
  let seen = 0;
  for (const [id, status, changedAt, teamId] of customers.iterate() as IterableIterator<[number, string, number | null, number | null]>) {
    if (seen >= count) break;
    ids[seen++] = id;
    sink.customer(id, status, changedAt, teamId);
  }
  // A refund's original order is looked up by its external id, and must belong to the same customer.
  const orderRows = sqlite
    .prepare(
      `SELECT o.customerId, o.orderedAt, o.amountMinor, o.marginMinor, r.orderedAt${read.categories ? ', o.category' : ''}
       FROM "Order" o LEFT JOIN "Order" r ON o.refundOf IS NOT NULL AND r.externalId = o.refundOf AND r.customerId = o.customerId
       WHERE o.customerId BETWEEN ? AND ? AND o.orderedAt < ? ORDER BY o.customerId, o.orderedAt`,
    )
    .raw(true);
  // A thousand customers' orders per statement: better-sqlite3 hands over a batch of rows far cheaper than one row per step of an iterator.
  for (let from = 0; from < seen; from += ORDER_READ_CUSTOMERS) {
    const to = Math.min(from + ORDER_READ_CUSTOMERS, seen);
    const rows = orderRows.all(ids[from], ids[to - 1], read.before) as [number, number, number, number | null, number | null, string | null][];
    for (const [customerId, orderedAt, amountMinor, marginMinor, refundOfAt, category] of rows) {
      sink.order(customerId, orderedAt, amountMinor, marginMinor, refundOfAt, category ?? null);
    }
  }
}

/** PostgreSQL's bulk read: customers a page at a time by id, then their orders a thousand customers per statement. */
async function readRowsPostgres(kysely: Kysely<Schema>, read: ScoringBaseRead, sink: ScoringBaseSink): Promise<void> {
  const ids: number[] = [];
  for (let after = -Infinity; ; ) {
    const page = await kysely
      .selectFrom('Customer as c')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .select(['c.id', 'c.status', 'c.statusChangedAt', 'r.teamId'])
      .$if(after > -Infinity, (qb) => qb.where('c.id', '>', after))
      .orderBy('c.id')
      .limit(CUSTOMER_READ_PAGE)
      .execute();
    for (const row of page) {
      ids.push(row.id);
      sink.customer(row.id, row.status, row.statusChangedAt, row.teamId);
    }
    if (page.length < CUSTOMER_READ_PAGE) break;
    after = page.at(-1)!.id;
  }
  for (let from = 0; from < ids.length; from += ORDER_READ_CUSTOMERS) {
    const to = Math.min(from + ORDER_READ_CUSTOMERS, ids.length);
    const rows = await kysely
      .selectFrom('Order as o')
      .leftJoin('Order as r', (join) => join.on('o.refundOf', 'is not', null).onRef('r.externalId', '=', 'o.refundOf').onRef('r.customerId', '=', 'o.customerId'))
      .select(['o.customerId', 'o.orderedAt', 'o.amountMinor', 'o.marginMinor', 'r.orderedAt as refundOfAt'])
      .$if(read.categories, (qb) => qb.select('o.category'))
      .where('o.customerId', '>=', ids[from]!)
      .where('o.customerId', '<=', ids[to - 1]!)
      .where('o.orderedAt', '<', read.before)
      // The id last: same-instant orders come in one order on both engines (SQLite's index gives rowid order).
      .orderBy('o.customerId')
      .orderBy('o.orderedAt')
      .orderBy('o.id')
      .execute();
    for (const row of rows) {
      sink.order(row.customerId, row.orderedAt, row.amountMinor, row.marginMinor, row.refundOfAt, (row as { category?: string | null }).category ?? null);
    }
  }
}

/** One ScoreSnapshot row as a run writes it. */
export type SnapshotRow = Required<Omit<Insertable<ScoreSnapshot>, 'id'>>;

/** The columns in the order of the SQLite statement's parameters. */
export const SNAPSHOT_COLUMNS = [
  'customerId', 'week', 'computedAt', 'asOf', 'recencyDays', 'frequency', 'monetaryMinor', 'marginMinor', 'lifetimeMinor', 'orderCount',
  'lastOrderAt', 'rScore', 'fScore', 'mScore', 'tier', 'valueBand', 'longTail', 'lowMargin', 'lifecycle', 'pAlive', 'expected30', 'expected90',
  'expectedAovMinor', 'clv12Minor', 'churnRisk', 'churnReason', 'atStakeMinor', 'reorderDueAt', 'crossSell', 'crossSellFrom', 'crossSellLift', 'categories',
] as const satisfies readonly (keyof SnapshotRow)[];
/** Every column but the key: what a rescoring of the same week replaces. */
const UPDATED_COLUMNS = SNAPSHOT_COLUMNS.filter((column) => column !== 'customerId' && column !== 'week');

const SQLITE_UPSERT = `INSERT INTO ScoreSnapshot (${SNAPSHOT_COLUMNS.join(', ')})
  VALUES (${SNAPSHOT_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT(customerId, week) DO UPDATE SET ${UPDATED_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}`;

/** Rows per INSERT on PostgreSQL. */
const POSTGRES_UPSERT_ROWS = 1000;

export interface SnapshotWriter {
  /** Snapshots per write batch that suit the engine (SQLite: a batch must be short, since a waiting writer gets the lock only between batches). */
  readonly batchRows: number;
  /** Inserts or replaces the rows (one per customer and week), through `trx` (a transaction of writeInSlices). */
  upsert(trx: StoreHandle, rows: readonly SnapshotRow[]): Promise<void>;
  /**
   * After the upserts, before what reads them back: brings the planner's statistics up to date.
   * PostgreSQL: ANALYZE ScoreSnapshot (a new week is unknown to them until autovacuum comes, or
   * the table taken for empty, and then finding the newest week scanned the whole table once
   * per slice of the refreshes that follow); SQLite plans these reads without statistics.
   */
  updateStatistics(trx: StoreHandle): Promise<void>;
}

/**
 * Writes snapshots for `db`. SQLite: one prepared statement per row, run on the raw handle, which
 * is the connection `trx` belongs to (a million Kysely inserts would cost seconds more). PostgreSQL:
 * INSERT … SELECT … ON CONFLICT, a thousand rows a statement.
 */
export function snapshotWriter(db: StoreDatabase): SnapshotWriter {
  if (db.engine === 'sqlite') {
    const statement = db.sqlite.prepare(SQLITE_UPSERT);
    return {
      batchRows: 100,
      async upsert(_trx, rows) {
        for (const r of rows) {
          statement.run(
            r.customerId, r.week, r.computedAt, r.asOf, r.recencyDays, r.frequency, r.monetaryMinor, r.marginMinor, r.lifetimeMinor, r.orderCount,
            r.lastOrderAt, r.rScore, r.fScore, r.mScore, r.tier, r.valueBand, r.longTail, r.lowMargin ? 1 : 0, r.lifecycle, r.pAlive, r.expected30,
            r.expected90, r.expectedAovMinor, r.clv12Minor, r.churnRisk, r.churnReason, r.atStakeMinor, r.reorderDueAt, r.crossSell, r.crossSellFrom,
            r.crossSellLift, r.categories,
          );
        }
      },
      async updateStatistics() {},
    };
  }
  return {
    batchRows: POSTGRES_UPSERT_ROWS,
    async upsert({ kysely }, rows) {
      for (let from = 0; from < rows.length; from += POSTGRES_UPSERT_ROWS) {
        // The rows as one JSON parameter that PostgreSQL turns into ScoreSnapshot records: 32,000 bound values a statement cost several times more.
        const records = sql<SnapshotRow>`json_populate_recordset(NULL::${sql.table('ScoreSnapshot')}, ${JSON.stringify(rows.slice(from, from + POSTGRES_UPSERT_ROWS))}::json)`;
        await kysely
          .insertInto('ScoreSnapshot')
          .columns(SNAPSHOT_COLUMNS)
          .expression((eb) => eb.selectFrom(records.as('r')).select(SNAPSHOT_COLUMNS))
          .onConflict((oc) =>
            oc.columns(['customerId', 'week']).doUpdateSet((eb) => Object.fromEntries(UPDATED_COLUMNS.map((column) => [column, eb.ref(`excluded.${column}`)]))),
          )
          .execute();
      }
    },
    async updateStatistics({ kysely }) {
      await sql`ANALYZE ${sql.table('ScoreSnapshot')}`.execute(kysely);
    },
  };
}

/** A ScoreSnapshot row as the readers select it (`crossSell` as `crossSellCategory`). */
export const SNAPSHOT_SELECTION = [
  'customerId', 'week', 'computedAt', 'asOf', 'recencyDays', 'frequency', 'monetaryMinor', 'marginMinor', 'lifetimeMinor', 'orderCount',
  'lastOrderAt', 'rScore', 'fScore', 'mScore', 'tier', 'valueBand', 'longTail', 'lowMargin', 'lifecycle', 'pAlive', 'expected30', 'expected90',
  'expectedAovMinor', 'clv12Minor', 'churnRisk', 'churnReason', 'atStakeMinor', 'reorderDueAt', 'crossSell as crossSellCategory', 'crossSellFrom', 'crossSellLift',
] as const;

/** A customer's newest snapshot row, or undefined when never scored. */
export async function latestSnapshotRow({ kysely }: StoreHandle, customerId: number) {
  return kysely.selectFrom('ScoreSnapshot').select(SNAPSHOT_SELECTION).where('customerId', '=', customerId).orderBy('week', 'desc').limit(1).executeTakeFirst();
}

/** Every customer's external id and name, by id: the export's columns beside the scores. */
export async function customerNames({ kysely }: StoreHandle): Promise<Map<number, [string, string]>> {
  const rows = await kysely.selectFrom('Customer').select(['id', 'externalId', 'name']).orderBy('id').execute();
  return new Map(rows.map((row) => [row.id, [row.externalId, row.name]]));
}
