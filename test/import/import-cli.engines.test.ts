import fs from 'node:fs';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importStream } from '../../src/import/import-run.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { clock, importCli, ORDERS_CSV, seedRepsAndCustomers, snapshot, writeFixture } from './import-helpers.js';

describeEngines('the import CLI', (engine) => {
  let db: TestStoreDatabase;
  let dir: string;
  let removeDir: () => void;

  beforeEach(async () => {
    db = await openTestDatabase(engine);
    ({ dir, cleanup: removeDir } = tempDir('rapport-import-'));
  });

  afterEach(async () => {
    await db.cleanup();
    removeDir();
  });

  const seedCustomers = () => seedRepsAndCustomers(db, dir);

  const customers = () =>
    db.kysely.selectFrom('Customer').select(['externalId', 'name', 'email', 'phone', 'birthdayMonth', 'birthdayDay', 'birthdayYear', 'ownerId']).orderBy('id').execute();
  const orders = () => db.kysely.selectFrom('Order').select(['externalId', 'customerId', 'orderedAt', 'amountMinor', 'marginMinor', 'product']).orderBy('id').execute();
  const countOf = async (table: 'Customer' | 'Order') => (await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  describe('import customers and orders', () => {
    it('does insert typed rows and print a summary when the files are good', async () => {
      await seedCustomers();
      const result = await importCli(db, ['orders', writeFixture(dir, 'orders.csv', ORDERS_CSV)]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/Imported orders from .*orders\.csv \(utf-8, comma-separated\) as run 3: 4 inserted, 0 updated, 0 unchanged, 0 rejected in \d+\.\d s/);
      expect(await customers()).toEqual([
        { externalId: 'C1', name: '王芳', email: 'wang.fang@example.cn', phone: '+8613812345678', birthdayMonth: 3, birthdayDay: 15, birthdayYear: 1988, ownerId: 1 },
        { externalId: 'C2', name: '李娜', email: 'li.na@example.cn', phone: '13912345679', birthdayMonth: 3, birthdayDay: 8, birthdayYear: null, ownerId: 1 },
        { externalId: 'C3', name: 'Emma Fischer', email: 'emma@example.de', phone: null, birthdayMonth: 6, birthdayDay: 1, birthdayYear: null, ownerId: 2 },
      ]);
      expect(await orders()).toEqual([
        { externalId: 'O1', customerId: 1, orderedAt: Date.parse('2025-01-12T14:30:00Z'), amountMinor: 128000, marginMinor: 51200, product: '精华' },
        { externalId: 'O2', customerId: 1, orderedAt: Date.parse('2025-03-02T00:00:00Z'), amountMinor: 236050, marginMinor: 90000, product: '套装' },
        { externalId: 'O3', customerId: 2, orderedAt: Date.parse('2025-04-15T00:00:00Z'), amountMinor: -39900, marginMinor: -12000, product: '口红 退货' },
        { externalId: null, customerId: 3, orderedAt: Date.parse('2025-08-01T00:00:00Z'), amountMinor: 125000, marginMinor: null, product: 'Sample kit' },
      ]);
      expect(await db.kysely.selectFrom('Team').select('name').orderBy('id').execute()).toEqual([{ name: '上海旗舰店' }, { name: 'Berlin B2B' }]);
    });

    it('does report every row unchanged and change nothing when the same files are imported again', async () => {
      await seedCustomers();
      const ordersFile = writeFixture(dir, 'orders.csv', ORDERS_CSV);
      await importCli(db, ['orders', ordersFile]);
      const before = await snapshot(db);
      const again = await importCli(db, ['orders', ordersFile]);
      expect(again.out).toContain('0 inserted, 0 updated, 4 unchanged, 0 rejected');
      expect(again.err).toMatch(/warning: .*orders\.csv: the same file \(same content\) was already imported as run 3 on 2026-01-15/);
      const after = await snapshot(db);
      expect(after.Order).toEqual(before.Order);
      expect(after.Customer).toEqual(before.Customer);
      expect(after.ImportChange).toEqual(before.ImportChange);
    });

    it('does update a changed row in place and leave absent columns alone when a file changes', async () => {
      await seedCustomers();
      const changed = 'external_id,name,phone\nC1,王芳芳,+86 138 1234 5678\nC2,李娜,\n';
      const result = await importCli(db, ['customers', writeFixture(dir, 'changed.csv', changed)]);
      expect(result.out).toContain('0 inserted, 2 updated, 0 unchanged');
      expect(await customers()).toMatchObject([
        { externalId: 'C1', name: '王芳芳', email: 'wang.fang@example.cn', phone: '+8613812345678' },
        { externalId: 'C2', name: '李娜', email: 'li.na@example.cn', phone: null },
        { externalId: 'C3' },
      ]);
      expect(await db.kysely.selectFrom('Customer').select('id').where('externalId', '=', 'C1').execute()).toHaveLength(1);
    });

    it('does read a GBK file with Chinese headers when Excel on Chinese Windows wrote it', async () => {
      const text = '客户编号,客户名称,手机,生日,负责人,不知道的列\r\nK1,张伟,137 0000 1111,1975年11月2日,,x\r\nK2,刘秀英,,--07-21,,y\r\n';
      const result = await importCli(db, ['customers', writeFixture(dir, 'gbk.csv', iconv.encode(text, 'gbk'))]);
      expect(result.code).toBe(0);
      expect(result.out).toContain('(gb18030, comma-separated)');
      expect(result.err).toContain('ignored column Rapport does not know: 不知道的列');
      expect(await customers()).toMatchObject([
        { externalId: 'K1', name: '张伟', phone: '13700001111', birthdayYear: 1975 },
        { externalId: 'K2', name: '刘秀英', birthdayMonth: 7, birthdayDay: 21 },
      ]);
    });

    it('does map headers from a --mapping file when they are not built-in aliases', async () => {
      const file = writeFixture(dir, 'mapped.csv', 'Kundennummer;Kundenname;Geburtstag\nD1;Lukas Müller;24.12.1980\n');
      const mapping = writeFixture(dir, 'mapping.json', JSON.stringify({ Kundennummer: 'external_id', Kundenname: 'name', Geburtstag: 'birthday' }));
      const result = await importCli(db, ['customers', file, '--mapping', mapping]);
      expect(result.code).toBe(0);
      expect(await customers()).toMatchObject([{ externalId: 'D1', name: 'Lukas Müller', birthdayMonth: 12, birthdayDay: 24, birthdayYear: 1980 }]);
    });

    it('does refuse the file naming the missing column when a required one is absent', async () => {
      const result = await importCli(db, ['orders', writeFixture(dir, 'o.csv', 'customer,amount\nC1,5\n')]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/o\.csv: missing required column: ordered_at \(or order_date/);
      expect(await db.kysely.selectFrom('ImportRun').select('status').execute()).toEqual([{ status: 'failed' }]);
    });
  });

  describe('bad rows', () => {
    const BAD_CUSTOMERS = [
      'external_id,name,email,birthday,owner,greeting_opt_out',
      'C1,王芳,wang@example.cn,1988-03-15,,no',
      'C2,,li@example.cn,,,',
      'C3,张伟,not-an-email,1990-13-01,,',
      'C4,Emma,emma@example.de,,nobody@example.com,maybe',
      'C5,"Lukas ""Luke"" Müller",lukas@example.de,,,',
      '',
    ].join('\n');

    it('does list each problem as file:line: column: problem (value) and apply nothing when --on-error is abort', async () => {
      const file = writeFixture(dir, 'bad.csv', BAD_CUSTOMERS);
      const result = await importCli(db, ['customers', file]);
      expect(result.code).toBe(1);
      expect(result.err.split('\n').filter((line) => line.startsWith(file))).toEqual([
        `${file}:3: name: required but empty`,
        `${file}:4: email: not an email address (not-an-email)`,
        `${file}:4: birthday: not a birthday: month 13 does not exist (1990-13-01)`,
        `${file}:5: greeting_opt_out: not yes/no (use yes, no, true, false, 1, 0, 是 or 否) (maybe)`,
      ]);
      expect(result.out).toContain('Nothing imported');
      expect(result.out).toContain('3 of 5 rows are bad');
      expect(await countOf('Customer')).toBe(0);
      expect(await db.kysely.selectFrom('ImportRun').select(['status', 'rejected']).execute()).toEqual([{ status: 'failed', rejected: 3 }]);
    });

    it('does reject an unknown owner as a row problem when the row is otherwise valid', async () => {
      const file = writeFixture(dir, 'owner.csv', 'external_id,name,owner\nC1,王芳,nobody@example.com\n');
      const result = await importCli(db, ['customers', file]);
      expect(result.err).toContain(`${file}:2: owner: no rep has this email or name (import reps first) (nobody@example.com)`);
    });

    it('does reject a row with more cells than the header has', async () => {
      const file = writeFixture(dir, 'wide.csv', 'external_id,name\nC1,王芳,extra\nC2,李娜,,\n');
      const result = await importCli(db, ['customers', file, '--on-error', 'skip']);
      expect(result.err).toContain(`${file}:2: column 3: row has 3 fields but the header has 2 (extra)`);
      expect(result.out).toContain('1 inserted, 0 updated, 0 unchanged, 1 rejected');
    });

    it('does apply the good rows and write the bad ones with a reason column when --on-error is skip', async () => {
      const file = writeFixture(dir, 'bad.csv', BAD_CUSTOMERS);
      const result = await importCli(db, ['customers', file, '--on-error', 'skip']);
      expect(result.code).toBe(0);
      expect(result.out).toContain('2 inserted, 0 updated, 0 unchanged, 3 rejected');
      expect(await db.kysely.selectFrom('Customer').select('externalId').orderBy('id').execute()).toEqual([{ externalId: 'C1' }, { externalId: 'C5' }]);
      expect(await db.kysely.selectFrom('Customer').select('name').where('externalId', '=', 'C5').execute()).toEqual([{ name: 'Lukas "Luke" Müller' }]);
      const rejects = fs.readFileSync(`${file}.rejects.csv`, 'utf8');
      expect(rejects.split('\r\n')).toEqual([
        '\ufeffexternal_id,name,email,birthday,owner,greeting_opt_out,reason',
        'C2,,li@example.cn,,,,line 3: name: required but empty',
        'C3,张伟,not-an-email,1990-13-01,,,line 4: email: not an email address (not-an-email); birthday: not a birthday: month 13 does not exist (1990-13-01)',
        'C4,Emma,emma@example.de,,nobody@example.com,maybe,"line 5: greeting_opt_out: not yes/no (use yes, no, true, false, 1, 0, 是 or 否) (maybe)"',
        '',
      ]);
    });

    it('does cap the printed list and say how many more when many rows are bad', async () => {
      const rows = Array.from({ length: 60 }, (_, i) => `C${i},`).join('\n');
      const result = await importCli(db, ['customers', writeFixture(dir, 'many.csv', `external_id,name\n${rows}\n`)]);
      expect(result.err.split('\n').filter((line) => line.includes('required but empty'))).toHaveLength(50);
      expect(result.err).toContain('… and 10 more problems');
    });

    it('does reject ambiguous slash dates unless --date-format resolves them', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'us.csv', 'customer,ordered_at,amount\nC1,3/4/2025,10\n');
      const ambiguous = await importCli(db, ['orders', file]);
      expect(ambiguous.err).toContain(`${file}:2: ordered_at: ambiguous: day and month could be either way round`);
      const resolved = await importCli(db, ['orders', file, '--date-format', 'D/M/YYYY']);
      expect(resolved.code).toBe(0);
      expect(await orders()).toMatchObject([{ orderedAt: Date.parse('2025-04-03T00:00:00Z') }]);
    });

    it('does stop with the line when the CSV quoting is broken and leave the database as it was', async () => {
      const file = writeFixture(dir, 'broken.csv', 'external_id,name\nC1,ok\nC2,"never closed\n');
      const result = await importCli(db, ['customers', file]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`${file}:3: a quoted field is never closed`);
      expect(await countOf('Customer')).toBe(0);
    });
  });

  describe('references, duplicates, dry run and undo', () => {
    it('does reject orders of unknown customers unless --create-missing makes stubs', async () => {
      const file = writeFixture(dir, 'orders.csv', 'external_id,customer,ordered_at,amount\nO1,X1,2025-01-01,10\nO2,X1,2025-01-02,20\n');
      const rejected = await importCli(db, ['orders', file]);
      expect(rejected.err).toContain(`${file}:2: customer: no customer has this external id (import customers first, or use --create-missing) (X1)`);
      expect(rejected.code).toBe(1);
      const created = await importCli(db, ['orders', file, '--create-missing']);
      expect(created.out).toContain('2 inserted, 0 updated, 0 unchanged, 0 rejected, 1 stub customer created');
      expect(await db.kysely.selectFrom('Customer').select(['externalId', 'name']).execute()).toEqual([{ externalId: 'X1', name: 'X1' }]);
    });

    it('does warn about possible duplicates and keep both customers when email or phone match another id', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'dupes.csv', 'external_id,name,email,phone\nC9,王 芳,WANG.FANG@example.cn,\nC10,Li Na,,+86 139 1234 5679\nC11,Li Na,,139-1234-5679\n');
      const result = await importCli(db, ['customers', file]);
      expect(result.err).toContain('possible duplicate, not merged: C9 has the same email as C1 (wang.fang@example.cn)');
      expect(result.err).toContain('possible duplicate, not merged: C11 has the same phone as C2 (13912345679)');
      expect(await countOf('Customer')).toBe(6);
    });

    it('does write nothing, not even a run, when --dry-run is given', async () => {
      await seedCustomers();
      const before = await snapshot(db);
      const result = await importCli(db, ['orders', writeFixture(dir, 'orders.csv', ORDERS_CSV), '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.out).toContain('Dry run of orders');
      expect(result.out).toContain('would be 4 inserted, 0 updated, 0 unchanged, 0 rejected');
      expect(await snapshot(db)).toEqual(before);
    });

    it('does revert inserts and updates exactly when a run is undone', async () => {
      await seedCustomers();
      await importCli(db, ['orders', writeFixture(dir, 'orders.csv', ORDERS_CSV)]);
      const before = await snapshot(db);
      const changes = 'external_id,name,email\nC1,王芳 (VIP),vip@example.cn\nC4,新客户,new@example.cn\n';
      const run = await importCli(db, ['customers', writeFixture(dir, 'changes.csv', changes)]);
      expect(run.out).toContain('as run 4: 1 inserted, 1 updated');
      const undo = await importCli(db, ['undo', '4']);
      expect(undo).toMatchObject({ code: 0, out: 'Undid run 4 (customers): 1 row deleted, 1 row restored\n' });
      const after = await snapshot(db);
      for (const table of ['Customer', 'Order', 'Rep', 'Team'] as const) expect(after[table]).toEqual(before[table]);
      expect(await db.kysely.selectFrom('ImportRun').select(['status', 'undoneAt']).where('id', '=', 4).execute()).toEqual([{ status: 'undone', undoneAt: clock.now().getTime() }]);
      expect((await importCli(db, ['undo', '4'])).err).toContain('run 4 is undone; only an applied run can be undone');
    });

    it('does undo an orders run with its stub customers and recompute scores', async () => {
      let recomputed = 0;
      const file = writeFixture(dir, 'orders.csv', 'customer,ordered_at,amount\nX1,2025-01-01,10\n');
      await importCli(db, ['orders', file, '--create-missing'], { afterOrdersChanged: async () => void recomputed++ });
      expect(recomputed).toBe(1);
      const undo = await importCli(db, ['undo', '1'], { afterOrdersChanged: async () => void recomputed++ });
      expect(undo.code).toBe(0);
      expect(recomputed).toBe(2);
      expect((await countOf('Customer')) + (await countOf('Order'))).toBe(0);
    });

    it('does refuse to undo a run when a later run changed the same rows', async () => {
      await seedCustomers();
      await importCli(db, ['customers', writeFixture(dir, 'a.csv', 'external_id,name\nC1,A\n')]);
      await importCli(db, ['customers', writeFixture(dir, 'b.csv', 'external_id,name\nC1,B\n')]);
      const undo = await importCli(db, ['undo', '3']);
      expect(undo.code).toBe(1);
      expect(undo.err).toContain('run 4 (applied later) changed the same rows; undo run 4 first');
    });

    it('does refuse to undo a customers run when later orders use its customers', async () => {
      await seedCustomers();
      await importCli(db, ['orders', writeFixture(dir, 'orders.csv', ORDERS_CSV)]);
      const undo = await importCli(db, ['undo', '2']);
      expect(undo.code).toBe(1);
      expect(undo.err).toMatch(/customer \d+, inserted by this run, is now used by other records/);
      expect(await countOf('Customer')).toBe(3);
    });
  });

  describe('interactions and reps', () => {
    it('does import interactions keyed by customer, rep, kind and time when re-imported', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'interactions.csv', '客户编号,销售,类型,时间,备注,满意度\nC1,chen.jie@example.cn,电话,2025-03-10 16:00,"回访，很满意",5\nC2,陈杰,投诉,2025-06-14 09:20,退货,2\n');
      expect((await importCli(db, ['interactions', file])).out).toContain('2 inserted');
      const changed = writeFixture(dir, 'interactions2.csv', '客户编号,销售,类型,时间,备注,满意度\nC1,chen.jie@example.cn,call,2025-03-10 16:00,"回访，很满意",4\n');
      expect((await importCli(db, ['interactions', changed])).out).toContain('0 inserted, 1 updated, 0 unchanged');
      expect(await db.kysely.selectFrom('Interaction').select(['kind', 'text', 'satisfaction']).orderBy('id').execute()).toEqual([
        { kind: 'call', text: '回访，很满意', satisfaction: 4 },
        { kind: 'complaint', text: '退货', satisfaction: 2 },
      ]);
    });

    it('does reject a Slack id already linked to another rep', async () => {
      await importCli(db, ['reps', writeFixture(dir, 'r1.csv', 'email,name,slack_user_id\na@example.com,A,U1\n')]);
      const file = writeFixture(dir, 'r2.csv', 'email,name,slack_user_id\nb@example.com,B,U1\n');
      expect((await importCli(db, ['reps', file])).err).toContain(`${file}:2: slack_user_id: already linked to rep a@example.com (U1)`);
    });
  });

  describe('arguments and the programmatic entry', () => {
    it.each([
      [[], 'the first argument must be one of'],
      [['products', 'x.csv'], 'the first argument must be one of'],
      [['orders'], 'name the CSV file'],
      [['orders', 'x.csv', '--on-error', 'ignore'], '--on-error must be abort or skip'],
      [['orders', 'x.csv', '--encoding', 'klingon'], '--encoding names an encoding'],
      [['orders', 'x.csv', '--date-format', 'YYYY'], '--date-format must be'],
      [['orders', 'x.csv', '--bogus'], "Unknown option '--bogus'"],
      [['undo', 'abc'], 'the run id must be a number'],
    ])('does print the usage and exit 2 when the arguments are %j', async (argv, message) => {
      const result = await importCli(db, argv);
      expect(result.code).toBe(2);
      expect(result.err).toContain(message);
      expect(result.err).toContain('Usage: import <customers|orders|reps|interactions>');
    });

    it('does import from a readable stream and return the summary when a chat upload calls it', async () => {
      const upload = async function* () {
        yield Buffer.from('external_id,name\nC1,王芳\nC2,\n');
      };
      const summary = await importStream({ db, clock }, upload(), { kind: 'customers', fileName: 'upload.csv', actor: 'U123', onError: 'skip' });
      expect(summary).toMatchObject({ status: 'applied', inserted: 1, rejected: 1, problems: ['upload.csv:3: name: required but empty'], rejectsPath: null });
    });
  });
});
