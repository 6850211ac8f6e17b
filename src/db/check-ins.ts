import type { Compilable } from 'kysely';
import type { Sqlite } from './sqlite.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import { checkInStatements, latestWeekQuery, type CheckInScope } from './stores/check-in-store.js';
import type { StoreHandle } from './stores/store.js';
import { loadTeamSettingsSync, type LoadedTeamSettings } from './team-settings.js';

export type { CheckInScope } from './stores/check-in-store.js';

/**
 * The check-in refresh of src/db/stores/check-in-store.ts, synchronously on the raw SQLite
 * handle, for the writers that stay synchronous on SQLite (the import's prepared fast path in
 * src/db/stores/import-sqlite.ts, the migrations' data steps): the same statements, compiled by
 * Kysely and run in the caller's transaction.
 */
export function refreshCheckIns(sqlite: Sqlite, scope: CheckInScope, teams: LoadedTeamSettings = loadTeamSettingsSync(sqlite)): void {
  refresh(sqlite, scope, teams, true);
}

/** After tiers were rescored: only the intervals may have moved. */
export function refreshCheckInsAfterRescoring(sqlite: Sqlite, scope: CheckInScope = 'all', teams: LoadedTeamSettings = loadTeamSettingsSync(sqlite)): void {
  refresh(sqlite, scope, teams, false);
}

function refresh(sqlite: Sqlite, scope: CheckInScope, teams: LoadedTeamSettings, lastTouch: boolean): void {
  const { kysely } = storeHandleOf(sqlite);
  const statements = checkInStatements(kysely, 'sqlite');
  const target = statements.target(scope);
  if (target === null) return;
  const run = (query: Compilable) => {
    const compiled = query.compile();
    return sqlite.prepare(compiled.sql).run(...(compiled.parameters as unknown[]));
  };
  sqlite.transaction(() => {
    if (lastTouch) run(statements.lastTouch(target));
    const compiled = latestWeekQuery(kysely).compile();
    const week = (sqlite.prepare(compiled.sql).get(...(compiled.parameters as unknown[])) as { week: string | null }).week ?? '';
    run(statements.due(target, teams, week));
  })();
}

const handles = new WeakMap<Sqlite, StoreHandle>();

/** Kysely over a raw handle, to compile the store's statements (one per handle). */
function storeHandleOf(sqlite: Sqlite): StoreHandle {
  let handle = handles.get(sqlite);
  if (!handle) handles.set(sqlite, (handle = { engine: 'sqlite', kysely: createSqliteKysely(sqlite) }));
  return handle;
}
