import type { Clock } from '../clock.js';
import { refreshCheckIns } from '../db/check-ins.js';
import type { Sqlite } from '../db/database.js';
import { markScoresStale } from '../scoring/scoring-state.js';
import { ENTITIES, type Entity, type SqlValue } from './table-writer.js';

export type UndoResult =
  | { ok: true; runId: number; kind: string; deleted: number; restored: number }
  | { ok: false; problem: string };

class UndoRefused extends Error {}

const TRACKED_BY_RUN = Object.values(ENTITIES).filter((spec) => 'insertedBy' in spec);

interface Change {
  entity: Entity;
  entityId: number;
  action: 'insert' | 'update';
  before: string | null;
}

/**
 * Reverts an applied import run in one transaction: rows it inserted are deleted, columns it
 * updated get their previous values back. Refused when a later applied run changed the same
 * rows (undo that one first) or when other data now depends on a row it inserted.
 */
export function undoImportRun(sqlite: Sqlite, runId: number, clock: Clock): UndoResult {
  const run = sqlite.prepare('SELECT id, kind, status FROM ImportRun WHERE id = ?').get(runId) as { id: number; kind: string; status: string } | undefined;
  if (!run) return { ok: false, problem: `there is no import run ${runId}` };
  if (run.status !== 'applied') return { ok: false, problem: `run ${runId} is ${run.status}; only an applied run can be undone` };
  try {
    return sqlite.transaction((): UndoResult => {
      const later = laterRunTouchingSameRows(sqlite, runId);
      if (later !== null) throw new UndoRefused(`run ${later} (applied later) changed the same rows; undo run ${later} first`);
      let deleted = 0;
      let restored = 0;
      // Orders and interactions the run inserted first: stub customers it created are referenced by them.
      for (const spec of TRACKED_BY_RUN) deleted += sqlite.prepare(`DELETE FROM "${spec.table}" WHERE importRunId = ?`).run(runId).changes;
      const deleteScores = sqlite.prepare('DELETE FROM ScoreSnapshot WHERE customerId = ?');
      for (const change of changesNewestFirst(sqlite, runId)) {
        const spec = ENTITIES[change.entity];
        if (change.action === 'insert') {
          // Scores are derived from the customer; anything else pointing at the row blocks the undo.
          if (change.entity === 'customer') deleteScores.run(change.entityId);
          deleteRow(sqlite, spec.table, change);
          deleted++;
        } else {
          const before = JSON.parse(change.before ?? '{}') as Record<string, SqlValue>;
          const allowed = new Set<string>([...spec.columns, ...spec.timestamps]);
          const columns = Object.keys(before).filter((column) => allowed.has(column));
          if (columns.length === 0) continue;
          sqlite
            .prepare(`UPDATE "${spec.table}" SET ${columns.map((c) => `"${c}" = ?`).join(', ')} WHERE id = ?`)
            .run(...columns.map((c) => before[c] ?? null), change.entityId);
          restored++;
        }
      }
      // Deleted orders and interactions can move last touches back; undo is rare, so rescan all.
      refreshCheckIns(sqlite, 'all');
      if (run.kind !== 'interactions') markScoresStale(sqlite);
      sqlite.prepare("UPDATE ImportRun SET status = 'undone', undoneAt = ? WHERE id = ?").run(clock.now().getTime(), runId);
      return { ok: true, runId, kind: run.kind, deleted, restored };
    }).immediate();
  } catch (error) {
    if (error instanceof UndoRefused) return { ok: false, problem: error.message };
    throw error;
  }
}

const CHANGE_PAGE = 10_000;

/** The run's changes, newest first, a page at a time (a statement cannot stay open while others write). */
function* changesNewestFirst(sqlite: Sqlite, runId: number): Generator<Change> {
  const page = sqlite.prepare('SELECT id, entity, entityId, action, before FROM ImportChange WHERE runId = ? AND id < ? ORDER BY id DESC LIMIT ?');
  let below = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const changes = page.all(runId, below, CHANGE_PAGE) as (Change & { id: number })[];
    if (changes.length === 0) return;
    yield* changes;
    below = changes.at(-1)!.id;
  }
}

function deleteRow(sqlite: Sqlite, table: string, change: Change): void {
  try {
    sqlite.prepare(`DELETE FROM "${table}" WHERE id = ?`).run(change.entityId);
  } catch (error) {
    // Inside the name-search trigger (migration customer_search) the failure reports as a trigger constraint.
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || (code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY/.test((error as Error).message))) {
      throw new UndoRefused(`${change.entity} ${change.entityId}, inserted by this run, is now used by other records (orders, interactions, callbacks…)`);
    }
    throw error;
  }
}

/** The first applied run after `runId` that inserted or updated a row this run touched, or null. */
function laterRunTouchingSameRows(sqlite: Sqlite, runId: number): number | null {
  // A keyed temp table keeps this linear for runs of millions of changes.
  sqlite.exec('CREATE TEMP TABLE IF NOT EXISTS undo_rows (entity TEXT NOT NULL, entityId INTEGER NOT NULL, PRIMARY KEY (entity, entityId)) WITHOUT ROWID');
  sqlite.exec('DELETE FROM undo_rows');
  sqlite.prepare('INSERT OR IGNORE INTO undo_rows SELECT entity, entityId FROM ImportChange WHERE runId = ?').run(runId);
  for (const [entity, spec] of Object.entries(ENTITIES)) {
    if ('insertedBy' in spec) sqlite.prepare(`INSERT OR IGNORE INTO undo_rows SELECT ?, id FROM "${spec.table}" WHERE importRunId = ?`).run(entity, runId);
  }
  const later = sqlite
    .prepare(
      `SELECT c.runId FROM ImportChange c JOIN ImportRun r ON r.id = c.runId AND r.status = 'applied'
       WHERE c.runId > ? AND EXISTS (SELECT 1 FROM undo_rows u WHERE u.entity = c.entity AND u.entityId = c.entityId)
       ORDER BY c.runId LIMIT 1`,
    )
    .pluck()
    .get(runId) as number | undefined;
  sqlite.exec('DELETE FROM undo_rows');
  return later ?? null;
}
