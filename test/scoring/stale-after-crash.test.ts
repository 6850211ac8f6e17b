import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { latestSnapshot } from '../../src/scoring/snapshots.js';
import { openTempDatabase, tempDir } from '../helpers/temp-database.js';
import { CUSTOMERS_CSV, importCli, REPS_CSV, writeFixture } from '../import/import-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

let db: Awaited<ReturnType<typeof openTempDatabase>>;
let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  db = await openTempDatabase();
  dir = tempDir('rapport-stale-');
});
afterEach(async () => {
  await db.cleanup();
  dir.cleanup();
});

describe('a crash between an import’s commit and its rescoring', () => {
  it('does leave old scores that the next start of the bot notices and recomputes', async () => {
    await importCli(db, ['reps', writeFixture(dir.dir, 'reps.csv', REPS_CSV)]);
    await importCli(db, ['customers', writeFixture(dir.dir, 'customers.csv', CUSTOMERS_CSV)]);
    await recomputeScores(db, new Date());
    const c1 = Number(db.sqlite.prepare("SELECT id FROM Customer WHERE externalId = 'C1'").pluck().get());
    expect(await latestSnapshot(db, c1)).toMatchObject({ lifecycle: 'prospect', orderCount: 0 });

    const today = new Date().toISOString().slice(0, 10);
    const orders = writeFixture(dir.dir, 'orders.csv', `customer,ordered_at,amount\nC1,${today},88.00\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'import-then-die.ts'), db.file, orders], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM "Order"').pluck().get()).toBe(1);
    expect(await latestSnapshot(db, c1)).toMatchObject({ lifecycle: 'prospect', orderCount: 0 });

    const bot = spawnSync(TSX, [path.join(ROOT, 'src', 'cli.ts'), 'bot', '--as', 'chen.jie@example.cn'], {
      cwd: dir.dir,
      input: '/customer lookup C1\n',
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `file:${db.file}`, RAPPORT_DEMO: 'off' },
      timeout: 120_000,
    });
    expect(bot.status).toBe(0);
    expect(bot.stdout).toMatch(/Stage\s+new/);
    expect(await latestSnapshot(db, c1)).toMatchObject({ lifecycle: 'new', orderCount: 1, lifetimeMinor: 8800 });
  });
});
