/**
 * The import's hot paths must read exactly what the general paths read: the compiled row
 * reader against the zod row schema, the ISO date and plain amount readers against the
 * pattern parsers, the UTF-8 TextDecoder against iconv-lite, and the RunWriter's cached
 * insert statements against the columns each row really has.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { COLUMNS, IMPORT_KINDS, resolveHeader, type ImportKind } from '../../src/import/columns.js';
import { openCsv } from '../../src/import/csv-source.js';
import { decodeStream } from '../../src/import/decode.js';
import { compileRowReader, rawRow, rowCells, rowSchemaOf, type SchemaContext } from '../../src/import/row-schemas.js';
import { RunWriter } from '../../src/db/stores/import-sqlite.js';
import { parseAmountByPattern, parseAmountMinor, parseDateTime, parseDateTimeByPattern, parseIsoDateTime, parsePlainAmount, type DateContext } from '../../src/import/values.js';
import { describeSqlite } from '../helpers/engines.js';
import { openTempDatabase } from '../helpers/temp-database.js';
import { CUSTOMERS_CSV, ORDERS_CSV, REPS_CSV } from './import-helpers.js';

async function* streamOf(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

const TODAY = new Date('2026-01-15T08:00:00Z');
const CONTEXTS: SchemaContext[] = [
  { dates: { zone: 'UTC' }, today: TODAY },
  { dates: { zone: 'Asia/Shanghai', dateOrder: 'D/M/YYYY' }, today: TODAY },
  { dates: { zone: 'America/New_York', dateOrder: 'M/D/YYYY' }, today: TODAY },
];

/** The verdict of both paths on one record: the same row when zod accepts it, null when zod refuses it. */
function expectSameRow(kind: ImportKind, context: SchemaContext, columnAt: (string | null)[], fields: string[]): void {
  const cells = rowCells[kind](context);
  const fast = compileRowReader(cells, columnAt)(fields);
  const zod = rowSchemaOf(cells).safeParse(rawRow(fields, columnAt));
  if (zod.success) expect(fast, JSON.stringify(fields)).toStrictEqual(zod.data);
  else expect(fast, JSON.stringify(fields)).toBeNull();
}

/** Cells in the odd formats the import tests and examples use, and their near misses. */
const ODD_CELLS = [
  ...['', ' ', ' \t ', 'x', '  padded  ', 'a'.repeat(1000), 'a'.repeat(1001), 'Müller, Lukas', 'Lukas "Luke" Müller'],
  ...['2025-03-04', '2025-3-4 09:15', '2025-03-04T09:15:30.250Z', '2025-03-04t09:15:30z', '2025-03-04T09:15:00+08:00', '2025-03-04 09:15:00 -0530'],
  ...['2025-03-04T09:15:30.1234567Z', '2025-03-04T09:15:30,5Z', '2025-03-04T09:15:30.Z', '2025-03-04T09:15Z', '2025-03-04Z', '2025-03-04T', '2025-03-04T9:15'],
  ...['2025-03-04  09:15', '2025-03-04T09:15:30.5', '2025/03/04', '2025/03/04 18:00:05', '04.03.2025', '03.07.2025', '15.04.2025', '2025年3月4日', '2025年3月4日 10:00'],
  ...['45720', '45720.5', '45870', '12', '60', '61', '3/24/2025', '24/3/2025', '3/4/2025', '5/5/2025', '7/28/2025'],
  ...['2025-02-30', '2023-02-29', '2024-02-29T23:59:59Z', '2025-13-01', '2025-00-10', '2025-01-00', '2025-01-01 25:00', '2025-01-01 23:60', '2025-01-01T23:59:60Z'],
  ...['0000-01-01', '0025-06-15T12:00:00Z', '2025-03-09T02:30:00', '2025-11-02T01:30:00', '2025-03-30 02:30', 'yesterday'],
  ...['1234', '1234.5', '1234.56', '1234.567', '-12.34', '-0', '-0.00', '0', '007', '¥1280.00', '¥1,234.56', '"¥2,360.50"', '￥ 88', '$1,234,567.89', '$980.00'],
  ...['€1.234,56', '€4.250,00', '1 234,56 €', '12,5', '1,234', '1.234.567', '12.345', '(45.00)', 'CNY 99.9', '99元', '−5', '1.', '.5', '-', '--5'],
  ...['999999999999999', '9999999999999999', '999999999999999.99', '99999999999999.99', '1e5', '0x10', '+5', '1.2.3,4,5', '12.3456'],
  ...['wang.fang@example.cn', 'Wang.Fang@Example.CN', 'not-an-email', 'a@b', '+86 138 1234 5678', '139-1234-5679', '0086 138 1234 5678', '12-3'],
  ...['yes', 'NO', 'True', '是', '否', 'maybe', 'rep', 'manager', '经理', 'Admin', 'en', 'zh_cn', 'Chinese', 'zh-CN', 'klingon'],
  ...['call', '电话', 'WeChat', 'complaint', '投诉', 'Phone Call', '1', '5', '6', '4.5', '0', 'Asia/Shanghai', 'Europe/Berlin', 'Mars/Olympus'],
  ...['VIP，护肤、VIP; B2B', '26-35,护肤', 'B2B,wholesale', '1988-03-15', '3月8日', '--06-01', '--02-29', '0000-09-09', '12-24', '1975年11月2日', '2030-01-01', '1991-02-29'],
  ...['chen.jie@example.cn', '陈杰', 'U01ZHOUMIN', '704112233445566778', '回访：精华使用感受很好，想了解套装', 'Prefers delivery on Tuesdays.\nCall before 10am.'],
];

const cell = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_CELLS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[ 0-9.,:/TZ+-]{0,26}$/) },
);

describe('compiled row reader', () => {
  const files: [ImportKind, string, string][] = [
    ['customers', 'import-helpers CUSTOMERS_CSV', CUSTOMERS_CSV],
    ['orders', 'import-helpers ORDERS_CSV', ORDERS_CSV],
    ['reps', 'import-helpers REPS_CSV', REPS_CSV],
    ...IMPORT_KINDS.map((kind): [ImportKind, string, string] => [kind, `examples/${kind}.csv`, fs.readFileSync(path.join('examples', `${kind}.csv`), 'utf8')]),
  ];

  it.each(files)('does accept and build the same %s rows as the zod schema when reading %s', async (kind, _, text) => {
    const csv = await openCsv(streamOf([Buffer.from(text)]));
    const { columnAt } = resolveHeader(kind, csv.header);
    let rows = 0;
    for await (const batch of csv.records) {
      for (const record of batch) {
        for (const context of CONTEXTS) expectSameRow(kind, context, columnAt, record.fields);
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(1);
  });

  it('does refuse a row with a bad cell and leave its messages to zod', () => {
    const cells = rowCells.customers(CONTEXTS[0]!);
    const columnAt = ['external_id', 'name', 'email', 'birthday'];
    expect(compileRowReader(cells, columnAt)(['C3', '张伟', 'not-an-email', '1990-13-01'])).toBeNull();
    const zod = rowSchemaOf(cells).safeParse(rawRow(['C3', '张伟', 'not-an-email', '1990-13-01'], columnAt));
    expect(zod.error?.issues.map((issue) => [issue.path[0], issue.message])).toEqual([
      ['email', 'not an email address'],
      ['birthday', 'not a birthday: month 13 does not exist'],
    ]);
  });

  it('does leave absent columns out of the row and read empty cells and short rows as null', () => {
    const read = compileRowReader(rowCells.orders(CONTEXTS[0]!), ['external_id', 'customer', null, 'ordered_at', 'amount', 'margin', 'product']);
    expect(read(['O1', 'C1', 'ignored', '2025-01-12 14:30', '¥1280.00', '', 'Gift box'])).toStrictEqual({
      external_id: 'O1',
      customer: 'C1',
      ordered_at: Date.parse('2025-01-12T14:30:00Z'),
      amount: 128000,
      margin: null,
      product: 'Gift box',
    });
    expect(read(['O1', 'C1', '', '2025-01-12', '5'])).toStrictEqual({
      external_id: 'O1',
      customer: 'C1',
      ordered_at: Date.parse('2025-01-12T00:00:00Z'),
      amount: 500,
      margin: null,
      product: null,
    });
  });

  it.each(IMPORT_KINDS)('does agree with the zod schema on any %s row of odd cells, columns left out or rows cut short', (kind) => {
    const names = COLUMNS[kind].map((spec) => spec.name);
    const layout = fc
      .tuple(fc.shuffledSubarray([...names, null, null]), fc.integer({ min: 0, max: CONTEXTS.length - 1 }))
      .chain(([columnAt, context]) =>
        fc.tuple(fc.constant(columnAt), fc.constant(context), fc.array(cell, { minLength: Math.max(0, columnAt.length - 2), maxLength: columnAt.length })),
      );
    fc.assert(
      fc.property(layout, ([columnAt, context, fields]) => expectSameRow(kind, CONTEXTS[context]!, columnAt, fields)),
      { numRuns: 400 },
    );
  });
});

describe('parseDateTime hot path', () => {
  const contexts: DateContext[] = CONTEXTS.map((context) => context.dates);
  const isoForms = [
    (iso: string) => iso,
    (iso: string) => iso.slice(0, 19),
    (iso: string) => `${iso.slice(0, 19)}Z`,
    (iso: string) => iso.slice(0, 16).replace('T', ' '),
    (iso: string) => iso.slice(0, 10),
    (iso: string) => `${iso.slice(0, 21)}Z`,
    (iso: string) => iso.slice(0, 22),
  ];

  it('does read what toISOString writes without the patterns', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString();
        expect(parseIsoDateTime(iso, 'Asia/Shanghai')).toBe(date.getTime());
      }),
    );
  });

  it('does return what the patterns return for dates in every ISO form, in every zone', () => {
    const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(date, fc.constantFrom(...isoForms), fc.constantFrom(...contexts), (value, form, context) => {
        const text = form(value.toISOString());
        expect(parseIsoDateTime(text, context.zone), text).not.toBeUndefined();
        expect(parseDateTime(text, context), text).toEqual(parseDateTimeByPattern(text, context));
      }),
      { numRuns: 500 },
    );
  });

  it('does return what the patterns return, reason included, for near-ISO text and odd cells', () => {
    const pad = (value: number) => String(value).padStart(2, '0');
    // Parts at and just past their limits: month 13, day 32, 29 February, hour 24, second 60…
    const edges = fc
      .record({
        year: fc.constantFrom('0000', '0025', '1900', '2023', '2024', '2025', '9999'),
        month: fc.integer({ min: 0, max: 13 }).map(pad),
        day: fc.integer({ min: 0, max: 32 }).map(pad),
        time: fc.option(
          fc.record({
            separator: fc.constantFrom('T', ' ', 't', '  '),
            hour: fc.integer({ min: 0, max: 25 }).map(pad),
            minute: fc.integer({ min: 0, max: 60 }).map(pad),
            rest: fc.constantFrom('', ':00', ':59', ':60', ':5', ':00.', ':00.1', ':00.12', ':00.123', ':00.1234', ':00,5'),
          }),
        ),
        offset: fc.constantFrom('', 'Z', 'z', '+08:00', '-0530', ' Z', 'ZZ'),
      })
      .map(({ year, month, day, time, offset }) => `${year}-${month}-${day}${time ? `${time.separator}${time.hour}:${time.minute}${time.rest}` : ''}${offset}`);
    const nearIso = fc.stringMatching(/^\d{2,5}-\d{1,3}-\d{1,3}([Tt ]{1,2}\d{1,3}:\d{1,3}(:\d{1,3}([.,]\d{0,5})?)?)? ?([Zz]|[+-]\d{2}:?\d{2})?$/);
    fc.assert(
      fc.property(fc.oneof(edges, nearIso, cell), fc.constantFrom(...contexts), (text, context) => {
        expect(parseDateTime(text, context), text).toEqual(parseDateTimeByPattern(text, context));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseAmountMinor hot path', () => {
  it('does read plain amounts without the patterns', () => {
    fc.assert(
      fc.property(fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }), (minor) => {
        const text = `${minor < 0 ? '-' : ''}${Math.trunc(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
        expect(parsePlainAmount(text)).toBe(minor);
      }),
    );
  });

  it('does return what the patterns return, reason and -0 included, for plain-looking and odd amounts', () => {
    const plainish = fc.stringMatching(/^-?\d{0,17}(\.\d{0,3})?$/);
    const formatted = fc.stringMatching(/^[-−(]?[¥$€]?\d{1,4}([.,' ]\d{1,3}){0,3}\)?$/);
    fc.assert(
      fc.property(fc.oneof(plainish, formatted, cell), (text) => {
        expect(parseAmountMinor(text), text).toEqual(parseAmountByPattern(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('UTF-8 decoding', () => {
  async function decodeAll(chunks: Buffer[]): Promise<string> {
    const text = await decodeStream(streamOf(chunks), 'utf-8');
    let all = '';
    for await (const piece of text.chunks) all += piece;
    return all;
  }

  function iconvDecode(chunks: Buffer[]): string {
    const decoder = iconv.getDecoder('utf-8');
    return chunks.map((chunk) => decoder.write(chunk)).join('') + (decoder.end() ?? '');
  }

  it('does decode like iconv-lite (byte-order mark, bad bytes, characters split between chunks)', async () => {
    const bytes = fc.array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 8 }).map((text) => Buffer.from(text, 'utf8')),
        fc.constantFrom(Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff]), Buffer.from([0xe4, 0xbd]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('焕颜精华,')),
      ),
      { maxLength: 30 },
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.integer({ min: 1, max: 9 }), async (parts, size) => {
        const all = Buffer.concat(parts);
        const chunks: Buffer[] = [];
        for (let at = 0; at < all.length; at += size) chunks.push(all.subarray(at, at + size));
        expect(await decodeAll(chunks)).toBe(iconvDecode(chunks));
      }),
      { numRuns: 300 },
    );
  });

  it('does keep characters whole across the 64 KB pieces a large chunk is decoded in', async () => {
    const text = '口红,护手霜,Gift box\n'.repeat(12_000);
    const bytes = Buffer.from(`\ufeff${text}`, 'utf8');
    expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
    expect(await decodeAll([bytes])).toBe(text);
  });
});

// The SQLite import's own writer, on the raw handle (PostgreSQL's import writes through src/db/stores/import-postgres.ts, tested in import.engines.test.ts).
describeSqlite('RunWriter insert statements', () => {
  it('does write each row with its own columns when column sets and entities alternate', async () => {
    const db = await openTempDatabase();
    try {
      const { sqlite } = db;
      sqlite.exec('BEGIN');
      const runId = Number(sqlite.prepare("INSERT INTO ImportRun (kind, fileName, contentHash, actor, dryRun, status, startedAt) VALUES ('orders', 'x', '', 't', 0, 'running', 1)").run().lastInsertRowid);
      const writer = new RunWriter(sqlite, runId, 1234);
      const c1 = writer.insert('customer', { externalId: 'C1', name: 'A', tags: '', greetingOptOut: 0 });
      const c2 = writer.insert('customer', { externalId: 'C2', name: 'B', email: 'b@example.com', tags: '', greetingOptOut: 1 });
      expect(writer.insertIfAbsent('order', { customerId: c1, orderedAt: 10, amountMinor: 100, externalId: 'O1' }, 'externalId')).not.toBeNull();
      expect(writer.insertIfAbsent('order', { customerId: c2, orderedAt: 20, amountMinor: 200, externalId: 'O2', product: 'P' }, 'externalId')).not.toBeNull();
      expect(writer.insertIfAbsent('order', { customerId: c2, orderedAt: 30, amountMinor: 300, externalId: 'O1' }, 'externalId')).toBeNull();
      expect(writer.insertIfAbsent('order', { orderedAt: 40, customerId: c1, amountMinor: 400, externalId: 'O3' }, 'externalId')).not.toBeNull();
      const c3 = writer.insert('customer', { externalId: 'C3', name: 'C', tags: 'x', greetingOptOut: 0 });
      writer.insert('order', { customerId: c3, orderedAt: 50, amountMinor: 500, externalId: null });
      sqlite.exec('COMMIT');
      expect(sqlite.prepare('SELECT externalId, name, email, greetingOptOut, createdAt, updatedAt FROM Customer ORDER BY id').all()).toEqual([
        { externalId: 'C1', name: 'A', email: null, greetingOptOut: 0, createdAt: 1234, updatedAt: 1234 },
        { externalId: 'C2', name: 'B', email: 'b@example.com', greetingOptOut: 1, createdAt: 1234, updatedAt: 1234 },
        { externalId: 'C3', name: 'C', email: null, greetingOptOut: 0, createdAt: 1234, updatedAt: 1234 },
      ]);
      expect(sqlite.prepare('SELECT externalId, customerId, orderedAt, amountMinor, product, importRunId, createdAt FROM "Order" ORDER BY id').all()).toEqual([
        { externalId: 'O1', customerId: c1, orderedAt: 10, amountMinor: 100, product: null, importRunId: runId, createdAt: 1234 },
        { externalId: 'O2', customerId: c2, orderedAt: 20, amountMinor: 200, product: 'P', importRunId: runId, createdAt: 1234 },
        { externalId: 'O3', customerId: c1, orderedAt: 40, amountMinor: 400, product: null, importRunId: runId, createdAt: 1234 },
        { externalId: null, customerId: c3, orderedAt: 50, amountMinor: 500, product: null, importRunId: runId, createdAt: 1234 },
      ]);
      expect(sqlite.prepare('SELECT entity, entityId, action FROM ImportChange ORDER BY id').all()).toEqual([
        { entity: 'customer', entityId: c1, action: 'insert' },
        { entity: 'customer', entityId: c2, action: 'insert' },
        { entity: 'customer', entityId: c3, action: 'insert' },
      ]);
    } finally {
      await db.cleanup();
    }
  });
});
