import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { importCli, seedRepsAndCustomers, snapshot, writeFixture } from './import-helpers.js';

const EXAMPLES = path.resolve(import.meta.dirname, '..', '..', 'examples');

describeEngines('import hardening', (engine) => {
  let db: TestStoreDatabase;
  let dir: string;
  let removeDir: () => void;

  beforeEach(async () => {
    db = await openTestDatabase(engine);
    ({ dir, cleanup: removeDir } = tempDir('rapport-hardening-'));
  });

  afterEach(async () => {
    await db.cleanup();
    removeDir();
  });

  const seedCustomers = () => seedRepsAndCustomers(db, dir);

  const count = async (table: 'Customer' | 'Order' | 'Rep') => (await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  describe('dates outside 1970-01-01 … tomorrow', () => {
    it.each([
      ['1900-01-01', 'too early: dates are accepted from 1970-01-01 to 2026-01-16'],
      ['1969-12-31 23:00', 'too early: dates are accepted from 1970-01-01 to 2026-01-16'],
      ['61', 'too early: dates are accepted from 1970-01-01 to 2026-01-16'],
      ['2099-01-01', 'in the future: dates are accepted from 1970-01-01 to 2026-01-16'],
      ['2026-01-17', 'in the future: dates are accepted from 1970-01-01 to 2026-01-16'],
    ])('does reject an order dated %s with the accepted range, and import nothing', async (date, problem) => {
      await seedCustomers();
      const file = writeFixture(dir, 'old.csv', `customer,ordered_at,amount\nC1,2025-01-01,10\nC1,${date},10\n`);
      const result = await importCli(db, ['orders', file]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`${file}:3: ordered_at: ${problem} (${date})`);
      expect(await count('Order')).toBe(0);
    });

    it('does accept the first day and tomorrow (a zone ahead of UTC is already there)', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'edge.csv', 'customer,ordered_at,amount\nC1,1970-01-01,10\nC1,2026-01-16 23:00,10\n');
      expect((await importCli(db, ['orders', file])).code).toBe(0);
      expect(await count('Order')).toBe(2);
    });

    it('does reject an interaction dated in 2099', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'i.csv', 'customer,kind,at\nC1,call,2099-05-01\n');
      const result = await importCli(db, ['interactions', file]);
      expect(result.err).toContain(`${file}:2: at: in the future: dates are accepted from 1970-01-01 to 2026-01-16 (2099-05-01)`);
    });
  });

  describe('values a spreadsheet mangled, and absurd ones', () => {
    it('does reject a phone Excel turned into scientific notation, and one of 26 digits, saying why', async () => {
      const file = writeFixture(dir, 'p.csv', 'external_id,name,phone\nC1,A,1.39123E+10\nC2,B,12345678901234567890123456\nC3,C,+86 139 1234 5678\n');
      const result = await importCli(db, ['customers', file, '--on-error', 'skip']);
      expect(result.err).toContain(`${file}:2: phone: Excel shortened this number to scientific notation and its last digits are lost: format the column as Text in Excel and export again (1.39123E+10)`);
      expect(result.err).toContain(`${file}:3: phone: not a phone number (more than 15 digits)`);
      expect(await db.kysely.selectFrom('Customer').select(['externalId', 'phone']).orderBy('id').execute()).toEqual([{ externalId: 'C3', phone: '+8613912345678' }]);
    });

    it('does read full-width digits an input method typed, and drop invisible and direction-changing characters from every cell', async () => {
      const file = writeFixture(dir, 'w.csv', 'external_id,name,phone,tags\nC1,\u202Eevil\u200B name,１３８ ００００ ０００９,vip\u2066\n');
      const result = await importCli(db, ['customers', file]);
      expect(result.code, result.err).toBe(0);
      expect(await db.kysely.selectFrom('Customer').select(['name', 'phone', 'tags']).orderBy('id').limit(1).executeTakeFirst()).toEqual({ name: 'evil name', phone: '13800000009', tags: 'vip' });
    });

    it('does reject an order amount no order has', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'big.csv', 'customer,ordered_at,amount\nC1,2025-01-01,"99,999,999,999.00"\n');
      expect((await importCli(db, ['orders', file])).err).toContain('amount: not a plausible amount for one order (more than 10,000,000,000.00)');
    });

    it('does warn when an external id repeats in one file and say which line won', async () => {
      const file = writeFixture(dir, 'twice.csv', 'external_id,name\nC1,First\nC2,Other\nC1,Second\n');
      const result = await importCli(db, ['customers', file]);
      expect(result.code).toBe(0);
      expect(result.err).toContain(`warning: ${file}:4: external_id C1 repeats line 2; this later line won`);
      expect(await db.kysely.selectFrom('Customer').select('name').where('externalId', '=', 'C1').execute()).toEqual([{ name: 'Second' }]);
    });

    it('does warn when an order id repeats in one file and say which line won', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'o.csv', 'order_id,customer,ordered_at,amount\nO1,C1,2025-01-01,10\nO1,C1,2025-01-01,12\n');
      const result = await importCli(db, ['orders', file]);
      expect(result.err).toContain(`warning: ${file}:3: order_id O1 repeats an earlier line; this later line won`);
      expect(await db.kysely.selectFrom('Order').select('amountMinor').orderBy('id').execute()).toEqual([{ amountMinor: 1200 }]);
    });
  });

  describe('orders without an order id', () => {
    it('does keep identical rows as separate orders, report them, and add nothing when the file or an overlapping one comes again', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'same.csv', 'customer,ordered_at,amount\nC1,2025-01-01,10\nC1,2025-01-01,10\nC2,2025-01-01,10\n');
      const first = await importCli(db, ['orders', file]);
      expect(first.out).toContain('3 inserted, 0 updated, 0 unchanged');
      expect(first.err).toContain(`${file}:3: same customer, date, amount and product as line 2 and no order id: kept as another order (possible duplicate`);
      expect((await importCli(db, ['orders', file])).out).toContain('0 inserted, 0 updated, 3 unchanged');
      // A later export with the same two rows and one more: only the new one is added.
      const overlap = writeFixture(dir, 'overlap.csv', 'customer,ordered_at,amount\nC1,2025-01-01,10\nC1,2025-01-01,10\nC1,2025-01-01,10\n');
      expect((await importCli(db, ['orders', overlap])).out).toContain('1 inserted, 0 updated, 2 unchanged');
      expect(await count('Order')).toBe(4);
    });
  });

  describe('refunds that name their order', () => {
    it('does store refund_of for a refund of the same customer’s order, and reject it elsewhere', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'r.csv', [
        'order_id,customer,ordered_at,amount,refund_of',
        'O1,C1,2025-01-01,100,',
        'R1,C1,2025-01-20,-100,O1',
        'R2,C2,2025-01-20,-100,O1',
        'R3,C1,2025-01-20,50,O1',
        'R4,C1,2025-01-20,-10,O9',
        '',
      ].join('\n'));
      const result = await importCli(db, ['orders', file, '--on-error', 'skip']);
      expect(result.err).toContain(`${file}:4: refund_of: that order is another customer’s (O1)`);
      expect(result.err).toContain(`${file}:5: refund_of: only a refund (a negative amount) names an original order (O1)`);
      expect(result.err).toContain(`${file}:6: refund_of: no order has this order id (import the original order first) (O9)`);
      expect(await db.kysely.selectFrom('Order').select(['externalId', 'refundOf']).orderBy('id').execute()).toEqual([
        { externalId: 'O1', refundOf: null },
        { externalId: 'R1', refundOf: 'O1' },
      ]);
    });
  });

  describe('files of the wrong kind', () => {
    it('does refuse an orders file imported as customers, saying what it looks like', async () => {
      const result = await importCli(db, ['customers', path.join(EXAMPLES, 'orders.csv')]);
      expect(result.code).toBe(1);
      expect(result.err).toContain('this looks like an orders file, not a customers file');
      expect(await count('Customer')).toBe(0);
    });

    it('does refuse a customers file imported as reps even when bad rows are to be skipped', async () => {
      const result = await importCli(db, ['reps', path.join(EXAMPLES, 'customers.csv'), '--on-error', 'skip']);
      expect(result.code).toBe(1);
      expect(result.err).toContain('this looks like a customers file, not a reps file');
      expect(await count('Rep')).toBe(0);
    });

    it('does name the kind a file looks like when a required column is missing', async () => {
      const result = await importCli(db, ['customers', path.join(EXAMPLES, 'reps.csv')]);
      expect(result.err).toMatch(/missing required column: external_id .* This looks like a reps file: import it as reps\./);
    });

    it('does refuse an Excel workbook or another binary file in one short line, and a folder as a folder', async () => {
      const workbook = path.join(dir, 'orders.xlsx');
      fs.writeFileSync(workbook, Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000'), Buffer.alloc(3000, 0x8f), Buffer.from('\n,\n')]));
      const xlsx = await importCli(db, ['orders', workbook]);
      expect(xlsx.code).toBe(1);
      expect(xlsx.err).toBe(`${workbook}: this is an Excel workbook (or another zip file), not a CSV file: save it as CSV UTF-8 in Excel and import that\n`);
      const program = path.join(dir, 'program.csv');
      fs.writeFileSync(program, Buffer.concat([Buffer.from('\u007fELF\u0002\u0001'), Buffer.alloc(5000, 0), Buffer.from('customer,amount\n')]));
      expect((await importCli(db, ['orders', program])).err).toBe(`${program}: this is not a text file (it holds binary data): export the data as CSV and import that\n`);
      const folder = await importCli(db, ['orders', dir]);
      expect(folder).toMatchObject({ code: 1, err: `import: ${dir} is a folder; name a CSV file in it\n` });
      expect(await count('Order')).toBe(0);
    });

    it('does show a long header shortened when it names the columns it found', async () => {
      const file = writeFixture(dir, 'wide.csv', `${'a'.repeat(300_000)},b\n1,2\n`);
      const result = await importCli(db, ['orders', file]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/Found: a{100,}…\.\n/);
      expect(result.err.length).toBeLessThan(1000);
    });

    it('does import every example file as its own kind', async () => {
      for (const kind of ['reps', 'customers', 'orders', 'interactions']) {
        const result = await importCli(db, [kind, path.join(EXAMPLES, `${kind}.csv`)]);
        expect(result.code, `${kind}: ${result.err}`).toBe(0);
      }
    });
  });

  describe('--dry-run', () => {
    it('does predict a refusal and exit 1 when a bad row would stop the real run', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'bad.csv', 'customer,ordered_at,amount\nC1,2025-01-01,10\nC1,2025-13-01,10\n');
      const before = await snapshot(db);
      const dry = await importCli(db, ['orders', file, '--dry-run']);
      expect(dry.code).toBe(1);
      expect(dry.out).toContain('nothing written: the import would be refused: 1 of 2 rows is bad (fix them, or use --on-error skip)');
      expect(await snapshot(db)).toEqual(before);
      expect((await importCli(db, ['orders', file])).code).toBe(1);
      const skip = await importCli(db, ['orders', file, '--dry-run', '--on-error', 'skip']);
      expect(skip.code).toBe(0);
      expect(skip.out).toContain('would be 1 inserted, 0 updated, 0 unchanged, 1 rejected');
      expect(fs.existsSync(`${file}.rejects.csv`)).toBe(false);
    });
  });

  describe('the mapping file', () => {
    it('does ignore a column mapped to null or ""', async () => {
      const file = writeFixture(dir, 'm.csv', 'Id,Kunde,Notiz\nX,D1,hello\n');
      const mapping = writeFixture(dir, 'mapping.json', JSON.stringify({ Id: '', Kunde: 'external_id', Notiz: null, Name: 'name' }));
      const unmapped = await importCli(db, ['customers', file, '--mapping', mapping]);
      expect(unmapped.err).toContain('missing required column: name');
      const named = writeFixture(dir, 'n.csv', 'Id,Kunde,Name,Notiz\nX,D1,Lukas,hello\n');
      const result = await importCli(db, ['customers', named, '--mapping', mapping]);
      expect(result.code).toBe(0);
      expect(result.err).not.toContain('ignored column');
      expect(await db.kysely.selectFrom('Customer').select(['externalId', 'name']).orderBy('id').execute()).toEqual([{ externalId: 'D1', name: 'Lukas' }]);
    });

    it('does say "a column of orders files" for a mapping onto no such column', async () => {
      await seedCustomers();
      const mapping = writeFixture(dir, 'bad-mapping.json', JSON.stringify({ Betrag: 'price' }));
      const result = await importCli(db, ['orders', writeFixture(dir, 'o.csv', 'customer,ordered_at,Betrag\nC1,2025-01-01,1\n'), '--mapping', mapping]);
      expect(result.err).toContain('mapping: "price" is not a column of orders files');
    });
  });

  describe('the rejects file', () => {
    it('does escape cells that a spreadsheet would run as formulas, and import again once fixed', async () => {
      await seedCustomers();
      const file = writeFixture(dir, 'evil.csv', [
        'customer,ordered_at,amount,product',
        'C1,2025-01-01,-399,"=HYPERLINK(""http://evil.example"",""x"")"',
        'C1,not a date,10,+cmd',
        'C1,2025-01-02,10,@SUM(A1)',
        'C1,yesterday,10,"\t=1+1"',
        '',
      ].join('\n'));
      const result = await importCli(db, ['orders', file, '--on-error', 'skip']);
      expect(result.code).toBe(0);
      const rejects = fs.readFileSync(`${file}.rejects.csv`, 'utf8').split('\r\n');
      expect(rejects[1]).toBe(`C1,not a date,10,'+cmd,"line 3: ordered_at: not a date (use YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or M/D/YYYY) (not a date)"`);
      expect(rejects[2]).toBe(`C1,yesterday,10,'\t=1+1,"line 5: ordered_at: not a date (use YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or M/D/YYYY) (yesterday)"`);
      // Stored as given; escaped only where a CSV is written.
      const products = async () => (await db.kysely.selectFrom('Order').select('product').orderBy('id').execute()).map((o) => o.product);
      expect(await products()).toEqual(['=HYPERLINK("http://evil.example","x")', '@SUM(A1)']);
      const fixed = fs.readFileSync(`${file}.rejects.csv`, 'utf8').replace('not a date', '2025-02-01').replace('yesterday', '2025-02-02');
      expect((await importCli(db, ['orders', writeFixture(dir, 'fixed.csv', fixed)])).code).toBe(0);
      expect(await products()).toEqual(['=HYPERLINK("http://evil.example","x")', '@SUM(A1)', '+cmd', '\t=1+1']);
    });
  });

  describe('--help', () => {
    it('does print the usage and exit 0', async () => {
      const result = await importCli(db, ['--help']);
      expect(result.code).toBe(0);
      expect(result.out).toContain('Usage: import <customers|orders|reps|interactions> <file.csv>');
      expect(result.out).toContain('accepted from 1970-01-01 to tomorrow');
    });
  });
});
