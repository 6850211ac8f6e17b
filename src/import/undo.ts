import type { Clock } from '../clock.js';
import { createImportStore, ENTITIES, type SqlValue } from '../db/stores/import-store.js';
import type { StoreDatabase } from '../db/store-database.js';

export type UndoResult =
  | { ok: true; runId: number; kind: string; deleted: number; restored: number }
  | { ok: false; problem: string };

class UndoRefused extends Error {}

/**
 * Reverts an applied import run in one transaction: rows it inserted are deleted, columns it
 * updated get their previous values back. Refused when a later applied run changed the same
 * rows (undo that one first) or when other data now depends on a row it inserted.
 */
export async function undoImportRun(db: StoreDatabase, runId: number, clock: Clock): Promise<UndoResult> {
  const store = createImportStore(db);
  const run = await store.run(runId);
  if (!run) return { ok: false, problem: `there is no import run ${runId}` };
  if (run.status !== 'applied') return { ok: false, problem: `run ${runId} is ${run.status}; only an applied run can be undone` };
  try {
    return await store.undo(async (steps): Promise<UndoResult> => {
      const later = await steps.laterRunTouchingSameRows(runId);
      if (later !== null) throw new UndoRefused(`run ${later} (applied later) changed the same rows; undo run ${later} first`);
      // Orders and interactions the run inserted first: stub customers it created are referenced by them.
      let deleted = await steps.deleteInsertedByRun(runId);
      let restored = 0;
      for await (const change of steps.changesNewestFirst(runId)) {
        const spec = ENTITIES[change.entity];
        if (change.action === 'insert') {
          if ((await steps.deleteInserted(change.entity, change.entityId)) === 'referenced') {
            throw new UndoRefused(`${change.entity} ${change.entityId}, inserted by this run, is now used by other records (orders, interactions, callbacks…)`);
          }
          deleted++;
        } else {
          const before = JSON.parse(change.before ?? '{}') as Record<string, SqlValue>;
          const allowed = new Set<string>([...spec.columns, ...spec.timestamps]);
          const columns = Object.keys(before).filter((column) => allowed.has(column));
          if (columns.length === 0) continue;
          await steps.restore(change.entity, change.entityId, Object.fromEntries(columns.map((column) => [column, before[column] ?? null])));
          restored++;
        }
      }
      // Deleted orders and interactions can move last touches back; undo is rare, so rescan all.
      await steps.refreshAllCheckIns();
      if (run.kind !== 'interactions') await steps.markScoresStale();
      await steps.markUndone(runId, clock.now().getTime());
      return { ok: true, runId, kind: run.kind, deleted, restored };
    });
  } catch (error) {
    if (error instanceof UndoRefused) return { ok: false, problem: error.message };
    throw error;
  }
}
