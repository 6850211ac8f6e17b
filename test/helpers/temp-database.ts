import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/database.js';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'rapport-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A real, migrated SQLite file in a temp dir; a copy of the database file `copyOf` when given. */
export async function openTempDatabase(copyOf?: string): Promise<Database & { url: string; cleanup: () => Promise<void> }> {
  // The PostgreSQL run must not pass on SQLite unseen: a test there takes the run's engine, or is in describeSqlite / vitest.config.ts's SQLITE_ONLY_FILES.
  if (process.env.TEST_DATABASE === 'postgres') throw new Error('a test opened a SQLite database in the PostgreSQL run (TEST_DATABASE=postgres)');
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'test.db');
  if (copyOf) fs.copyFileSync(copyOf, file);
  const url = `file:${file}`;
  const db = await openDatabase(url);
  return {
    ...db,
    url,
    async cleanup() {
      await db.close();
      cleanup();
    },
  };
}
