import fs from 'node:fs';
import type { Clock } from '../clock.js';
import { createImportStore, IMPORT_LOCKED, type ImportStore, type ImportTransaction } from '../db/stores/import-store.js';
import type { StoreDatabase } from '../db/store-database.js';
import { appliers, type Applier, type ApplyResult, type PossibleDuplicate, type RepeatedRow } from './appliers.js';
import { HeaderError, resolveHeader, type HeaderMapping, type ImportKind } from './columns.js';
import { CsvSyntaxError, openCsv, type CsvRecord } from './csv-source.js';
import { EncodingError } from './decode.js';
import { RejectsFile } from './rejects-file.js';
import { compileRowReader, describeProblem, formatProblem, problemsOf, rawRow, rowCells, rowSchemaOf, type RowCells, type RowProblem } from './row-schemas.js';
import type { DateOrder } from './values.js';

export type OnError = 'abort' | 'skip';

export interface ImportProgress {
  rows: number;
  bytes: number;
  /** Known for files, not for streams of unknown length. */
  totalBytes: number | null;
}

export interface ImportOptions {
  kind: ImportKind;
  /** Names the source in messages (`file:line: …`) and on the ImportRun. */
  fileName: string;
  /** Who ran it (recorded on the ImportRun). */
  actor: string;
  /** abort (default): any bad row and nothing is applied. skip: good rows are applied, bad ones reported. */
  onError?: OnError;
  /** Validate and count, then roll everything back: writes nothing, not even an ImportRun. */
  dryRun?: boolean;
  mapping?: HeaderMapping;
  /** Overrides encoding detection (any name iconv-lite knows: utf-8, utf-16le, gbk, gb18030…). */
  encoding?: string;
  dateOrder?: DateOrder;
  /** IANA zone that dates without an offset are read in (default UTC). */
  timeZone?: string;
  /** Orders/interactions for unknown customers create stub customers instead of being rejected. */
  createMissing?: boolean;
  /** In skip mode, where rejected rows are written with a reason column; null writes none. */
  rejectsPath?: string | null;
  totalBytes?: number | null;
  onProgress?: (progress: ImportProgress) => void;
  /** Called after an applied import that inserted or changed orders (scores depend on them). */
  afterOrdersChanged?: () => Promise<void>;
}

export interface ImportSummary {
  runId: number | null;
  kind: ImportKind;
  fileName: string;
  /**
   * applied: committed. failed: nothing applied (bad rows in abort mode, or `fatal`). A dry run
   * reports what the real run would do, with the same counts, and writes nothing.
   */
  status: 'applied' | 'failed';
  dryRun: boolean;
  /** Why the file as a whole was refused (unknown encoding, missing column, broken quoting). */
  fatal: string | null;
  encoding: string | null;
  delimiter: string | null;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  stubCustomers: number;
  /** `file:line: column: problem (value)`, the first MAX_KEPT_PROBLEMS of them. */
  problems: string[];
  /** Problems beyond those kept. */
  moreProblems: number;
  warnings: string[];
  duplicates: PossibleDuplicate[];
  /** Rows whose key an earlier line of the file had (the first MAX_KEPT_REPEATS). */
  repeatedRows: RepeatedRow[];
  rejectsPath: string | null;
  elapsedMs: number;
}

export const MAX_KEPT_PROBLEMS = 1000;
const MAX_KEPT_DUPLICATES = 1000;
const MAX_DUPLICATE_WARNINGS = 20;
const MAX_KEPT_REPEATS = 1000;
const PROGRESS_EVERY_ROWS = 5000;

/** Cells past the header that hold something mean the row does not line up with the header. */
function extraFieldsProblem(record: CsvRecord, headerLength: number): RowProblem | null {
  if (record.fields.length <= headerLength) return null;
  const extra = record.fields.slice(headerLength);
  if (extra.every((field) => field.trim() === '')) return null;
  return { line: record.line, column: `column ${headerLength + 1}`, problem: `row has ${record.fields.length} fields but the header has ${headerLength}`, value: extra.join(',') };
}

/**
 * Imports one CSV of `options.kind` from a byte stream (a file, or a chat upload). One
 * transaction for the whole run, holding the import lock (one import at a time): a crash or
 * kill leaves the database as it was. Expected problems come back in the summary (status
 * failed); only bugs and I/O failures throw.
 */
export async function importStream(
  deps: { db: StoreDatabase; clock: Clock },
  source: AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const onError = options.onError ?? 'abort';
  const startedAt = deps.clock.now();
  const summary: ImportSummary = {
    runId: null,
    kind: options.kind,
    fileName: options.fileName,
    status: 'failed',
    dryRun: options.dryRun ?? false,
    fatal: null,
    encoding: null,
    delimiter: null,
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    stubCustomers: 0,
    problems: [],
    moreProblems: 0,
    warnings: [],
    duplicates: [],
    repeatedRows: [],
    rejectsPath: null,
    elapsedMs: 0,
  };
  const finish = () => ({ ...summary, elapsedMs: performance.now() - started });
  const store = createImportStore(deps.db);
  const recordFailedRun = (contentHash: string) => recordFailed(store, options, contentHash, startedAt, deps.clock.now(), summary);

  let csv: Awaited<ReturnType<typeof openCsv>>;
  let header: ReturnType<typeof resolveHeader>;
  try {
    csv = await openCsv(source, { encoding: options.encoding });
    summary.encoding = csv.encoding;
    summary.delimiter = csv.delimiter;
    if (csv.header.length === 0) throw new HeaderError('the file is empty (no header row)');
    header = resolveHeader(options.kind, csv.header, options.mapping);
  } catch (error) {
    if (!(error instanceof HeaderError || error instanceof EncodingError || error instanceof CsvSyntaxError)) throw error;
    summary.fatal = error instanceof CsvSyntaxError ? `${options.fileName}:${error.line}: ${error.message}` : `${options.fileName}: ${error.message}`;
    if (!options.dryRun) summary.runId = await recordFailedRun('');
    return finish();
  }
  if (header.unknown.length > 0) summary.warnings.push(`${options.fileName}: ignored column${header.unknown.length > 1 ? 's' : ''} Rapport does not know: ${header.unknown.join(', ')}`);

  const begun = await store.begin({ kind: options.kind, fileName: options.fileName, actor: options.actor, startedAtMs: startedAt.getTime() });
  if (begun === IMPORT_LOCKED) {
    summary.fatal = `${options.fileName}: another import is running; nothing was imported (try again when it has finished)`;
    return finish();
  }
  /** The run's transaction while it is open: taken (set to null) by whatever ends it. */
  let open: ImportTransaction | null = begun;
  const take = () => {
    const transaction = open!;
    open = null;
    return transaction;
  };
  const rejects = onError === 'skip' && !options.dryRun && options.rejectsPath ? new RejectsFile(options.rejectsPath, csv.header, csv.delimiter) : null;
  const reject = (record: CsvRecord, problems: RowProblem[]) => {
    summary.rejected++;
    const lines = problems.map((problem) => formatProblem(options.fileName, problem));
    for (const line of lines) {
      if (summary.problems.length < MAX_KEPT_PROBLEMS) summary.problems.push(line);
      else summary.moreProblems++;
    }
    rejects?.add(record.fields, `line ${record.line}: ${problems.map(describeProblem).join('; ')}`);
  };

  let contentHash = '';
  try {
    const runId = begun.runId;
    const apply = appliers[options.kind](
      {
        rows: begun,
        createMissing: options.createMissing ?? false,
        onDuplicate: (duplicate) => {
          if (summary.duplicates.length < MAX_KEPT_DUPLICATES) summary.duplicates.push(duplicate);
        },
        onRepeatedRow: (repeat) => {
          if (summary.repeatedRows.length < MAX_KEPT_REPEATS) summary.repeatedRows.push(repeat);
        },
        onStubCustomer: () => summary.stubCustomers++,
      },
      header.headerOf,
    ) as Applier<unknown>;
    const cells: RowCells = rowCells[options.kind]({
      dates: { zone: options.timeZone ?? 'UTC', ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}) },
      today: startedAt,
    });
    // Good rows take the compiled reader; a row it refuses goes through zod, which names every problem.
    const readRow = compileRowReader(cells, header.columnAt);
    const schema = rowSchemaOf(cells);
    let reportedRows = 0;
    const progress = () => options.onProgress?.({ rows: summary.rows, bytes: csv.bytesRead(), totalBytes: options.totalBytes ?? null });
    /** A record read into its row, or the problems that keep it out. */
    const readRecord = (record: CsvRecord): { row: unknown } | { problems: RowProblem[] } => {
      const extra = extraFieldsProblem(record, csv.header.length);
      if (extra) return { problems: [extra] };
      const row: unknown = readRow(record.fields);
      if (row !== null) return { row };
      const raw = rawRow(record.fields, header.columnAt);
      const parsed = schema.safeParse(raw);
      return parsed.success ? { row: parsed.data } : { problems: problemsOf(parsed.error, raw, record.line, header.headerOf) };
    };
    for await (const batch of csv.records) {
      // The batch is read first, so its keys can be looked up together; rows apply in file order.
      const read = batch.map(readRecord);
      await apply.prefetch(read.flatMap((entry) => ('row' in entry ? [entry.row] : [])));
      for (let at = 0; at < batch.length; at++) {
        const record = batch[at]!;
        const entry = read[at]!;
        summary.rows++;
        if ('problems' in entry) {
          reject(record, entry.problems);
          continue;
        }
        const result: ApplyResult = await apply(entry.row, record.line);
        if (typeof result === 'object') reject(record, [{ line: record.line, ...result.rejected }]);
        else summary[result]++;
      }
      if (summary.rows - reportedRows >= PROGRESS_EVERY_ROWS) {
        reportedRows = summary.rows;
        progress();
      }
    }
    progress();
    contentHash = csv.contentHash();
    const earlier = await begun.earlierAppliedRun(contentHash, options.kind);
    if (earlier) {
      summary.warnings.push(`${options.fileName}: the same file (same content) was already imported as run ${earlier.id} on ${new Date(earlier.startedAt).toISOString()}`);
    }
    if (onError === 'abort' && summary.rejected > 0) {
      await take().rollback();
      if (!options.dryRun) summary.runId = await recordFailedRun(contentHash);
    } else if (options.dryRun) {
      // What the real run would have done: applied, with these counts.
      await take().rollback();
      summary.status = 'applied';
    } else {
      const { inserted, updated, unchanged, rejected } = summary;
      await take().commit({
        contentHash,
        counts: { inserted, updated, unchanged, rejected },
        finishedAtMs: deps.clock.now().getTime(),
        // Scores are computed from customers (owners, teams), orders and reps: they are stale until rescored.
        scoresStale: options.kind !== 'interactions' && inserted + updated > 0,
      });
      summary.status = 'applied';
      summary.runId = runId;
    }
  } catch (error) {
    if (open) await take().rollback();
    if (!(error instanceof CsvSyntaxError)) throw error;
    summary.fatal = `${options.fileName}:${error.line}: ${error.message}`;
    if (!options.dryRun) summary.runId = await recordFailedRun(contentHash);
  } finally {
    summary.rejectsPath = rejects?.close() ?? null;
  }
  if (summary.status === 'failed') {
    summary.inserted = summary.updated = summary.unchanged = summary.stubCustomers = 0;
  }
  for (const duplicate of summary.duplicates.slice(0, MAX_DUPLICATE_WARNINGS)) {
    summary.warnings.push(`possible duplicate, not merged: ${duplicate.externalId} has the same ${duplicate.sharedField} as ${duplicate.otherExternalId} (${duplicate.value})`);
  }
  if (summary.duplicates.length > MAX_DUPLICATE_WARNINGS) {
    summary.warnings.push(`… and ${plural(summary.duplicates.length - MAX_DUPLICATE_WARNINGS, 'more possible duplicate')}`);
  }
  for (const repeat of summary.repeatedRows.slice(0, MAX_DUPLICATE_WARNINGS)) summary.warnings.push(repeatedRowWarning(options.fileName, repeat));
  if (summary.repeatedRows.length > MAX_DUPLICATE_WARNINGS) {
    summary.warnings.push(`… and ${plural(summary.repeatedRows.length - MAX_DUPLICATE_WARNINGS, 'more repeated row')}`);
  }
  if (summary.status === 'applied' && !summary.dryRun && options.kind === 'orders' && summary.inserted + summary.updated > 0) await options.afterOrdersChanged?.();
  return finish();
}

/** "1 column", "2 columns": English plurals of the nouns import messages count. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function repeatedRowWarning(fileName: string, repeat: RepeatedRow): string {
  const where = `${fileName}:${repeat.line}`;
  if (repeat.outcome === 'kept_both') {
    return `${where}: same ${repeat.key} as line ${repeat.firstLine} and no order id: kept as another order (possible duplicate; give orders an id to tell them apart)`;
  }
  const earlier = repeat.firstLine === null ? 'an earlier line' : `line ${repeat.firstLine}`;
  return `${where}: ${repeat.key} repeats ${earlier}; this later line won`;
}

/** A refused run is recorded too (who tried what, and how many rows were bad), with nothing applied. */
function recordFailed(store: ImportStore, options: ImportOptions, contentHash: string, startedAt: Date, finishedAt: Date, summary: ImportSummary): Promise<number> {
  return store.recordFailedRun({
    kind: options.kind,
    fileName: options.fileName,
    actor: options.actor,
    startedAtMs: startedAt.getTime(),
    contentHash,
    rejected: summary.rejected,
    finishedAtMs: finishedAt.getTime(),
  });
}

/** Imports a CSV file; in skip mode rejected rows go to `<file>.rejects.csv`. */
export async function importFile(
  deps: { db: StoreDatabase; clock: Clock },
  file: string,
  options: Omit<ImportOptions, 'fileName' | 'totalBytes'> & { fileName?: string },
): Promise<ImportSummary> {
  const totalBytes = fs.statSync(file).size;
  return importStream(deps, fs.createReadStream(file, { highWaterMark: 256 * 1024 }), {
    rejectsPath: `${file}.rejects.csv`,
    ...options,
    fileName: options.fileName ?? file,
    totalBytes,
  });
}
