import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { importCli, killMidImport, snapshot, writeFixture } from './import-helpers.js';

const CUSTOMERS = 100;
const ORDERS = 40_000;

describeEngines('kill -9 mid-import', (engine) => {
  let db: TestStoreDatabase;
  let dir: string;
  let removeDir: () => void;

  beforeEach(async () => {
    db = await openTestDatabase(engine);
    ({ dir, cleanup: removeDir } = tempDir('rapport-kill-'));
  });

  afterEach(async () => {
    await db.cleanup();
    removeDir();
  });

  it('does leave the database exactly as before the run when the importer is killed mid-file', async () => {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `C${i},客户${i}`).join('\n');
    expect((await importCli(db, ['customers', writeFixture(dir, 'customers.csv', `external_id,name\n${customers}\n`)])).code).toBe(0);
    const orders = Array.from({ length: ORDERS }, (_, i) => `O${i},C${i % CUSTOMERS},2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,${i}.50,商品`).join('\n');
    const ordersFile = writeFixture(dir, 'orders.csv', `external_id,customer,ordered_at,amount,product\n${orders}\n`);
    const before = await snapshot(db);

    expect(await killMidImport(db.url, ordersFile)).toBeGreaterThan(0);

    expect(await snapshot(db)).toEqual(before);
    const again = await importCli(db, ['orders', ordersFile]);
    expect(again.out).toContain(`${ORDERS} inserted, 0 updated, 0 unchanged, 0 rejected`);
  });
});
