import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackgroundJobs } from '../background/background-jobs.js';
import type { ImportService } from '../commands/ports.js';
import type { Clock } from '../clock.js';

/**
 * Imports a file a user sent in chat: written to a private folder, imported by the background
 * worker (the same `importFile` as the CLI, so the same rules, keys and run records), then
 * removed with its rejects file once the reply has its bytes. An import that changed orders
 * asks for a rescoring (`afterOrdersChanged`).
 */
export function createImportService(deps: {
  background: BackgroundJobs;
  clock: Clock;
  /** Where uploads wait for their import (a folder beside the database). */
  uploadsDir: string;
  afterOrdersChanged: () => void;
}): ImportService {
  return {
    async run(request) {
      fs.mkdirSync(deps.uploadsDir, { recursive: true, mode: 0o700 });
      const file = path.join(deps.uploadsDir, `${randomUUID()}.csv`);
      fs.writeFileSync(file, request.bytes, { mode: 0o600 });
      try {
        const { summary, ordersChanged } = await deps.background.run({
          kind: 'import',
          file,
          startedAt: deps.clock.now(),
          options: {
            kind: request.kind,
            fileName: request.fileName,
            actor: request.actor,
            dryRun: request.dryRun,
            onError: request.onError,
            timeZone: request.timeZone,
          },
        });
        if (ordersChanged) deps.afterOrdersChanged();
        const rejects = summary.rejectsPath ? { fileName: `${path.parse(request.fileName).name}.rejects.csv`, bytes: new Uint8Array(fs.readFileSync(summary.rejectsPath)) } : null;
        return {
          status: summary.status,
          dryRun: summary.dryRun,
          runId: summary.runId,
          fatal: summary.fatal,
          rows: summary.rows,
          inserted: summary.inserted,
          updated: summary.updated,
          unchanged: summary.unchanged,
          rejected: summary.rejected,
          problems: summary.problems,
          moreProblems: summary.moreProblems,
          warnings: summary.warnings,
          rejects,
        };
      } finally {
        fs.rmSync(file, { force: true });
        fs.rmSync(`${file}.rejects.csv`, { force: true });
      }
    },
  };
}
