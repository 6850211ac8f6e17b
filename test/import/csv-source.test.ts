import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, openCsv } from '../../src/import/csv-source.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function readAll(bytes: Buffer, chunkSize = 7, encoding?: string) {
  const csv = await openCsv(chunksOf(bytes, chunkSize), encoding === undefined ? {} : { encoding });
  const records = [];
  for await (const batch of csv.records) records.push(...batch);
  return { encoding: csv.encoding, delimiter: csv.delimiter, header: csv.header, records };
}

const CHINESE = '客户编号,姓名,生日\nC1,王芳,3月15日\nC2,李娜,1990年3月15日\n';
const expected = [
  { fields: ['C1', '王芳', '3月15日'], line: 2 },
  { fields: ['C2', '李娜', '1990年3月15日'], line: 3 },
];

describe('openCsv encodings', () => {
  it.each([
    ['UTF-8', Buffer.from(CHINESE, 'utf8'), 'utf-8'],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CHINESE, 'utf8')]), 'utf-8'],
    ['UTF-16LE with BOM', iconv.encode(CHINESE, 'utf-16le', { addBOM: true }), 'utf-16le'],
    ['UTF-16BE with BOM', iconv.encode(CHINESE, 'utf-16be', { addBOM: true }), 'utf-16be'],
    ['GBK', iconv.encode(CHINESE, 'gbk'), 'gb18030'],
  ])('does decode the Chinese header and rows when the file is %s', async (_, bytes, encoding) => {
    const csv = await readAll(bytes);
    expect(csv.encoding).toBe(encoding);
    expect(csv.header).toEqual(['客户编号', '姓名', '生日']);
    expect(csv.records).toEqual(expected);
  });

  it('does decode GBK when a long file puts the first Chinese character past the sniffed sample', async () => {
    const text = `external_id,name\n${Array.from({ length: 4000 }, (_, i) => `C${i},Name ${i}`).join('\n')}\nC9999,张伟\n`;
    const csv = await readAll(iconv.encode(text, 'gbk'), 64 * 1024, 'gbk');
    expect(csv.records.at(-1)).toEqual({ fields: ['C9999', '张伟'], line: 4002 });
  });

  it('does keep a multi-byte character whole when a chunk boundary splits it', async () => {
    const csv = await readAll(Buffer.from(CHINESE, 'utf8'), 1);
    expect(csv.records).toEqual(expected);
  });
});

describe('openCsv structure', () => {
  it.each([
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('does detect the %s delimiter when the header uses it', async (_, delimiter) => {
    const text = ['id', 'name', 'amount'].join(delimiter) + '\n' + ['1', 'A, B', '1,5'].join(delimiter === ',' ? ';' : delimiter) + '\n';
    const csv = await readAll(Buffer.from(text));
    expect(csv.delimiter).toBe(delimiter);
    if (delimiter !== ',') expect(csv.records[0]!.fields).toEqual(['1', 'A, B', '1,5']);
  });

  it('does keep quoted delimiters, doubled quotes and newlines and count lines through them', async () => {
    const text = 'id,note,x\r\n1,"say ""hi"", then\r\nleave",a\r\n\r\n2,"multi\nline\ntext",b\r\n3,,\r\n';
    const csv = await readAll(Buffer.from(text), 3);
    expect(csv.records).toEqual([
      { fields: ['1', 'say "hi", then\r\nleave', 'a'], line: 2 },
      { fields: ['2', 'multi\nline\ntext', 'b'], line: 5 },
      { fields: ['3', '', ''], line: 8 },
    ]);
  });

  it('does read the last record when the file has no trailing newline', async () => {
    const csv = await readAll(Buffer.from('id,name\n1,a\n2,"b"'));
    expect(csv.records).toEqual([
      { fields: ['1', 'a'], line: 2 },
      { fields: ['2', 'b'], line: 3 },
    ]);
  });

  it('does stop with the line number when a quoted field is never closed', async () => {
    const read = readAll(Buffer.from('id,name\n1,a\n2,"b\n3,c\n'));
    await expect(read).rejects.toThrow(CsvSyntaxError);
    await expect(read).rejects.toMatchObject({ line: 3, message: expect.stringContaining('never closed') });
  });

  it('does stop with the line number when text follows a closing quote', async () => {
    await expect(readAll(Buffer.from('id,name\n1,"a"b\n'))).rejects.toMatchObject({ line: 2, message: expect.stringContaining('after a closing quote') });
  });
});
