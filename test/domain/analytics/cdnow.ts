import fs from 'node:fs';
import path from 'node:path';

/** The shared CDNOW fixtures live beside the clone (../shared/fixtures/cdnow), never in the repo. */
export const CDNOW_DIR = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'cdnow');

export function readCsv(file: string): number[][] {
  return fs
    .readFileSync(path.join(CDNOW_DIR, file), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map(Number));
}

/** Rows of CDNOW_sample.txt: [sample id, yyyymmdd, dollars]. */
export function readSampleTransactions(): { id: number; date: string; dollars: number }[] {
  return fs
    .readFileSync(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const [, id, date, , dollars] = line.trim().split(/\s+/);
      return { id: Number(id), date: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}`, dollars: Number(dollars) };
    });
}
