import { PassThrough } from 'node:stream';
import { ManualClock } from '../../src/clock.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { runScoresCli } from '../../src/scoring/scores-cli.js';

/** Runs `scores …` against `db` at `now`; returns the exit code and everything it printed. */
export async function runScores(db: StoreDatabase, argv: string[], now: Date): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await runScoresCli(argv, { db, clock: new ManualClock(now), out });
  return { code, text };
}
