import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, escapeFormula, withoutFormulaEscape } from '../../src/csv/csv-cell.js';
import { CsvTokenizer } from '../../src/import/csv-tokenizer.js';

describe('csvCell (formula injection, OWASP)', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+cmd|\' /C calc\'!A0', "'+cmd|' /C calc'!A0"],
    ['-2+3+cmd', "'-2+3+cmd"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('does neutralise %j with an apostrophe', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('does leave plain numbers, negative ones included, and ordinary text as they are', () => {
    for (const text of ['-399', '+1.5', '-0.25', '12', '王芳', 'a=b', 'C1001']) expect(csvCell(text)).toBe(text);
    expect(csvCell(-399)).toBe('-399');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['a,b', 'say "hi"', '=1'], ',')).toBe('"a,b","say ""hi""",\'=1');
    expect(csvLine(['a;b', '=1'], ';')).toBe('"a;b";\'=1');
  });

  it('does read back every value it writes, the escape removed', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 6 }), (values) => {
        // A line with nothing on it is a blank line, which readers skip.
        fc.pre(csvLine(values) !== '');
        const tokenizer = new CsvTokenizer(',');
        const records = [...tokenizer.push(`${csvLine(values)}\n`), ...tokenizer.end()];
        expect(records).toHaveLength(1);
        expect(records[0]!.fields.map(withoutFormulaEscape)).toEqual(values.map((v) => withoutFormulaEscape(escapeFormula(v))));
        for (const field of records[0]!.fields) expect(/^[=+@\t\r]/.test(field) || (/^-/.test(field) && !/^-\d+(\.\d*)?$/.test(field))).toBe(false);
      }),
    );
  });
});
