/**
 * Child process of the kill-mid-import test: imports an orders file and, once rows are in the
 * open transaction, tells the parent over IPC and stops reading, so the parent's SIGKILL
 * always lands mid-run. Usage: node --import tsx kill-child.ts <DATABASE_URL> <orders.csv>
 */
import fs from 'node:fs';
import { systemClock } from '../../src/clock.js';
import { connectDatabase } from '../../src/db/store-database.js';
import { importStream } from '../../src/import/import-run.js';

const [url, csvFile] = process.argv.slice(2) as [string, string];
const db = await connectDatabase(url);
let appliedRows = 0;
let reported = false;

async function* gatedFile(): AsyncGenerator<Buffer> {
  for await (const chunk of fs.createReadStream(csvFile, { highWaterMark: 16 * 1024 })) {
    if (appliedRows > 0 && !reported) {
      reported = true;
      process.send!({ appliedRows });
      await new Promise(() => {}); // the IPC channel keeps the process alive until the parent kills it
    }
    yield chunk as Buffer;
  }
}

await importStream({ db, clock: systemClock }, gatedFile(), {
  kind: 'orders',
  fileName: csvFile,
  actor: 'kill-test',
  onProgress: (progress) => {
    appliedRows = progress.rows;
  },
});
process.send!({ finished: true });
