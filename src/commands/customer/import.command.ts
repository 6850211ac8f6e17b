import { z } from 'zod';
import { formatNumber } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { choice, flag } from '../option-schemas.js';
import { MAX_UPLOAD_BYTES } from '../options.js';
import { IMPORT_KINDS, type ImportOutcome } from '../ports.js';
import { reply, type Block, type Reply } from '../reply.js';

/** Problems listed in the reply; the rejects file holds them all. */
const LISTED_PROBLEMS = 10;

/**
 * `/customer import <kind> [file] [--dry-run] [--on-error abort|skip]` from chat: the same
 * import as the CLI (one transaction, keyed rows, named bad rows), run off the event loop, with
 * the summary as the reply and the rejected rows as a file. The file is read only after the
 * role check; on the console the option is a path.
 */
export const customerImportCommand = defineCommand({
  name: 'customer import',
  key: 'customerImport',
  requires: 'manager',
  options: [
    { name: 'kind', type: 'choice', choices: IMPORT_KINDS, required: true },
    { name: 'file', type: 'attachment' },
    { name: 'dry-run', type: 'boolean' },
    { name: 'on-error', type: 'choice', choices: ['abort', 'skip'], typed: 'flag' },
  ],
  args: z.object({
    kind: choice(IMPORT_KINDS, 'customer.import.badKind'),
    file: z.string().max(1000).optional(),
    'dry-run': flag,
    'on-error': choice(['abort', 'skip'] as const, 'customer.import.badOnError').optional(),
  }),
  async run(args, ctx) {
    const { t } = ctx;
    // Chat platforms attach the file; the console names a path on this machine.
    const upload = ctx.files.file ?? (args.file && ctx.session?.openFile ? ctx.session.openFile(args.file) : undefined);
    if (!upload) {
      return args.file && ctx.session?.openFile
        ? reply.error(t('customer.import.noSuchFile', { path: args.file }))
        : reply.text(t('customer.import.sendFile', { kind: args.kind }));
    }
    if (upload.size > MAX_UPLOAD_BYTES) {
      return reply.error(t('customer.import.tooLarge', { name: upload.name, mb: Math.round(MAX_UPLOAD_BYTES / 1024 / 1024) }));
    }
    let bytes: Uint8Array;
    try {
      bytes = await upload.read();
    } catch (error) {
      // The platform's reader says what went wrong (a failed download, a file larger than it said).
      return reply.error(error instanceof Error ? error.message : String(error));
    }
    if (bytes.byteLength > MAX_UPLOAD_BYTES) {
      return reply.error(t('customer.import.tooLarge', { name: upload.name, mb: Math.round(MAX_UPLOAD_BYTES / 1024 / 1024) }));
    }
    const outcome = await ctx.services.imports.run({
      kind: args.kind,
      fileName: upload.name,
      bytes,
      dryRun: args['dry-run'],
      onError: args['on-error'] ?? 'abort',
      actor: `rep:${ctx.actor.repId}`,
      timeZone: ctx.timeZone,
    });
    await ctx.audit('import.run', outcome.runId === null ? '' : `import:${outcome.runId}`, JSON.stringify({ kind: args.kind, file: upload.name, status: outcome.status, dryRun: outcome.dryRun }));
    return summaryReply(outcome, args.kind, upload.name, ctx.t, ctx.locale);
  },
});

function summaryReply(o: ImportOutcome, kind: string, fileName: string, t: (key: string, values?: Record<string, unknown>) => string, locale: Parameters<typeof formatNumber>[1]): Reply {
  const n = (value: number) => formatNumber(value, locale);
  const counts = t('customer.import.counts', { inserted: n(o.inserted), updated: n(o.updated), unchanged: n(o.unchanged), rejected: n(o.rejected) });
  const headline = o.dryRun
    ? o.status === 'applied'
      ? t('customer.import.dryRunOk', { kind, file: fileName, counts })
      : t('customer.import.dryRunRefused', { kind, file: fileName })
    : o.status === 'applied'
      ? t('customer.import.applied', { kind, file: fileName, run: o.runId, counts })
      : o.fatal
        ? t('customer.import.fileRefused', { file: fileName })
        : t('customer.import.refused', { file: fileName, count: o.rejected });
  const blocks: Block[] = [{ type: 'text', text: headline, tone: o.status === 'applied' ? 'success' : 'error' }];
  if (o.fatal) blocks.push({ type: 'text', text: o.fatal, tone: 'error' });
  const problems = o.problems.slice(0, LISTED_PROBLEMS);
  const more = o.problems.length - problems.length + o.moreProblems;
  if (problems.length > 0) {
    blocks.push({
      type: 'list',
      title: t('customer.import.problems'),
      numbered: false,
      items: problems.map((problem) => ({ primary: problem })),
      ...(more > 0 ? { footer: t('customer.import.moreProblems', { count: more }) } : {}),
    });
  }
  if (o.warnings.length > 0) blocks.push({ type: 'list', title: t('customer.import.warnings'), numbered: false, items: o.warnings.map((w) => ({ primary: w })) });
  if (o.rejects) blocks.push({ type: 'file', fileName: o.rejects.fileName, contentType: 'text/csv', bytes: o.rejects.bytes });
  return reply.private(...blocks);
}
