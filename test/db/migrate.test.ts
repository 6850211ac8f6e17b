import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/temp-database.js';
import { describeSqlite } from '../helpers/engines.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function freshFile(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return path.join(dir, 'nested', 'rapport.db');
}

function tables(file: string): string[] {
  const sqlite = new BetterSqlite3(file, { readonly: true });
  try {
    return (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    sqlite.close();
  }
}

// SQLite's migration runner and history; PostgreSQL's: test/db/migrate-postgres.engines.test.ts.
describeSqlite('migrations', () => {
  it('does create the file, its directory and every table when the database is empty', async () => {
    const file = freshFile();
    const db = await openDatabase(`file:${file}`);
    expect(db.migration.applied).toEqual(readMigrations().map((m) => m.name));
    await db.close();
    expect(tables(file)).toEqual(
      expect.arrayContaining(['Team', 'Rep', 'Customer', 'Order', 'Interaction', 'Callback', 'Nudge', 'ScoreSnapshot',
        'WinbackEpisode', 'ImportRun', 'ImportChange', 'AuditLog', 'AppState', '_rapport_migrations']),
    );
  });

  it('does nothing the second time and keeps the data', async () => {
    const file = freshFile();
    const first = await openDatabase(`file:${file}`);
    await (await first.prisma()).team.create({ data: { name: 'Kept' } });
    await first.close();
    const second = await openDatabase(`file:${file}`);
    expect(second.migration.applied).toEqual([]);
    expect(await (await second.prisma()).team.count()).toBe(1);
    await second.close();
  });

  it('does apply only the migrations an older database has not seen', () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    const all = [...readMigrations(), { name: '99990101000000_extra', sql: 'CREATE TABLE "Extra" ("id" INTEGER);', checksum: 'x' }];
    migrate(sqlite, all.slice(0, -1));
    const report = migrate(sqlite, all);
    expect(report.applied).toEqual(['99990101000000_extra']);
    sqlite.close();
    expect(tables(file)).toContain('Extra');
  });

  it('does refuse a migration that was edited after it was applied', () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    const [first] = readMigrations();
    migrate(sqlite, [first!]);
    expect(() => migrate(sqlite, [{ ...first!, checksum: 'edited' }])).toThrow(/was changed after it was applied/);
    sqlite.close();
  });

  it('does roll a failing migration back whole', () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    const broken = { name: '1_broken', sql: 'CREATE TABLE "Half" ("id" INTEGER); SELECT nonsense FROM nowhere;', checksum: 'b' };
    expect(() => migrate(sqlite, [broken])).toThrow();
    const names = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    expect(names.map((n) => n.name)).not.toContain('Half');
    expect(sqlite.prepare('SELECT COUNT(*) AS n FROM _rapport_migrations').get()).toEqual({ n: 0 });
    sqlite.close();
  });
});
