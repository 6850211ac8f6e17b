export interface CsvRecord {
  fields: string[];
  /** Physical line (1-based) the record starts on. */
  line: number;
}

/** A CSV problem the reader cannot step over (a quote never closed): the import stops there. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** A record still open after this much text is taken for a missing closing quote, not a huge cell. */
const MAX_RECORD_CHARS = 1 << 20;

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * RFC 4180 records from text pushed chunk by chunk: quoted fields may hold the delimiter,
 * doubled quotes and newlines; lines end in LF or CRLF; blank lines are skipped; the last
 * line may lack its newline. Lines without a quote take a split() fast path — csv-parse
 * (with line info) spent more time per row than SQLite's own insert, which sank the bulk
 * import below its target; this reader keeps the physical line number of each record too.
 */
export class CsvTokenizer {
  #pending = '';
  #line = 1;

  constructor(private readonly delimiter: string) {}

  /** Complete records in the text so far; an incomplete last record waits for the next chunk. */
  push(chunk: string): CsvRecord[] {
    return this.#parse(this.#pending + chunk, false);
  }

  /** The records left at the end of input. */
  end(): CsvRecord[] {
    return this.#parse(this.#pending, true);
  }

  #parse(text: string, final: boolean): CsvRecord[] {
    const records: CsvRecord[] = [];
    const { delimiter } = this;
    let pos = 0;
    let nextQuote = text.indexOf('"');
    while (pos < text.length) {
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      let newline = text.indexOf('\n', pos);
      if (newline === -1 && !final) break;
      if (newline === -1) newline = text.length;
      if (nextQuote === -1 || nextQuote > newline) {
        const end = newline > pos && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        if (end > pos) records.push({ fields: text.slice(pos, end).split(delimiter), line: this.#line });
        this.#line++;
        pos = newline + 1;
        continue;
      }
      const quoted = this.#quotedRecord(text, pos, final);
      if (quoted === null) break;
      records.push({ fields: quoted.fields, line: this.#line });
      this.#line += 1 + quoted.newlines;
      pos = quoted.next;
    }
    this.#pending = pos < text.length ? text.slice(pos) : '';
    if (this.#pending.length > MAX_RECORD_CHARS) {
      throw new CsvSyntaxError('a quoted field runs on for more than 1 MB: is a closing quote missing?', this.#line);
    }
    return records;
  }

  /** A record with at least one quote, from `start`; null when it needs more text. */
  #quotedRecord(text: string, start: number, final: boolean): { fields: string[]; newlines: number; next: number } | null {
    const { delimiter } = this;
    const fields: string[] = [];
    let newlines = 0;
    let at = start;
    for (;;) {
      let value: string;
      if (text[at] === '"') {
        value = '';
        let from = at + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1 || (quote === text.length - 1 && !final)) {
            if (final) throw new CsvSyntaxError('a quoted field is never closed', this.#line);
            return null;
          }
          value += text.slice(from, quote);
          if (text[quote + 1] === '"') {
            value += '"';
            from = quote + 2;
            continue;
          }
          at = quote + 1;
          break;
        }
        newlines += countNewlines(value);
        const after = text[at];
        if (after !== undefined && after !== delimiter && after !== '\n' && !(after === '\r' && text[at + 1] === '\n')) {
          if (after === '\r' && at + 1 === text.length && !final) return null;
          throw new CsvSyntaxError(`unexpected ${JSON.stringify(after)} after a closing quote (a quote inside a quoted field must be doubled)`, this.#line + newlines);
        }
      } else {
        // Unquoted field: up to the next delimiter or line end; a stray quote inside is kept as text.
        let end = at;
        while (end < text.length && text[end] !== delimiter && text[end] !== '\n') end++;
        if (end === text.length && !final) return null;
        value = text.slice(at, end);
        if (text[end] === '\n' && value.endsWith('\r')) value = value.slice(0, -1);
        at = end;
      }
      fields.push(value);
      if (text[at] === delimiter) {
        at++;
        continue;
      }
      if (at >= text.length) return final ? { fields, newlines, next: at } : null;
      return { fields, newlines, next: text[at] === '\r' ? at + 2 : at + 1 };
    }
  }
}
