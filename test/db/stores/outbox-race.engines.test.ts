import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres } from '../../helpers/engines.js';
import { raceOutboxClaims } from '../../helpers/outbox-race.js';
import { createEmptyPostgresDatabase } from '../../helpers/temp-postgres.js';

/** Seconds the race runs here (OUTBOX_RACE_MS); `npm run bench -- outbox` runs it for 30 s. */
const RACE_MS = Number(process.env.OUTBOX_RACE_MS ?? 3000);

describePostgres('two delivery processes racing on PostgreSQL', () => {
  let database: { url: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    database = await createEmptyPostgresDatabase();
  });
  afterEach(async () => database?.cleanup());

  it(`does never send one row twice while both claim the same due rows for ${RACE_MS / 1000} s`, async () => {
    const race = await raceOutboxClaims(database.url, { durationMs: RACE_MS, workers: 2, batch: 10 });
    expect(race.duplicates).toBe(0);
    expect(race.lost).toBe(0);
    expect(race.leftClaimed).toBe(0);
    expect(race.sentInDatabase).toBe(race.distinctSent);
    // Both got a real share of the rows: it was a race, not one worker draining alone.
    for (const sent of race.perWorker) expect(sent).toBeGreaterThan(race.sends * 0.1);
  }, RACE_MS + 60_000);
});
