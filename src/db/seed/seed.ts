import { sql, type Kysely } from 'kysely';
import { DAY_MS } from '../../domain/calendar.js';
import { refreshCheckIns } from '../stores/check-in-store.js';
import { readTeamSettings } from '../stores/planning-store.js';
import type { Sqlite } from '../database.js';
import type { Schema } from '../schema.js';
import type { StoreDatabase } from '../store-database.js';
import { writeTransaction, type StoreHandle } from '../stores/store.js';
import { DEMO_TEAMS, demoCustomer, demoReps, type DemoOptions } from './demo-data.js';

export interface SeedReport {
  teams: number;
  reps: number;
  customers: number;
  orders: number;
  interactions: number;
  callbacks: number;
  elapsedMs: number;
}

/** Empty means nobody has put anything in yet: no teams, reps or customers. */
export async function isDatabaseEmpty(db: StoreHandle): Promise<boolean> {
  // EXISTS, not COUNT(*): counting a million customers at every start costs ~0.1 s.
  const { any } = await db.kysely
    .selectNoFrom((eb) =>
      eb.or([eb.exists(eb.selectFrom('Team').select('id')), eb.exists(eb.selectFrom('Rep').select('id')), eb.exists(eb.selectFrom('Customer').select('id'))]).as('any'),
    )
    .executeTakeFirstOrThrow();
  // A computed boolean: 0/1 on SQLite, true/false on PostgreSQL.
  return !any;
}

/** The columns the seed writes, table by table; a row is their values in this order. */
const COLUMNS = {
  Team: ['id', 'name', 'timeZone', 'locale', 'settings', 'createdAt'],
  Rep: ['id', 'email', 'name', 'role', 'teamId', 'locale', 'timeZone', 'agendaHour', 'active', 'createdAt', 'updatedAt'],
  Customer: [
    'id', 'externalId', 'name', 'email', 'phone', 'birthdayMonth', 'birthdayDay', 'birthdayYear', 'timeZone', 'region', 'tags', 'ownerId',
    'greetingOptOut', 'status', 'createdAt', 'updatedAt',
  ],
  Order: ['externalId', 'customerId', 'orderedAt', 'amountMinor', 'marginMinor', 'product', 'category', 'createdAt'],
  Interaction: ['customerId', 'repId', 'kind', 'at', 'text', 'satisfaction', 'createdAt'],
  Callback: ['customerId', 'ownerId', 'dueAt', 'timed', 'note', 'status', 'source', 'createdAt'],
} as const satisfies { [T in keyof Schema]?: readonly (keyof Schema[T] & string)[] };

type SeedTable = keyof typeof COLUMNS;
type Row = (string | number | boolean | null)[];
/** Rows waiting to be written, in an order foreign keys accept (customers before their orders). */
type Pending = { [T in SeedTable]: Row[] };

/** Customers generated between two writes: bounds memory at a million customers. */
const CUSTOMERS_PER_WRITE = 2000;

/**
 * Writes the demo dataset in one transaction, on either engine, and the same rows on both for the
 * same options: teams, reps and customers get their ids here (1, 2, … in generation order; the
 * database is empty), so no row waits for an id the database hands out. Bulk writes: an insert
 * per row through the query builder would take minutes at 100k customers. Refuses a non-empty
 * database.
 */
export async function seedDemoData(db: StoreDatabase, options: DemoOptions): Promise<SeedReport> {
  if (!(await isDatabaseEmpty(db))) throw new Error('The database already has data; seed only an empty database');
  const started = performance.now();
  const now = options.asOf.getTime();
  const report: SeedReport = { teams: 0, reps: 0, customers: 0, orders: 0, interactions: 0, callbacks: 0, elapsedMs: 0 };
  const pending: Pending = { Team: [], Rep: [], Customer: [], Order: [], Interaction: [], Callback: [] };

  await writeTransaction(db, async (kysely) => {
    const write = db.engine === 'sqlite' ? preparedWriter(db.sqlite) : multiRowWriter(kysely);
    const flush = async () => {
      for (const table of Object.keys(pending) as SeedTable[]) {
        if (pending[table].length > 0) await write(table, pending[table].splice(0));
      }
    };
    const teamIds = new Map<string, number>();
    for (const team of DEMO_TEAMS) {
      teamIds.set(team.key, ++report.teams);
      pending.Team.push([report.teams, team.name, team.timeZone, team.locale, '{}', now]);
    }
    const reps = demoReps(options.customers);
    const repIds = new Map<string, number>();
    for (const rep of reps) {
      repIds.set(rep.email, ++report.reps);
      pending.Rep.push([report.reps, rep.email, rep.name, rep.role, teamIds.get(rep.team)!, rep.locale, rep.timeZone, 9, true, now, now]);
    }
    for (let i = 0; i < options.customers; i++) {
      const c = demoCustomer(i, options, reps);
      const ownerId = repIds.get(c.ownerEmail)!;
      const customerId = ++report.customers;
      pending.Customer.push([
        customerId, c.externalId, c.name, c.email, c.phone, c.birthday?.month ?? null, c.birthday?.day ?? null, c.birthday?.year ?? null,
        c.timeZone, c.region, c.tags.join(','), ownerId, c.greetingOptOut, 'none', now, now,
      ]);
      for (const o of c.orders) {
        pending.Order.push([o.externalId, customerId, o.orderedAt, o.amountMinor, o.marginMinor, o.product, o.category, now]);
        report.orders++;
      }
      for (const x of c.interactions) {
        pending.Interaction.push([customerId, ownerId, x.kind, x.at, x.text, x.satisfaction, now]);
        report.interactions++;
      }
      if (c.callbackInDays !== null) {
        const due = startOfUtcDay(now) + c.callbackInDays * DAY_MS + 10 * 3_600_000;
        pending.Callback.push([customerId, ownerId, due, true, 'Follow up on last order', 'open', 'manual', now]);
        report.callbacks++;
      }
      if (pending.Customer.length >= CUSTOMERS_PER_WRITE) await flush();
    }
    await flush();
    if (db.engine === 'postgres') {
      // Ids were given, not drawn: move each SERIAL's sequence past them, or the next insert collides.
      for (const table of ['Team', 'Rep', 'Customer'] as const) {
        await sql`SELECT setval(pg_get_serial_sequence(${sql.val(`"${table}"`)}, 'id'), (SELECT max(id) FROM ${sql.table(table)}))`.execute(kysely);
      }
    }
    const handle = { engine: db.engine, kysely };
    await refreshCheckIns(handle, 'all', await readTeamSettings(handle));
  });
  report.elapsedMs = performance.now() - started;
  return report;
}

type TableWriter = (table: SeedTable, rows: Row[]) => Promise<void>;

/**
 * SQLite: one prepared statement per table, run per row (better-sqlite3 runs a prepared insert in
 * ~1 µs; building a multi-row statement costs more than it saves). Runs on the handle Kysely's
 * transaction holds, so inside it.
 */
function preparedWriter(sqlite: Sqlite): TableWriter {
  const statements = new Map<SeedTable, ReturnType<Sqlite['prepare']>>();
  const statementFor = (table: SeedTable) => {
    let statement = statements.get(table);
    if (!statement) {
      const columns: readonly string[] = COLUMNS[table];
      statement = sqlite.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      statements.set(table, statement);
    }
    return statement;
  };
  return async (table, rows) => {
    const insert = statementFor(table);
    // better-sqlite3 binds no booleans.
    for (const row of rows) insert.run(row.map((value) => (typeof value === 'boolean' ? Number(value) : value)));
  };
}

/** PostgreSQL's limit is 65,535 parameters a statement; a few thousand rows a statement is as fast and lighter. */
const PARAMETERS_PER_STATEMENT = 20_000;

/** PostgreSQL: multi-row INSERTs through the query builder, one round trip per few thousand rows. */
function multiRowWriter(kysely: Kysely<Schema>): TableWriter {
  return async (table, rows) => {
    const columns: readonly string[] = COLUMNS[table];
    const perStatement = Math.floor(PARAMETERS_PER_STATEMENT / columns.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const values = rows.slice(start, start + perStatement).map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])));
      // The table is a union here; each row's columns are the table's own (COLUMNS is typed against Schema).
      await kysely.insertInto(table).values(values as never).execute();
    }
  };
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
