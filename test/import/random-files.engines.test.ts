import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importStream } from '../../src/import/import-run.js';
import { recomputeScores } from '../../src/scoring/recompute.js';
import { openTestDatabase, type TestStoreDatabase, describeEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/temp-database.js';
import { clock, CUSTOMERS_CSV, importCli, REPS_CSV, snapshot, writeFixture } from './import-helpers.js';

/**
 * Random import files (every kind, shuffled and aliased headers, several encodings, a mix of good
 * and bad rows, abort or skip) against one database: after each run the database is exactly as
 * before, or as before plus exactly the good rows; and scoring always succeeds afterwards.
 */
type Kind = 'customers' | 'orders' | 'reps' | 'interactions';

interface Cell {
  /** Header spellings, canonical first. */
  headers: string[];
  required: boolean;
  good: fc.Arbitrary<string>;
  bad: fc.Arbitrary<string>;
}

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => s.replace(/[\r\n"]/g, '').trim() || 'x');
const dates = fc.constantFrom('2025-03-04', '2024/12/31', '2025-06-01 14:30', '04.03.2025', '2025年3月4日', '2023-01-01T08:00:00+08:00');
const badDates = fc.constantFrom('1900-01-01', '2099-01-01', 'yesterday', '2025-13-01', '3/4/2025', '');
const CELLS: Record<Kind, Record<string, Cell>> = {
  customers: {
    name: { headers: ['name', 'customer_name', '姓名'], required: true, good: text, bad: fc.constant('') },
    email: { headers: ['email', 'e_mail'], required: false, good: fc.constantFrom('a@example.com', 'Wang.Fang@example.cn', ''), bad: fc.constantFrom('not-an-email', 'a@b') },
    phone: { headers: ['phone', 'mobile', '手机'], required: false, good: fc.constantFrom('+86 138 1234 5678', '139-1234-5679', ''), bad: fc.constantFrom('1.39123E+10', '123', '12345678901234567890123456') },
    birthday: { headers: ['birthday', 'dob', '生日'], required: false, good: fc.constantFrom('1988-03-15', '3月8日', '--06-01', ''), bad: fc.constantFrom('1850-01-01', '2999-01-01', '1990-13-01') },
  },
  orders: {
    customer: { headers: ['customer', 'customer_id', '客户编号'], required: true, good: fc.constantFrom('C1', 'C2', 'C3'), bad: fc.constantFrom('NOPE', '') },
    ordered_at: { headers: ['ordered_at', 'order_date', '下单时间'], required: true, good: dates, bad: badDates },
    amount: { headers: ['amount', 'total', '金额'], required: true, good: fc.constantFrom('12.50', '-3', '¥1,280.00', '0', '(45.00)'), bad: fc.constantFrom('abc', '1.234.5', '12.3456', '99999999999999') },
    product: { headers: ['product', 'item'], required: false, good: text, bad: fc.constant('x'.repeat(1001)) },
  },
  reps: {
    name: { headers: ['name', 'rep_name'], required: true, good: text, bad: fc.constant('') },
    role: { headers: ['role', '角色'], required: false, good: fc.constantFrom('rep', 'manager', '经理', ''), bad: fc.constantFrom('boss', 'ceo') },
    locale: { headers: ['locale', 'language'], required: false, good: fc.constantFrom('en', 'zh-CN', '中文', ''), bad: fc.constant('klingon') },
  },
  interactions: {
    customer: { headers: ['customer', '客户编号'], required: true, good: fc.constantFrom('C1', 'C2'), bad: fc.constant('NOPE') },
    kind: { headers: ['kind', 'type', '类型'], required: true, good: fc.constantFrom('call', '电话', 'visit', 'complaint'), bad: fc.constantFrom('telepathy', '') },
    note: { headers: ['note', 'comment'], required: false, good: text, bad: fc.constant('y'.repeat(1001)) },
    satisfaction: { headers: ['satisfaction', 'rating'], required: false, good: fc.constantFrom('1', '5', ''), bad: fc.constantFrom('6', 'great') },
  },
};
/** The key column of each kind, made unique per row so every good row is one new record. */
const KEYS: Record<Kind, { header: string; value: (n: number) => string } | null> = {
  customers: { header: 'external_id', value: (n) => `P${n}` },
  orders: { header: 'order_id', value: (n) => `O${n}` },
  reps: { header: 'email', value: (n) => `rep${n}@example.com` },
  interactions: { header: 'at', value: (n) => new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString() },
};

const file = fc.record({
  kind: fc.constantFrom<Kind>('customers', 'orders', 'reps', 'interactions'),
  spelling: fc.nat(),
  columns: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 0 }),
  dropRequired: fc.nat(99).map((n) => n < 8),
  encoding: fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le', 'gb18030'),
  delimiter: fc.constantFrom(',', ';', '\t'),
  onError: fc.constantFrom<'abort' | 'skip'>('abort', 'skip'),
  rows: fc.array(fc.record({ bad: fc.nat(99).map((n) => n < 15), seed: fc.nat() }), { minLength: 1, maxLength: 8 }),
});

function encode(content: string, encoding: string): Buffer {
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content)]);
  if (encoding === 'utf-16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(content, 'utf-16le')]);
  return iconv.encode(content, encoding);
}

function quote(value: string, delimiter: string): string {
  return value.includes(delimiter) || value.includes('"') || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// Scores after each file (recomputeScores, src/scoring: pgscore moves it).
describeEngines('random import files', (engine) => {
  let db: TestStoreDatabase;
  let work: ReturnType<typeof tempDir>;
  let next = 0;
  beforeAll(async () => {
    work = tempDir('rapport-random-import-');
    db = await openTestDatabase(engine);
    await importCli(db, ['reps', writeFixture(work.dir, 'reps.csv', REPS_CSV)]);
    await importCli(db, ['customers', writeFixture(work.dir, 'customers.csv', CUSTOMERS_CSV)]);
  });
  afterAll(async () => {
    await db.cleanup();
    work.cleanup();
  });

  it('does leave the database as before or as before plus exactly the good rows, and scoring works after', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.context(), async (f, ctx) => {
        const cells = Object.entries(CELLS[f.kind]);
        const chosen = cells.filter(([, cell], i) => (cell.required && !f.dropRequired) || f.columns.includes(i));
        const key = KEYS[f.kind]!;
        const header = [key.header, ...chosen.map(([, cell]) => cell.headers[f.spelling % cell.headers.length]!)];
        const values = f.rows.map((row) => {
          const badColumn = row.bad && chosen.length > 0 ? row.seed % chosen.length : -1;
          const cellsOfRow = chosen.map(([, cell], i) => fc.sample(i === badColumn ? cell.bad : cell.good, { numRuns: 1, seed: row.seed + i })[0]!);
          return { key: key.value(next++), bad: badColumn >= 0, cells: cellsOfRow };
        });
        const missingRequired = cells.some(([, cell]) => cell.required && !chosen.some(([, c]) => c === cell));
        const lines = [header, ...values.map((v) => [v.key, ...v.cells])].map((line) => line.map((value) => quote(value, f.delimiter)).join(f.delimiter));
        const content = `${lines.join('\r\n')}\r\n`;
        ctx.log(content);
        const before = await snapshot(db);
        const summary = await importStream({ db, clock }, (async function* () {
          yield encode(content, f.encoding);
        })(), {
          kind: f.kind,
          fileName: 'random.csv',
          actor: 'property',
          onError: f.onError,
          rejectsPath: null,
          // A few lines of GB18030 cannot be told from other legacy encodings: users name it, as the README says.
          ...(f.encoding === 'gb18030' ? { encoding: 'gb18030' } : {}),
        });
        const after = await snapshot(db);
        const good = values.filter((v) => !v.bad).map((v) => v.key);
        const bad = values.some((v) => v.bad);
        const unchanged = () => {
          for (const table of ['Team', 'Rep', 'Customer', 'Order', 'Interaction', 'ImportChange'] as const) expect(after[table]).toEqual(before[table]);
        };
        if (missingRequired || (bad && f.onError === 'abort')) {
          expect(summary.status).toBe('failed');
          unchanged();
        } else {
          expect(summary.inserted).toBe(good.length);
          const added = newKeys(f.kind, before, after);
          expect(added.sort()).toEqual(good.sort());
        }
        await recomputeScores(db, clock.now());
      }),
      { numRuns: 40 },
    );
  });
});

/** The keys of the rows a run added to the kind's table. */
function newKeys(kind: Kind, before: Record<string, unknown[]>, after: Record<string, unknown[]>): string[] {
  const table = { customers: 'Customer', orders: 'Order', reps: 'Rep', interactions: 'Interaction' }[kind];
  const column = { customers: 'externalId', orders: 'externalId', reps: 'email', interactions: 'at' }[kind];
  const seen = new Set((before[table] as Record<string, unknown>[]).map((row) => row.id));
  return (after[table] as Record<string, unknown>[])
    .filter((row) => !seen.has(row.id))
    .map((row) => (kind === 'interactions' ? new Date(row[column] as number).toISOString() : String(row[column])));
}
