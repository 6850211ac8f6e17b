import type { Kysely } from 'kysely';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';

/** What a store is built on: Kysely, and which engine it speaks to (for the few statements that differ). */
export interface StoreHandle {
  readonly engine: Engine;
  readonly kysely: Kysely<Schema>;
}

/** An interface with every method returning a promise: a store's async twin of a synchronous SQLite port. */
export type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };
