import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Upload } from '../../src/commands/app.js';
import { createDispatcher } from '../../src/commands/dispatcher.js';
import { commands } from '../../src/commands/registry.js';
import { createImportService } from '../../src/import/chat-import.js';
import { tempDir } from '../helpers/temp-database.js';
import { auditRows, backgroundJobsFor, commandHarness, customerWhere, LI_NA, servicesFor, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/customer import', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  /** A file as a chat platform hands it over, counting how often it was read. */
  function upload(name: string, text: string): Upload & { reads: number } {
    const file = { name, size: Buffer.byteLength(text), reads: 0, read: async () => (file.reads++, new Uint8Array(Buffer.from(text))) };
    return file;
  }

  const customerOf = async (email: string) => (await customerWhere(h.db, email)).externalId;
  const importAs = (userId: string, text: string, file?: Upload) =>
    h.app.dispatch({ platform: 'slack', userId, text, ...(file ? { files: { file } } : {}) });

  describe('/customer import from chat', () => {
    beforeAll(async () => {
      await h.db.kysely.updateTable('Rep').set({ slackUserId: 'U0LINA' }).where('email', '=', LI_NA).execute();
      await h.db.kysely.updateTable('Rep').set({ slackUserId: 'U0ZHANG' }).where('email', '=', ZHANG_WEI).execute();
    });

    it('does import an attached file the way the CLI does, with the summary as the reply, audited', async () => {
      const who = await customerOf(ZHANG_WEI);
      const file = upload('orders.csv', `external_id,customer,ordered_at,amount\nCHAT-1,${who},2026-11-20,120.00\nCHAT-2,${who},2026-11-21,80.00\n`);
      const orders = async () => (await h.db.kysely.selectFrom('Order').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      const before = await orders();
      const reply = await importAs('U0LINA', '/customer import orders', file);
      expect(textOf(reply)).toMatch(/^已从 orders\.csv 导入 orders（导入批次 \d+）：新增 2，更新 0，未变 0，拒绝 0。可用 npm run import -- undo \d+ 撤销。$/);
      expect(await orders()).toBe(before + 2);
      // The same file again changes nothing.
      expect(textOf(await importAs('U0LINA', '/customer import orders', upload('orders.csv', `external_id,customer,ordered_at,amount\nCHAT-1,${who},2026-11-20,120.00\nCHAT-2,${who},2026-11-21,80.00\n`)))).toContain('未变 2');
      expect((await auditRows(h.db)).filter((r) => r.action === 'import.run')).toHaveLength(2);
    });

    it('does send back the bad rows as a formula-escaped CSV with --on-error skip, and write nothing on a dry run', async () => {
      const who = await customerOf(ZHANG_WEI);
      const csv = `external_id,customer,ordered_at,amount\nCHAT-3,${who},2026-11-22,50\nCHAT-4,${who},not a date,=HYPERLINK("http://evil.example")\n`;
      const dry = await importAs('U0LINA', '/customer import orders --dry-run --on-error skip', upload('bad.csv', csv));
      expect(textOf(dry)).toMatch(/^试运行 bad\.csv 的 orders 导入，未写入任何数据：将会新增 1，更新 0，未变 0，拒绝 1。/);
      expect(await h.db.kysely.selectFrom('Order').select('id').where('externalId', '=', 'CHAT-3').execute()).toEqual([]);
      const real = await importAs('U0LINA', '/customer import orders --on-error skip', upload('bad.csv', csv));
      const rejects = real.blocks.find((b) => b.type === 'file');
      expect(rejects).toMatchObject({ type: 'file', fileName: 'bad.rejects.csv', contentType: 'text/csv' });
      const text = Buffer.from(rejects!.type === 'file' ? rejects!.bytes : new Uint8Array()).toString('utf8');
      expect(text).toContain("'=HYPERLINK");
      expect(text).not.toMatch(/,=HYPERLINK/);
      expect(textOf(real)).toMatch(/bad\.csv:3: /);
    });

    it('does refuse reps before reading the file, and too large files before reading them', async () => {
      const file = upload('orders.csv', 'external_id,customer,ordered_at,amount\n');
      expect(textOf(await importAs('U0ZHANG', '/customer import orders', file))).toBe('只有经理可以使用 /customer import。');
      const huge = { ...upload('huge.csv', ''), size: 200 * 1024 * 1024 };
      expect(textOf(await importAs('U0LINA', '/customer import orders', huge))).toMatch(/^huge\.csv 超过 100 MB/);
      expect(file.reads + huge.reads).toBe(0);
    });

    it('does ask for the file when none came with the command, and read a path on the console', async () => {
      expect(textOf(await importAs('U0LINA', '/customer import customers'))).toMatch(/^请附上要作为 customers 导入的 CSV 文件/);
      const examples = path.resolve(import.meta.dirname, '..', '..', 'examples', 'customers.csv');
      const openFile = (file: string) => (fs.existsSync(file) ? { name: path.basename(file), size: fs.statSync(file).size, read: async () => new Uint8Array(fs.readFileSync(file)) } : null);
      const session = { switchUser() {}, openFile };
      const console = (text: string) => h.app.dispatch({ platform: 'console', userId: LI_NA, text, session });
      expect(textOf(await console(`/customer import customers ${examples} --dry-run`))).toMatch(/^试运行 customers\.csv 的 customers 导入/);
      expect(textOf(await console('/customer import customers /nowhere/x.csv'))).toBe('没有找到文件 /nowhere/x.csv。');
    });

    it('does take --create-missing as the rejection of an unknown customer suggests, and name the CLI for --mapping', async () => {
      const csv = 'external_id,customer,ordered_at,amount\nCHAT-20,NEW-CUSTOMER,2026-11-22,50\n';
      const refused = textOf(await importAs('U0LINA', '/customer import orders', upload('new.csv', csv)));
      expect(refused).toContain('new.csv:2: customer: no customer has this external id (import customers first, or use --create-missing) (NEW-CUSTOMER)');
      expect(textOf(await importAs('U0LINA', '/customer import orders --create-missing', upload('new.csv', csv)))).toMatch(/新增 1，/);
      expect(await h.db.kysely.selectFrom('Customer').select('name').where('externalId', '=', 'NEW-CUSTOMER').execute()).toEqual([{ name: 'NEW-CUSTOMER' }]);
      const wrongKind = textOf(await importAs('U0LINA', '/customer import customers', upload('o.csv', csv)));
      expect(wrongKind).toContain('Import it as orders, or map the columns with a mapping file on the command line (npm run import -- --help).');
    });

    it('does ask for a path on the console when no file is named, with a line that works', async () => {
      const session = { switchUser() {}, openFile: () => null };
      const asked = textOf(await h.app.dispatch({ platform: 'console', userId: LI_NA, text: '/customer import orders', session }));
      expect(asked).toBe('请给出要作为 orders 导入的 CSV 文件路径，例如 /customer import orders examples/orders.csv');
      expect(asked).not.toMatch(/Discord|Slack/);
    });

    it('does ask for a rescoring when an import changed orders, and not when it did not', async () => {
      let rescorings = 0;
      const uploads = tempDir('rapport-uploads-');
      onTestFinished(uploads.cleanup);
      const services = servicesFor(h.db, h.clock, undefined, uploads.dir);
      const app = createDispatcher({
        commands,
        services: { ...services, imports: createImportService({ background: backgroundJobsFor(h.db), clock: h.clock, uploadsDir: uploads.dir, afterOrdersChanged: () => rescorings++ }) },
        clock: h.clock,
        logger: { error() {} },
        defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
      });
      const who = await customerOf(ZHANG_WEI);
      const send = (text: string, name: string, csv: string) => app.dispatch({ platform: 'slack', userId: 'U0LINA', text, files: { file: upload(name, csv) } });
      await send('/customer import orders', 'o.csv', `external_id,customer,ordered_at,amount\nCHAT-9,${who},2026-11-22,50\n`);
      expect(rescorings).toBe(1);
      await send('/customer import orders --dry-run', 'o.csv', `external_id,customer,ordered_at,amount\nCHAT-10,${who},2026-11-22,50\n`);
      expect(rescorings).toBe(1);
      // Nothing left behind in the uploads folder.
      expect(fs.readdirSync(uploads.dir)).toEqual([]);
    });
  });
});
