import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { importStream, type ImportOptions, type ImportSummary } from '../../src/import/import-run.js';
import { undoImportRun } from '../../src/import/undo.js';
import { tempDir } from '../helpers/temp-database.js';
import { killMidImport } from './import-helpers.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const clock = new ManualClock('2026-01-15T08:00:00Z');

const CUSTOMERS = ['external_id,name,email,phone,greeting_opt_out', 'C1,王芳,wang.fang@example.cn,+86 138 1234 5678,no', 'C2,李娜,li.na@example.cn,,yes', 'C3,Emma Fischer,,,', ''].join('\n');
const ORDERS = [
  'external_id,customer,ordered_at,amount,margin,product,category',
  'O1,C1,2025-01-12 14:30,¥1280.00,512,精华,护肤',
  'O2,C1,2025/03/02,"¥2,360.50",900,套装,护肤',
  'O3,C2,15.04.2025,399,120,口红,彩妆',
  ',C3,2025-06-01,12.50,,Sample kit,B2B',
  '',
].join('\n');

function run(db: TestStoreDatabase, kind: ImportOptions['kind'], csv: string | AsyncIterable<string>, options: Partial<ImportOptions> = {}): Promise<ImportSummary> {
  const source = typeof csv === 'string' ? [csv] : csv;
  return importStream({ db, clock }, (async function* () {
    yield* source;
  })(), { kind, fileName: `${kind}.csv`, actor: 'test', rejectsPath: null, ...options });
}

describeEngines('the CSV import', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => {
    await db.cleanup();
  });

  const orders = () =>
    db.kysely.selectFrom('Order as o').innerJoin('Customer as c', 'c.id', 'o.customerId').select(['o.externalId', 'c.externalId as customer', 'o.orderedAt', 'o.amountMinor', 'o.marginMinor', 'o.product', 'o.refundOf', 'o.importRunId']).orderBy('o.id').execute();
  const customers = () => db.kysely.selectFrom('Customer').select(['externalId', 'name', 'email', 'phone', 'greetingOptOut', 'createdAt', 'updatedAt']).orderBy('id').execute();
  const runs = () => db.kysely.selectFrom('ImportRun').select(['id', 'kind', 'status', 'inserted', 'updated', 'unchanged', 'rejected']).orderBy('id').execute();

  it('does store customers and then their orders with every column, each run recorded as applied', async () => {
    const imported = await run(db, 'customers', CUSTOMERS);
    expect(imported).toMatchObject({ status: 'applied', inserted: 3, updated: 0, rejected: 0, fatal: null });
    expect(await customers()).toEqual([
      { externalId: 'C1', name: '王芳', email: 'wang.fang@example.cn', phone: '+8613812345678', greetingOptOut: false, createdAt: clock.now().getTime(), updatedAt: clock.now().getTime() },
      { externalId: 'C2', name: '李娜', email: 'li.na@example.cn', phone: null, greetingOptOut: true, createdAt: clock.now().getTime(), updatedAt: clock.now().getTime() },
      { externalId: 'C3', name: 'Emma Fischer', email: null, phone: null, greetingOptOut: false, createdAt: clock.now().getTime(), updatedAt: clock.now().getTime() },
    ]);
    const ordersRun = await run(db, 'orders', ORDERS);
    expect(ordersRun).toMatchObject({ status: 'applied', inserted: 4, rejected: 0 });
    expect(await orders()).toEqual([
      { externalId: 'O1', customer: 'C1', orderedAt: Date.UTC(2025, 0, 12, 14, 30), amountMinor: 128_000, marginMinor: 51_200, product: '精华', refundOf: null, importRunId: ordersRun.runId },
      { externalId: 'O2', customer: 'C1', orderedAt: Date.UTC(2025, 2, 2), amountMinor: 236_050, marginMinor: 90_000, product: '套装', refundOf: null, importRunId: ordersRun.runId },
      { externalId: 'O3', customer: 'C2', orderedAt: Date.UTC(2025, 3, 15), amountMinor: 39_900, marginMinor: 12_000, product: '口红', refundOf: null, importRunId: ordersRun.runId },
      { externalId: null, customer: 'C3', orderedAt: Date.UTC(2025, 5, 1), amountMinor: 1250, marginMinor: null, product: 'Sample kit', refundOf: null, importRunId: ordersRun.runId },
    ]);
    expect(await runs()).toEqual([
      { id: imported.runId, kind: 'customers', status: 'applied', inserted: 3, updated: 0, unchanged: 0, rejected: 0 },
      { id: ordersRun.runId, kind: 'orders', status: 'applied', inserted: 4, updated: 0, unchanged: 0, rejected: 0 },
    ]);
  });

  it('does move each customer’s last touch to their latest imported order, and back when the orders run is undone', async () => {
    await run(db, 'customers', CUSTOMERS);
    const touches = async () => (await db.kysely.selectFrom('Customer').select(['externalId', 'lastTouchAt']).orderBy('id').execute()).map((c) => [c.externalId, c.lastTouchAt]);
    const created = clock.now().getTime();
    expect(await touches()).toEqual([['C1', created], ['C2', created], ['C3', created]]);
    const ordersRun = await run(db, 'orders', ORDERS);
    expect(await touches()).toEqual([['C1', Date.UTC(2025, 2, 2)], ['C2', Date.UTC(2025, 3, 15)], ['C3', Date.UTC(2025, 5, 1)]]);
    expect(await undoImportRun(db, ordersRun.runId!, clock)).toMatchObject({ ok: true });
    expect(await touches()).toEqual([['C1', created], ['C2', created], ['C3', created]]);
  });

  it('does update only what changed when a file comes again with edits, and adds nothing twice', async () => {
    await run(db, 'customers', CUSTOMERS);
    await run(db, 'orders', ORDERS);
    const edited = await run(db, 'customers', 'external_id,name,greeting_opt_out\nC1,王芳芳,yes\nC2,李娜,yes\nC4,New,no\n');
    expect(edited).toMatchObject({ status: 'applied', inserted: 1, updated: 1, unchanged: 1 });
    expect((await customers()).map((c) => [c.externalId, c.name, c.greetingOptOut])).toEqual([
      ['C1', '王芳芳', true],
      ['C2', '李娜', true],
      ['C3', 'Emma Fischer', false],
      ['C4', 'New', false],
    ]);
    const again = await run(db, 'orders', ORDERS.replace('O3,C2,15.04.2025,399', 'O3,C2,15.04.2025,401'));
    expect(again).toMatchObject({ status: 'applied', inserted: 0, updated: 1, unchanged: 3 });
    expect(again.warnings.join('\n')).not.toContain('already imported');
    expect((await orders()).map((o) => o.amountMinor)).toEqual([128_000, 236_050, 40_100, 1250]);
    expect(await db.kysely.selectFrom('ImportChange').select(['entity', 'action', 'before']).where('runId', '=', again.runId!).execute()).toEqual([
      { entity: 'order', action: 'update', before: JSON.stringify({ amountMinor: 39_900 }) },
    ]);
    const same = await run(db, 'orders', ORDERS.replace('O3,C2,15.04.2025,399', 'O3,C2,15.04.2025,401'));
    expect(same).toMatchObject({ status: 'applied', inserted: 0, updated: 0, unchanged: 4 });
    expect(same.warnings.join('\n')).toContain(`already imported as run ${again.runId}`);
  });

  it('does store a refund that names its original order, and reject one naming another customer’s order', async () => {
    await run(db, 'customers', CUSTOMERS);
    await run(db, 'orders', ORDERS);
    const refunds = await run(db, 'orders', 'external_id,customer,ordered_at,amount,refund_of\nR1,C1,2025-02-01,-1280.00,O1\nR2,C2,2025-05-01,-100,O1\n', { onError: 'skip' });
    expect(refunds).toMatchObject({ status: 'applied', inserted: 1, rejected: 1 });
    expect(refunds.problems).toEqual(['orders.csv:3: refund_of: that order is another customer’s (O1)']);
    expect((await orders()).filter((o) => o.amountMinor < 0)).toEqual([
      { externalId: 'R1', customer: 'C1', orderedAt: Date.UTC(2025, 1, 1), amountMinor: -128_000, marginMinor: null, product: null, refundOf: 'O1', importRunId: refunds.runId },
    ]);
  });

  it('does reject a bad row naming its line and apply nothing in abort mode, only the good rows in skip mode', async () => {
    await run(db, 'customers', CUSTOMERS);
    const bad = 'external_id,customer,ordered_at,amount\nO1,C1,2025-01-12,10\nO2,C1,2025-13-01,20\nO3,C9,2025-01-12,30\n';
    const aborted = await run(db, 'orders', bad);
    expect(aborted).toMatchObject({ status: 'failed', inserted: 0, rejected: 2 });
    expect(aborted.problems[0]).toMatch(/^orders\.csv:3: ordered_at: /);
    expect(aborted.problems[1]).toBe('orders.csv:4: customer: no customer has this external id (import customers first, or use --create-missing) (C9)');
    expect(await orders()).toEqual([]);
    expect((await runs()).at(-1)).toMatchObject({ id: aborted.runId, status: 'failed', rejected: 2 });
    const skipped = await run(db, 'orders', bad, { onError: 'skip' });
    expect(skipped).toMatchObject({ status: 'applied', inserted: 1, rejected: 2 });
    expect((await orders()).map((o) => o.externalId)).toEqual(['O1']);
  });

  it('does undo an orders run and a customers update exactly, and refuse an undo a later run depends on', async () => {
    await run(db, 'customers', CUSTOMERS);
    const before = await customers();
    const ordersRun = await run(db, 'orders', ORDERS);
    const renamed = await run(db, 'customers', 'external_id,name,email\nC1,Wang Fang,wf@example.cn\nC5,Stub,\n');
    expect(renamed).toMatchObject({ inserted: 1, updated: 1 });
    const later = await run(db, 'customers', 'external_id,name\nC1,Fang\n');
    expect(await undoImportRun(db, renamed.runId!, clock)).toEqual({ ok: false, problem: `run ${later.runId} (applied later) changed the same rows; undo run ${later.runId} first` });
    expect(await undoImportRun(db, later.runId!, clock)).toMatchObject({ ok: true, deleted: 0, restored: 1 });
    expect(await undoImportRun(db, renamed.runId!, clock)).toMatchObject({ ok: true, deleted: 1, restored: 1 });
    expect(await customers()).toEqual(before);
    expect(await undoImportRun(db, ordersRun.runId!, clock)).toMatchObject({ ok: true, kind: 'orders', deleted: 4, restored: 0 });
    expect(await orders()).toEqual([]);
    expect((await runs()).map((r) => r.status)).toEqual(['applied', 'undone', 'undone', 'undone']);
    expect(await undoImportRun(db, ordersRun.runId!, clock)).toEqual({ ok: false, problem: `run ${ordersRun.runId} is undone; only an applied run can be undone` });
  });

  it('does refuse an undo of customers that later orders use, changing nothing', async () => {
    const customersRun = await run(db, 'customers', CUSTOMERS);
    await run(db, 'orders', ORDERS);
    const result = await undoImportRun(db, customersRun.runId!, clock);
    expect(result).toMatchObject({ ok: false });
    expect((result as { problem: string }).problem).toMatch(/^customer \d+, inserted by this run, is now used by other records/);
    expect(await customers()).toHaveLength(3);
    expect((await runs())[0]!.status).toBe('applied');
  });

  it('does refuse a second import while one runs (the import lock), and apply the first in full', async () => {
    await run(db, 'customers', CUSTOMERS);
    const rows = 3000;
    const firstPart = `external_id,customer,ordered_at,amount\n${Array.from({ length: rows }, (_, i) => `O${i},C${(i % 3) + 1},2025-01-01,${i + 1}`).join('\n')}\n`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let waiting!: () => void;
    const reachedGate = new Promise<void>((resolve) => (waiting = resolve));
    async function* gated() {
      yield firstPart;
      // The first run has its lock and its first rows in: it waits here for the rest of its file.
      waiting();
      await released;
      yield `X1,C1,2025-01-02,5\n`;
    }
    const first = run(db, 'orders', gated());
    await reachedGate;
    const second = await run(db, 'customers', 'external_id,name\nC9,Late\n');
    expect(second).toMatchObject({ status: 'failed', runId: null, inserted: 0, fatal: 'customers.csv: another import is running; nothing was imported (try again when it has finished)' });
    release();
    expect(await first).toMatchObject({ status: 'applied', inserted: rows + 1 });
    expect(await run(db, 'customers', 'external_id,name\nC9,Late\n')).toMatchObject({ status: 'applied', inserted: 1 });
  });

  it('does leave the database as before, and the lock free, when the importer is killed mid-file; a rerun imports it all', async () => {
    await run(db, 'customers', CUSTOMERS);
    const { dir, cleanup } = tempDir('rapport-kill-engines-');
    try {
      const count = 20_000;
      const file = path.join(dir, 'orders.csv');
      fs.writeFileSync(file, `external_id,customer,ordered_at,amount\n${Array.from({ length: count }, (_, i) => `O${i},C${(i % 3) + 1},2025-01-01,${i + 1}`).join('\n')}\n`);
      const tables = ['Customer', 'Order', 'ImportRun', 'ImportChange'] as const;
      const snapshot = async () => Promise.all(tables.map((table) => db.kysely.selectFrom(table).selectAll().orderBy('id').execute()));
      const before = await snapshot();
      expect(await killMidImport(db.url, file)).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
      // PostgreSQL ends the dead client's session (its transaction and advisory lock) once it sees the socket closed.
      let rerun = await run(db, 'orders', fs.createReadStream(file, 'utf8'));
      for (let attempt = 0; rerun.fatal?.includes('another import is running') && attempt < 50; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        rerun = await run(db, 'orders', fs.createReadStream(file, 'utf8'));
      }
      expect(rerun).toMatchObject({ status: 'applied', inserted: count, updated: 0, rejected: 0 });
    } finally {
      cleanup();
    }
  });
});
