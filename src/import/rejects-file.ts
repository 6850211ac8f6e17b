import fs from 'node:fs';
import { csvLine } from '../csv/csv-cell.js';

const FLUSH_CHARS = 64 * 1024;

/**
 * `<file>.rejects.csv`: the rejected rows as they were, plus a `reason` column, in UTF-8 with
 * a byte-order mark so Excel opens Chinese text correctly, cells escaped against formula injection
 * (csv-cell.ts). Fix the rows and import the file again.
 */
export class RejectsFile {
  #fd: number | null = null;
  #buffer = '';

  constructor(
    readonly path: string,
    private readonly header: string[],
    private readonly delimiter: string,
  ) {}

  #line(fields: string[]): string {
    return `${csvLine(fields, this.delimiter)}\r\n`;
  }

  add(fields: string[], reason: string): void {
    if (this.#fd === null) {
      this.#fd = fs.openSync(this.path, 'w');
      this.#buffer = `\ufeff${this.#line([...this.header, 'reason'])}`;
    }
    const padded = this.header.map((_, index) => fields[index] ?? '');
    this.#buffer += this.#line([...padded, reason]);
    if (this.#buffer.length >= FLUSH_CHARS) this.#flush();
  }

  #flush(): void {
    if (this.#fd !== null && this.#buffer) fs.writeSync(this.#fd, this.#buffer);
    this.#buffer = '';
  }

  /** Closes the file; returns its path, or null when no row was rejected (and removes a stale one). */
  close(): string | null {
    if (this.#fd === null) {
      fs.rmSync(this.path, { force: true });
      return null;
    }
    this.#flush();
    fs.closeSync(this.#fd);
    this.#fd = null;
    return this.path;
  }
}
