import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { runImportCli } from '../../src/import/import-cli.js';

/** A writable that keeps what was written, for asserting on CLI output. */
export function textSink(): Writable & { text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return Object.assign(sink, { text: () => text });
}

export const clock = new ManualClock('2026-01-15T08:00:00Z');

/** Runs `import …` against `db` and returns the exit code with what went to stdout and stderr. */
export async function importCli(db: StoreDatabase, argv: string[], extra: { afterOrdersChanged?: () => Promise<void> } = {}) {
  const out = textSink();
  const err = textSink();
  const code = await runImportCli(argv, { db, clock, out, err, isTTY: false, actor: 'test', ...extra });
  return { code, out: out.text(), err: err.text() };
}

export function writeFixture(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export const REPS_CSV = 'email,name,role,team\nchen.jie@example.cn,陈杰,rep,上海旗舰店\ntom.becker@example.de,Tom Becker,manager,Berlin B2B\n';
export const CUSTOMERS_CSV = [
  'external_id,name,email,phone,birthday,owner',
  'C1,王芳,wang.fang@example.cn,+86 138 1234 5678,1988-03-15,chen.jie@example.cn',
  'C2,李娜,li.na@example.cn,139 1234 5679,3月8日,陈杰',
  'C3,Emma Fischer,emma@example.de,,--06-01,tom.becker@example.de',
  '',
].join('\n');
export const ORDERS_CSV = [
  'external_id,customer,ordered_at,amount,margin,product,category',
  'O1,C1,2025-01-12 14:30,¥1280.00,512,精华,护肤',
  'O2,C1,2025/03/02,"¥2,360.50",900,套装,护肤',
  'O3,C2,15.04.2025,-399,-120,口红 退货,彩妆',
  ',C3,45870,"€1.250,00",,Sample kit,B2B',
  '',
].join('\n');

/** Every table an import writes, as rows, to compare a database before and after. */
export async function snapshot(db: StoreDatabase): Promise<Record<string, unknown[]>> {
  const tables = ['Team', 'Rep', 'Customer', 'Order', 'Interaction', 'ImportRun', 'ImportChange'] as const;
  return Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await db.kysely.selectFrom(table).selectAll().orderBy('id').execute()])));
}

/** Imports REPS_CSV and CUSTOMERS_CSV (written into `dir`), the base most import tests start from. */
export async function seedRepsAndCustomers(db: StoreDatabase, dir: string): Promise<void> {
  expect((await importCli(db, ['reps', writeFixture(dir, 'reps.csv', REPS_CSV)])).code).toBe(0);
  expect((await importCli(db, ['customers', writeFixture(dir, 'customers.csv', CUSTOMERS_CSV)])).code).toBe(0);
}

/**
 * Starts kill-child.ts importing `ordersFile` into the database at `url`, and SIGKILLs it once
 * rows are in its open transaction: how many it had applied by then (always some).
 */
export async function killMidImport(url: string, ordersFile: string): Promise<number> {
  const child = fork(path.join(import.meta.dirname, 'kill-child.ts'), [url, ordersFile], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await new Promise<{ appliedRows?: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { appliedRows?: number }));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting progress`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return message.appliedRows ?? 0;
}
