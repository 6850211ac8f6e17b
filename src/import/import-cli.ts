import fs from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { StoreDatabase } from '../db/store-database.js';
import { isTimeZone } from '../domain/time-zone.js';
import { IMPORT_KINDS, mappingFileSchema, type HeaderMapping } from './columns.js';
import { checkEncoding, EncodingError } from './decode.js';
import { importFile, plural, type ImportProgress, type ImportSummary } from './import-run.js';
import { undoImportRun } from './undo.js';
import { DATE_ORDERS } from './values.js';

export const IMPORT_USAGE = `Usage: import <customers|orders|reps|interactions> <file.csv> [--dry-run] [--mapping file.json] [--on-error abort|skip]
              [--encoding X] [--date-format M/D/YYYY|D/M/YYYY] [--time-zone Area/City] [--create-missing]
       import undo <run id>`;

/** Rejected rows printed in full; the rest are counted (skip mode writes them all to the rejects file). */
const PRINTED_PROBLEMS = 50;

export interface ImportCliDeps {
  db: StoreDatabase;
  clock: Clock;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  isTTY: boolean;
  actor: string;
  /** Zone of dates without an offset when --time-zone is not given (the lead passes RAPPORT_TIMEZONE). */
  timeZone?: string;
  afterOrdersChanged?: () => Promise<void>;
}

const importArgsSchema = z.object({
  kind: z.enum(IMPORT_KINDS, { error: `the first argument must be one of ${IMPORT_KINDS.join(', ')} or undo` }),
  file: z.string({ error: 'name the CSV file to import' }).min(1),
  dryRun: z.boolean(),
  mapping: z.string().optional(),
  onError: z.enum(['abort', 'skip'], { error: '--on-error must be abort or skip' }),
  encoding: z
    .string()
    .optional()
    .refine((name) => name === undefined || isKnownEncoding(name), { error: '--encoding names an encoding Rapport cannot read (try utf-8, utf-16le, gbk, gb18030)' }),
  dateFormat: z.enum(DATE_ORDERS, { error: `--date-format must be ${DATE_ORDERS.join(' or ')}` }).optional(),
  timeZone: z.string().refine(isTimeZone, { error: '--time-zone must be an IANA zone such as Asia/Shanghai' }).optional(),
  createMissing: z.boolean(),
});

const undoArgsSchema = z.object({ runId: z.coerce.number({ error: 'the run id must be a number' }).int().positive({ error: 'the run id must be a positive whole number' }) });

function isKnownEncoding(name: string): boolean {
  try {
    checkEncoding(name);
    return true;
  } catch (error) {
    if (error instanceof EncodingError) return false;
    throw error;
  }
}

/** `import …` and `import undo <run>`; returns the exit code (0 ok, 1 refused or bad rows, 2 bad arguments). */
export async function runImportCli(argv: string[], deps: ImportCliDeps): Promise<number> {
  const usage = (message: string) => (deps.err.write(`import: ${message}\n${IMPORT_USAGE}\n`), 2);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.out.write(`${IMPORT_USAGE}\n${IMPORT_HELP}\n`);
    return 0;
  }
  if (positionals[0] === 'undo') {
    const args = undoArgsSchema.safeParse({ runId: positionals[1] ?? '' });
    if (!args.success || positionals.length !== 2) return usage(args.success ? 'undo takes one run id' : args.error.issues[0]!.message);
    return undo(args.data.runId, deps);
  }
  if (positionals.length > 2) return usage(`unexpected argument ${positionals[2]}`);
  const args = importArgsSchema.safeParse({
    kind: positionals[0],
    file: positionals[1],
    dryRun: values['dry-run'] ?? false,
    mapping: values.mapping,
    onError: values['on-error'] ?? 'abort',
    encoding: values.encoding,
    dateFormat: values['date-format'],
    timeZone: values['time-zone'],
    createMissing: values['create-missing'] ?? false,
  });
  if (!args.success) return usage(args.error.issues[0]!.message);
  const { kind, file } = args.data;
  const stat = fs.existsSync(file) ? fs.statSync(file) : null;
  if (!stat?.isFile()) {
    deps.err.write(`import: ${stat?.isDirectory() ? `${file} is a folder; name a CSV file in it` : `no such file ${file}`}\n`);
    return 1;
  }
  let mapping: HeaderMapping | undefined;
  if (args.data.mapping !== undefined) {
    const loaded = readMapping(args.data.mapping);
    if (typeof loaded === 'string') {
      deps.err.write(`import: ${loaded}\n`);
      return 1;
    }
    mapping = loaded;
  }

  const bar = deps.isTTY ? createProgressBar(deps.err) : null;
  const summary = await importFile({ db: deps.db, clock: deps.clock }, file, {
    kind,
    actor: deps.actor,
    onError: args.data.onError,
    dryRun: args.data.dryRun,
    createMissing: args.data.createMissing,
    timeZone: args.data.timeZone ?? deps.timeZone ?? 'UTC',
    ...(mapping ? { mapping } : {}),
    ...(args.data.encoding ? { encoding: args.data.encoding } : {}),
    ...(args.data.dateFormat ? { dateOrder: args.data.dateFormat } : {}),
    ...(bar ? { onProgress: bar.update } : {}),
    ...(deps.afterOrdersChanged ? { afterOrdersChanged: deps.afterOrdersChanged } : {}),
  });
  bar?.stop();
  printSummary(summary, deps);
  return summary.status === 'failed' ? 1 : 0;
}

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  mapping: { type: 'string' },
  'on-error': { type: 'string' },
  encoding: { type: 'string' },
  'date-format': { type: 'string' },
  'time-zone': { type: 'string' },
  'create-missing': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const IMPORT_HELP = `
  --dry-run          check everything and report what a real run would do (same exit code), writing nothing
  --on-error abort   default: any bad row and nothing is imported (exit 1)
  --on-error skip    import the good rows; bad ones go to <file>.rejects.csv with a reason column
  --mapping F        JSON {"header in the file": "column"}; null or "" ignores that column
  --encoding X       skip detection (utf-8, utf-16le, gbk, gb18030, big5, windows-1252, …)
  --date-format F    M/D/YYYY or D/M/YYYY for slash dates where both parts could be the month
  --time-zone Z      IANA zone of dates written without an offset
  --create-missing   orders and interactions of unknown customers create stub customers
Orders and interactions are accepted from 1970-01-01 to tomorrow. See README "Importing data".`;

function readMapping(file: string): HeaderMapping | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return `cannot read the mapping file ${file}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `${file} is not JSON: ${(error as Error).message}`;
  }
  const mapping = mappingFileSchema.safeParse(json);
  return mapping.success ? mapping.data : `${file} must be a JSON object of "header in the file": "canonical column" pairs (null or "" ignores a column)`;
}

/** rows/s and ETA from bytes read (rows per file are unknown until the end). */
function createProgressBar(stream: NodeJS.WritableStream): { update: (progress: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { stream, format: '{bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(progress) {
      const seconds = (performance.now() - started) / 1000;
      const payload = { rows: progress.rows, speed: seconds > 0 ? Math.round(progress.rows / seconds) : 0 };
      if (!running) {
        bar.start(progress.totalBytes ?? progress.bytes, progress.bytes, payload);
        running = true;
      } else bar.update(progress.bytes, payload);
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

function printSummary(summary: ImportSummary, deps: ImportCliDeps): void {
  const { err, out } = deps;
  if (summary.fatal) err.write(`${summary.fatal}\n`);
  const shown = summary.problems.slice(0, PRINTED_PROBLEMS);
  for (const problem of shown) err.write(`${problem}\n`);
  const notShown = summary.problems.length - shown.length + summary.moreProblems;
  if (notShown > 0) err.write(`… and ${plural(notShown, 'more problem')}${summary.rejectsPath ? ` (all in ${summary.rejectsPath})` : ''}\n`);
  for (const warning of summary.warnings) err.write(`warning: ${warning}\n`);
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const counts = `${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected`;
  const stubs = summary.stubCustomers > 0 ? `, ${plural(summary.stubCustomers, 'stub customer')} created` : '';
  const source = summary.encoding ? ` (${summary.encoding}, ${DELIMITER_NAMES[summary.delimiter ?? ','] ?? summary.delimiter}-separated)` : '';
  const why = summary.fatal ? 'the file was refused' : `${summary.rejected} of ${plural(summary.rows, 'row')} ${summary.rejected === 1 ? 'is' : 'are'} bad (fix them, or use --on-error skip)`;
  if (summary.dryRun) {
    const outcome = summary.status === 'applied' ? `would be ${counts}${stubs}` : `the import would be refused: ${why}`;
    out.write(`Dry run of ${summary.kind} from ${summary.fileName}${source}, nothing written: ${outcome} in ${seconds} s\n`);
  } else if (summary.status === 'applied') {
    out.write(`Imported ${summary.kind} from ${summary.fileName}${source} as run ${summary.runId}: ${counts}${stubs} in ${seconds} s\n`);
    if (summary.rejectsPath) out.write(`Rejected rows with their reasons: ${summary.rejectsPath}\n`);
  } else {
    out.write(`Nothing imported from ${summary.fileName}: ${why}${summary.runId ? ` (recorded as failed run ${summary.runId})` : ''}, ${seconds} s\n`);
  }
}

async function undo(runId: number, deps: ImportCliDeps): Promise<number> {
  const result = await undoImportRun(deps.db, runId, deps.clock);
  if (!result.ok) {
    deps.err.write(`import undo: ${result.problem}\n`);
    return 1;
  }
  deps.out.write(`Undid run ${runId} (${result.kind}): ${plural(result.deleted, 'row')} deleted, ${plural(result.restored, 'row')} restored\n`);
  if (result.kind === 'orders') await deps.afterOrdersChanged?.();
  return 0;
}
