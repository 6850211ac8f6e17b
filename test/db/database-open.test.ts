import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { FatalError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp-database.js';
import { describeSqlite } from '../helpers/engines.js';

const work = tempDir();
afterAll(() => work.cleanup());

async function refusal(url: string): Promise<string> {
  const error = await openDatabase(url).then(
    async (db) => (await db.close(), null),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FatalError);
  return (error as Error).message;
}

// openDatabase opens SQLite files (file: URLs); PostgreSQL's connection is tested in test/db/migrate-postgres.engines.test.ts.
describeSqlite('openDatabase on a file that cannot be Rapport\'s database', () => {
  it('does refuse a folder and say what to write instead', async () => {
    const folder = path.join(work.dir, 'a-folder');
    fs.mkdirSync(folder);
    expect(await refusal(`file:${folder}`)).toBe(
      `DATABASE_URL file:${folder}: ${folder} is a folder; name a database file in it, e.g. file:${path.join(folder, 'rapport.db')}`,
    );
  });

  it('does refuse a device such as /dev/null', async () => {
    expect(await refusal('file:/dev/null')).toBe('DATABASE_URL file:/dev/null: /dev/null is not a regular file');
  });

  it('does refuse a file that is not a SQLite database, and leave it as it was', async () => {
    const file = path.join(work.dir, 'notes.db');
    fs.writeFileSync(file, 'name,phone\n'.repeat(200));
    expect(await refusal(`file:${file}`)).toMatch(new RegExp(`^DATABASE_URL file:${file}: ${file} is not a SQLite database, or is damaged \\(file is not a database\\)$`));
    expect(fs.readFileSync(file, 'utf8')).toBe('name,phone\n'.repeat(200));
  });

  it('does refuse another application\'s SQLite database instead of adding tables to it', async () => {
    const file = path.join(work.dir, 'other-app.db');
    const other = new BetterSqlite3(file);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY); CREATE TABLE clients (id INTEGER PRIMARY KEY)');
    other.close();
    expect(await refusal(`file:${file}`)).toBe(
      `DATABASE_URL file:${file}: ${file} holds another application's tables (clients, invoices); point DATABASE_URL at a new file or a Rapport database`,
    );
    const after = new BetterSqlite3(file, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(['clients', 'invoices']);
    after.close();
  });

  it('does refuse a folder it cannot create, at once', async () => {
    // Node's recursive mkdir spins forever on this path; one level at a time fails at once.
    expect(await refusal('file:/proc/rapport-nope/x.db')).toMatch(/^DATABASE_URL file:\/proc\/rapport-nope\/x\.db: cannot create the folder \/proc\/rapport-nope \(E[A-Z]+\)$/);
    const blocker = path.join(work.dir, 'a-file');
    fs.writeFileSync(blocker, '');
    expect(await refusal(`file:${path.join(blocker, 'sub', 'x.db')}`)).toMatch(/cannot create the folder .*a-file\/sub \(ENOTDIR\)$/);
  });

  it('does create missing folders for a new database', async () => {
    const file = path.join(work.dir, 'new', 'deeper', 'rapport.db');
    const db = await openDatabase(`file:${file}`);
    await db.close();
    expect(fs.existsSync(file)).toBe(true);
  });
});
