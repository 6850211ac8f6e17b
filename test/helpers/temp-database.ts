import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/database.js';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'rapport-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A real, migrated SQLite file in a temp dir. */
export async function openTempDatabase(): Promise<Database & { url: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const url = `file:${path.join(dir, 'test.db')}`;
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
