import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { refreshCheckInsAfterRescoring } from '../../../src/db/stores/check-in-store.js';
import { readTeamSettings } from '../../../src/db/stores/planning-store.js';
import { refreshReordersAfterRescoring } from '../../../src/db/stores/reorder-store.js';
import { snapshotWriter, type SnapshotRow } from '../../../src/db/stores/score-store.js';
import { writeTransaction, type StoreHandle } from '../../../src/db/stores/store.js';
import { writeInSlices } from '../../../src/db/write-slices.js';
import { DAY_MS } from '../../../src/domain/calendar.js';
import { describePostgres } from '../../helpers/engines.js';
import { openTempPostgres } from '../../helpers/temp-postgres.js';

const T = Date.parse('2026-11-23T00:00:00Z');
const CUSTOMERS = 4000;
const SLICE = [1001, 1500] as const;

/** One snapshot of `week` per customer, tier by id, a reorder day for every other one. */
const snapshot = (customerId: number, week: string): SnapshotRow => ({
  customerId, week, computedAt: T, asOf: T, recencyDays: 10, frequency: 2, monetaryMinor: 10_000, marginMinor: null, lifetimeMinor: 20_000, orderCount: 2,
  lastOrderAt: T - 10 * DAY_MS, rScore: 3, fScore: 3, mScore: 3, tier: 'ABCD'[customerId % 4]!, valueBand: 'mid', longTail: 'none', lowMargin: false,
  lifecycle: 'active', pAlive: 0.9, expected30: 0.5, expected90: 1.2, expectedAovMinor: 10_000, clv12Minor: 50_000, churnRisk: 0.2, churnReason: '{}',
  atStakeMinor: 10_000, reorderDueAt: customerId % 2 === 0 ? T + 5 * DAY_MS : null, crossSell: null, crossSellFrom: null, crossSellLift: null, categories: '',
});

/** Every customer's snapshot of `week`. */
const weekOfScores = (week: string) => Array.from({ length: CUSTOMERS }, (_, i) => snapshot(i + 1, week));

/** The rows of ScoreSnapshot that this transaction's statements have read so far (scans and index fetches). */
async function snapshotRowsRead(trx: StoreHandle): Promise<number> {
  const { rows } = await sql<{ read: string }>`SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) AS read FROM pg_stat_xact_user_tables WHERE relname = 'ScoreSnapshot'`.execute(trx.kysely);
  return Number(rows[0]?.read ?? 0);
}

describePostgres('the refreshes after a rescoring on postgres', () => {
  let db: Awaited<ReturnType<typeof openTempPostgres>>;
  beforeEach(async () => {
    db = await openTempPostgres();
    const team = await db.kysely.insertInto('Team').values({ name: 'East', timeZone: 'Asia/Shanghai', locale: 'en', settings: '{}', createdAt: T }).returning('id').executeTakeFirstOrThrow();
    const rep = await db.kysely
      .insertInto('Rep')
      .values({ email: 'rep@x', name: 'Rep', role: 'rep', teamId: team.id, agendaHour: 9, active: true, createdAt: T, updatedAt: T })
      .returning('id')
      .executeTakeFirstOrThrow();
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
      id: i + 1, externalId: `C${i + 1}`, name: `Customer ${i + 1}`, ownerId: rep.id, lastTouchAt: T - 10 * DAY_MS, createdAt: T - 400 * DAY_MS, updatedAt: T,
    }));
    for (let from = 0; from < CUSTOMERS; from += 1000) await db.kysely.insertInto('Customer').values(customers.slice(from, from + 1000)).execute();
  });
  afterEach(async () => db.cleanup());

  /** This week's scores written as a rescoring writes them (the statistics updated after), after `before`. */
  async function rescored(before: () => Promise<void>): Promise<void> {
    await before();
    const writer = snapshotWriter(db);
    await writeInSlices(db, [(trx) => writer.upsert(trx, weekOfScores('2026-W48')), (trx) => writer.updateStatistics(trx)]);
  }

  /** The two refreshes of one slice read the slice's rows of the newest week and a few that finding that week fetched; not the week's 4000. */
  async function refreshSlice(): Promise<void> {
    const teams = await readTeamSettings(db);
    const slice = SLICE[1] - SLICE[0] + 1;
    await writeTransaction(db, async (kysely) => {
      const trx: StoreHandle = { engine: 'postgres', kysely };
      const before = await snapshotRowsRead(trx);
      await refreshCheckInsAfterRescoring(trx, { idRange: SLICE }, teams);
      const checkIns = await snapshotRowsRead(trx);
      await refreshReordersAfterRescoring(trx, SLICE);
      const reorders = await snapshotRowsRead(trx);
      expect(checkIns - before).toBeLessThanOrEqual(slice + 10);
      expect(reorders - checkIns).toBeLessThanOrEqual(slice + 10);
    });
  }

  it('does read only the slice’s scores of the newest week when last week’s are there too', async () => {
    await rescored(async () => {
      await writeInSlices(db, [(trx) => snapshotWriter(db).upsert(trx, weekOfScores('2026-W47'))]);
      await sql`ANALYZE`.execute(db.kysely);
    });
    await refreshSlice();
    const due = await db.kysely
      .selectFrom('Customer')
      .select(['id', 'checkInDueAt', 'reorderDueAt'])
      .where('id', 'in', [SLICE[0] - 1, SLICE[0], SLICE[0] + 1, SLICE[1] + 1])
      .orderBy('id')
      .execute();
    // Tier B (id % 4 = 1) every 30 days, C 60; a reorder day for even ids; only the slice refreshed.
    expect(due).toEqual([
      { id: SLICE[0] - 1, checkInDueAt: null, reorderDueAt: null },
      { id: SLICE[0], checkInDueAt: T - 10 * DAY_MS + 30 * DAY_MS, reorderDueAt: null },
      { id: SLICE[0] + 1, checkInDueAt: T - 10 * DAY_MS + 60 * DAY_MS, reorderDueAt: T + 5 * DAY_MS },
      { id: SLICE[1] + 1, checkInDueAt: null, reorderDueAt: null },
    ]);
  });

  it('does read only the slice’s scores when the statistics had taken the table for empty before the rescoring', async () => {
    // Last week's scores deleted, and the table analyzed with none left (as autovacuum may after a clean-up).
    await rescored(async () => {
      await writeInSlices(db, [(trx) => snapshotWriter(db).upsert(trx, weekOfScores('2026-W47'))]);
      await db.kysely.deleteFrom('ScoreSnapshot').execute();
      await sql`ANALYZE ${sql.table('ScoreSnapshot')}`.execute(db.kysely);
    });
    await refreshSlice();
  });
});
