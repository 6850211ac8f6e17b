import type { Compilable, Kysely } from 'kysely';
import type { Schema } from '../schema.js';

/** Stands for a query's nth argument while it is compiled: an object no value a caller passes can be. */
class Argument {
  constructor(readonly index: number) {}
}

/**
 * A query built and compiled once, on its first call, and then run with each call's arguments
 * bound in their places: building and compiling a Kysely query costs more than SQLite takes to
 * run a point lookup (~20–80 µs against a few), and the renderer runs several per message.
 * `build` takes its arguments as plain parameters (no defaults or rest: `build.length` counts
 * them) and may use each as a value only, never to choose the query's shape; every argument must
 * reach the compiled query as a bound parameter (checked at the first call).
 */
export function compiledQuery<A extends unknown[], R>(kysely: Kysely<Schema>, build: (...args: A) => Compilable<R>): (...args: A) => Promise<R[]> {
  let compiled: ReturnType<Compilable<R>['compile']> | undefined;
  const compile = () => {
    const stand = Array.from({ length: build.length }, (_, index) => new Argument(index));
    const query = build(...(stand as A)).compile();
    const missing = stand.filter((argument) => !query.parameters.includes(argument));
    if (missing.length > 0) throw new Error(`a compiled query binds every argument: argument ${missing[0]!.index} is not bound in ${query.sql}`);
    return query;
  };
  return async (...args) => {
    compiled ??= compile();
    const parameters = compiled.parameters.map((p) => (p instanceof Argument ? args[p.index] : p));
    return (await kysely.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
