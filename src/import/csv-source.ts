import { CsvSyntaxError, CsvTokenizer, type CsvRecord } from './csv-tokenizer.js';
import { decodeStream, EncodingError } from './decode.js';

export { CsvSyntaxError, type CsvRecord };

export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface CsvSource {
  encoding: string;
  delimiter: Delimiter;
  header: string[];
  /** Data records after the header, a batch per chunk read; blank lines are skipped. */
  records: AsyncIterable<CsvRecord[]>;
  contentHash(): string;
  bytesRead(): number;
}

/** The delimiter that occurs most often in the header line outside quotes; comma when none does. */
export function sniffDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char as Delimiter)) counts.set(char as Delimiter, counts.get(char as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Reads CSV (RFC 4180: quoted delimiters, quotes and newlines, CRLF or LF, trailing newline or
 * none) from raw bytes as a stream of record batches, decoding and sniffing the delimiter on the way.
 */
export async function openCsv(source: AsyncIterable<Buffer | string>, options: { encoding?: string } = {}): Promise<CsvSource> {
  const text = await decodeStream(source, options.encoding);
  if (text.binaryProblem) throw new EncodingError(text.binaryProblem);
  const textIterator = text.chunks[Symbol.asyncIterator]();
  // Enough text to see the whole header line (64 KB decoded comes in the first chunk).
  const first = await textIterator.next();
  const firstText = first.done ? '' : first.value;
  const delimiter = sniffDelimiter(firstText);
  const tokenizer = new CsvTokenizer(delimiter);
  let waiting = tokenizer.push(firstText);
  while (waiting.length === 0 && !first.done) {
    const next = await textIterator.next();
    waiting = next.done ? tokenizer.end() : tokenizer.push(next.value);
    if (next.done) break;
  }
  const header = (waiting.shift()?.fields ?? []).map((h) => h.trim());
  async function* records(): AsyncGenerator<CsvRecord[]> {
    if (waiting.length > 0) yield waiting;
    for (let next = await textIterator.next(); !next.done; next = await textIterator.next()) {
      const batch = tokenizer.push(next.value);
      if (batch.length > 0) yield batch;
    }
    const last = tokenizer.end();
    if (last.length > 0) yield last;
  }
  return { encoding: text.encoding, delimiter, header, records: records(), contentHash: text.contentHash, bytesRead: text.bytesRead };
}
