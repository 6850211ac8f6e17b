import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';
import type { StoreHandle } from './store.js';

/**
 * Queries built and compiled once and run many times with other values. Kysely's building and
 * compiling cost more than SQLite takes to run a point lookup or a 50-row insert (the planner
 * runs thousands a run; a 50-row insert built anew cost ~1 ms). A query is built with stand-ins
 * in place of its values, each a number no real parameter takes (ids, times and amounts are
 * never this negative), and compiled; a run puts the real values in the stand-ins' places.
 * The compiled text depends only on the dialect, so the stores keep one per engine.
 */
const STAND_IN = -9_000_000_000_000;

/** The stand-in for value `n` of a query. */
export const standIn = (n: number): number => STAND_IN - n;

/** Where each parameter of `compiled` takes its value from: the index of its stand-in, or -1 for a constant of the query. */
function slotsOf(compiled: CompiledQuery, standIns: number): Int32Array {
  const slots = new Int32Array(compiled.parameters.length);
  const found = new Set<number>();
  compiled.parameters.forEach((p, i) => {
    const n = typeof p === 'number' && p <= STAND_IN && p > STAND_IN - standIns ? STAND_IN - p : -1;
    slots[i] = n;
    if (n >= 0) found.add(n);
  });
  // A stand-in Kysely inlined (or dropped) would leave its value out of the query.
  if (found.size !== standIns) throw new Error(`a compiled query binds each of its ${standIns} values: ${compiled.sql}`);
  return slots;
}

/** Puts `values` (in stand-in order) in their places. */
function bound(compiled: CompiledQuery, slots: Int32Array, values: readonly unknown[]): CompiledQuery {
  const parameters = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) parameters[i] = slots[i]! < 0 ? compiled.parameters[i] : values[slots[i]!];
  return { ...compiled, parameters };
}

/**
 * A query of `count` values compiled once: `build` gets the stand-ins (standIn(0) … standIn(count - 1))
 * and uses each as a value (once or more); the result runs it with real values, in the same order.
 */
export function compiledOnce(count: number, build: (...standIns: never[]) => Compilable): (...values: unknown[]) => CompiledQuery {
  // Compiled on first use: a store made at start compiles nothing the start does not run.
  let template: { compiled: CompiledQuery; slots: Int32Array } | undefined;
  return (...values) => {
    if (!template) {
      // Typed `never`: a stand-in goes where a value of any type goes.
      const compiled = build(...(Array.from({ length: count }, (_, n) => standIn(n)) as never[])).compile();
      template = { compiled, slots: slotsOf(compiled, count) };
    }
    return bound(template.compiled, template.slots, values);
  };
}

/**
 * compiledOnce run on `kysely`: the query `build` makes of its arguments (plain parameters, no
 * defaults or rest: `build.length` counts them), compiled on the first call, each call's rows.
 */
export function compiledQuery<A extends unknown[], R>(kysely: Kysely<Schema>, build: (...args: A) => Compilable<R>): (...args: A) => Promise<R[]> {
  let bind: ((...values: unknown[]) => CompiledQuery) | undefined;
  return async (...args) => {
    bind ??= compiledOnce(build.length, build as unknown as (...standIns: never[]) => Compilable<R>);
    return (await kysely.executeQuery<R>(bind(...args) as CompiledQuery<R>)).rows;
  };
}

/** Rows per statement of compiledPerRowCount: the planner's batch, and few enough list lengths to keep each compiled. */
export const ROWS_PER_STATEMENT = 50;

/**
 * A statement over a list of rows (a multi-row INSERT, an `IN` list) compiled once per number of
 * rows: `build` gets rows whose `columns` hold stand-ins and makes the statement of them. A list
 * runs as statements of up to `rowsPerStatement` rows, so a store keeps at most that many texts
 * of each (Kysely gives each length its own, and SQLite's statement cache is bounded).
 */
export function compiledPerRowCount<Row>(
  columns: readonly (keyof Row)[],
  build: (rows: readonly Row[]) => Compilable,
  rowsPerStatement = ROWS_PER_STATEMENT,
): (rows: readonly Row[]) => CompiledQuery[] {
  const byCount = new Map<number, { compiled: CompiledQuery; slots: Int32Array }>();
  const statement = (rows: readonly Row[]) => {
    let template = byCount.get(rows.length);
    if (!template) {
      const standIns = rows.map((_, r) => Object.fromEntries(columns.map((column, c) => [column, standIn(r * columns.length + c)])) as Row);
      const compiled = build(standIns).compile();
      template = { compiled, slots: slotsOf(compiled, rows.length * columns.length) };
      byCount.set(rows.length, template);
    }
    const values = new Array<unknown>(rows.length * columns.length);
    let n = 0;
    for (const row of rows) for (const column of columns) values[n++] = row[column];
    return bound(template.compiled, template.slots, values);
  };
  return (rows) => {
    const statements: CompiledQuery[] = [];
    for (let start = 0; start < rows.length; start += rowsPerStatement) statements.push(statement(rows.slice(start, start + rowsPerStatement)));
    return statements;
  };
}

/**
 * What `make` compiles, made once per engine: a store is made anew for each write transaction
 * (on its handle), its compiled statements only once. The text depends on the dialect alone.
 */
export function perEngine<T>(make: (kysely: Kysely<Schema>, engine: Engine) => T): (db: StoreHandle) => T {
  const made = new Map<Engine, T>();
  return (db) => {
    let compiled = made.get(db.engine);
    if (compiled === undefined) made.set(db.engine, (compiled = make(db.kysely, db.engine)));
    return compiled;
  };
}

/** Runs the statements in order; how many rows they inserted, updated or deleted together. */
export async function affectedRows(kysely: Kysely<Schema>, statements: readonly CompiledQuery[]): Promise<number> {
  let affected = 0;
  for (const statement of statements) affected += Number((await kysely.executeQuery(statement)).numAffectedRows ?? 0n);
  return affected;
}
