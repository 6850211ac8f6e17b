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

/**
 * The engine of a harness asked for none: SQLite. In the PostgreSQL run (TEST_DATABASE=postgres)
 * that is an error, so no test passes there on SQLite unseen: it names its engine (describeEngines,
 * engineOfRun; a cross-engine comparison names 'sqlite'), or is SQLite's own (describeSqlite,
 * vitest.config.ts's SQLITE_ONLY_FILES).
 */
export function unnamedEngine(): 'sqlite' {
  if (process.env.TEST_DATABASE === 'postgres') throw new Error('a test asked for the default (SQLite) database in the PostgreSQL run: name the engine');
  return 'sqlite';
}
