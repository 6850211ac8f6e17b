import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import chardet from 'chardet';
import iconv from 'iconv-lite';

/** How much of the file the encoding is guessed from. */
const SNIFF_BYTES = 64 * 1024;
/**
 * Text is decoded and handed on from at most this many bytes at a time, however large the
 * chunks read: the records of one piece are parsed and applied before the next is decoded.
 * Measured on the 1M-row bench file: pieces of 128 KB or more (e.g. a whole 256 KB read,
 * ~220 KB of two-byte text, past V8's 128 KB regular-object limit) made the import promote
 * ~400 MB of short-lived rows into the old generation, +60 MB of peak RSS; 64 KB, ~3 MB.
 */
const DECODE_PIECE_BYTES = 64 * 1024;

export class EncodingError extends Error {}

/** The name iconv-lite knows an encoding by, or an EncodingError naming the bad `--encoding`. */
export function checkEncoding(name: string): string {
  if (!iconv.encodingExists(name)) throw new EncodingError(`unknown encoding "${name}" (try utf-8, utf-16le, utf-16be, gbk, gb18030)`);
  return name.toLowerCase();
}

/** Cuts an incomplete UTF-8 sequence off the end of a sample that stops mid-file. */
function wholeUtf8Prefix(sample: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, sample.length); back++) {
    const byte = sample[sample.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? sample.subarray(0, sample.length - back) : sample;
  }
  return sample;
}

const CJK_LEGACY = new Set(['GB18030', 'Big5', 'EUC-JP', 'EUC-KR', 'Shift_JIS']);

/**
 * Byte-order marks decide first; a sample that is valid UTF-8 is UTF-8; otherwise chardet's
 * guess. Short Chinese samples often score the same for GB18030, Big5, EUC-JP and EUC-KR:
 * Rapport's users export from Excel on Chinese Windows, so GB18030 (a superset of GBK) wins
 * any tie among those, and any CJK guess that decodes cleanly as GB18030.
 */
export function detectEncoding(sample: Buffer, wholeFile: boolean): string {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  if (isUtf8(wholeFile ? sample : wholeUtf8Prefix(sample))) return 'utf-8';
  const guesses = chardet.analyse(sample);
  const top = guesses[0];
  if (!top) return 'gb18030';
  if (CJK_LEGACY.has(top.name)) {
    const decodesAsGb = !iconv.decode(sample, 'gb18030').includes('\ufffd');
    if (decodesAsGb) return 'gb18030';
  }
  return iconv.encodingExists(top.name) ? top.name.toLowerCase() : 'gb18030';
}

const ZIP_MAGIC = Buffer.from('PK\u0003\u0004', 'latin1');
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * Why the file is no CSV text, or null: an Excel workbook (.xlsx is a zip, .xls an OLE2 file) or
 * anything else with NUL bytes outside UTF-16/32, where text never has them. Without this a
 * binary file's first "line" was shown back as its header, thousands of characters of noise.
 */
function binaryFileProblem(sample: Buffer, encoding: string): string | null {
  if (sample.subarray(0, 4).equals(ZIP_MAGIC) || sample.subarray(0, 8).equals(OLE2_MAGIC)) {
    return 'this is an Excel workbook (or another zip file), not a CSV file: save it as CSV UTF-8 in Excel and import that';
  }
  if (!/^utf-?(16|32)/.test(encoding) && sample.includes(0)) return 'this is not a text file (it holds binary data): export the data as CSV and import that';
  return null;
}

/**
 * A streaming decoder: iconv-lite's, except for UTF-8 (nearly every large file), which the
 * built-in TextDecoder decodes twice as fast (same byte-order mark removal and the same U+FFFD
 * for bad bytes, also across chunk boundaries).
 */
function textDecoder(encoding: string): { write(chunk: Buffer): string; end(): string | undefined } {
  if (encoding !== 'utf-8' && encoding !== 'utf8') return iconv.getDecoder(encoding);
  const utf8 = new TextDecoder('utf-8');
  return { write: (chunk) => utf8.decode(chunk, { stream: true }), end: () => utf8.decode() };
}

export interface DecodedText {
  encoding: string;
  /** The decoded text in chunks, byte-order mark removed. */
  chunks: AsyncIterable<string>;
  /** SHA-256 of the raw bytes read so far (the whole file once `chunks` is drained). */
  contentHash(): string;
  bytesRead(): number;
  /** Why the file is no text at all (a workbook, a program), from its first 64 KB; null for text. */
  binaryProblem: string | null;
}

/** Streams raw bytes into text: sniffs the encoding from the first 64 KB unless one is given. */
export async function decodeStream(source: AsyncIterable<Buffer | string>, encoding?: string): Promise<DecodedText> {
  const iterator = source[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  let bytes = 0;
  const take = async (): Promise<Buffer | null> => {
    const next = await iterator.next();
    if (next.done) return null;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    hash.update(chunk);
    bytes += chunk.length;
    return chunk;
  };
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SNIFF_BYTES) {
    const chunk = await take();
    if (chunk === null) {
      ended = true;
      break;
    }
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sample = Buffer.concat(head);
  const chosen = encoding === undefined ? detectEncoding(sample, ended) : checkEncoding(encoding);
  const decoder = textDecoder(chosen);
  function* decodePieces(chunk: Buffer): Generator<string> {
    for (let at = 0; at < chunk.length; at += DECODE_PIECE_BYTES) yield decoder.write(chunk.subarray(at, at + DECODE_PIECE_BYTES));
  }
  async function* chunks(): AsyncGenerator<string> {
    yield* decodePieces(sample);
    if (!ended) {
      for (let chunk = await take(); chunk !== null; chunk = await take()) yield* decodePieces(chunk);
    }
    const rest = decoder.end();
    if (rest) yield rest;
  }
  return { encoding: chosen, chunks: chunks(), contentHash: () => hash.copy().digest('hex'), bytesRead: () => bytes, binaryProblem: binaryFileProblem(sample, chosen) };
}
