import { afterAll, beforeAll, expect, it } from 'vitest';
import { refreshCheckInsAfterRescoring } from '../../src/db/stores/check-in-store.js';
import { readTeamSettings } from '../../src/db/stores/planning-store.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import { isoWeekOf, localDateOf } from '../../src/domain/schedule/local-time.js';
import { createRecipientLookup } from '../../src/scheduler/nudge-data.js';
import { createNudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { describePostgres, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, demoDatabase } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Scores of every customer (tiers in turn, every 5th at risk, every 7th lapsed), win-back plans for the lapsed, and the check-ins they move. */
async function scoreAndPlan(db: StoreDatabase): Promise<void> {
  const at = DEMO_ASOF.getTime();
  const customers = await db.kysely.selectFrom('Customer').select('id').orderBy('id').execute();
  const lifecycle = (id: number) => (id % 7 === 0 ? 'lapsed' : id % 5 === 0 ? 'at_risk' : 'active');
  await db.kysely
    .insertInto('ScoreSnapshot')
    .values(customers.map(({ id }) => ({
      customerId: id, week: isoWeekOf(localDateOf(DEMO_ASOF, 'UTC')), computedAt: at, asOf: at, frequency: 1, monetaryMinor: 10_000, lifetimeMinor: 10_000 + id, orderCount: 1,
      tier: 'ABCD'[id % 4]!, valueBand: 'mid', lifecycle: lifecycle(id), clv12Minor: id % 3 === 0 ? null : 50_000 + id * 17, churnRisk: id % 11 === 0 ? null : (id % 10) / 10,
      churnReason: JSON.stringify({ typicalIntervalDays: 20 + (id % 9) }), crossSell: id % 2 === 0 ? 'tea' : null, crossSellFrom: id % 2 === 0 ? 'coffee' : null,
    })))
    .execute();
  await refreshCheckInsAfterRescoring(db, 'all', await readTeamSettings(db));
  const lapsed = customers.filter(({ id }) => lifecycle(id) === 'lapsed');
  await db.kysely
    .insertInto('WinbackEpisode')
    .values(lapsed.map(({ id }) => ({ customerId: id, episode: 1, startedAt: at - HOUR - id, deadline: at + 30 * DAY, status: 'open' })))
    .execute();
}

/** Every nudge of a planned week drawn on its first sending and again after it went out; digests are built elsewhere (weekly-digest.ts). */
async function drawEverything(db: StoreDatabase): Promise<unknown[]> {
  const recipientOf = createRecipientLookup(db);
  const render = createNudgeRenderer(db, { currency: 'CNY', defaultLocale: 'en', buildDigest: async () => Promise.reject(new Error('not drawn here')) });
  const rows = (await createOutboxStore(db).list(['pending'], 10_000)).filter((row) => row.kind !== 'digest').sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey));
  const drawn: unknown[] = [];
  for (const row of rows) {
    // Each at its own time (the agenda of its day), and once more later that day as if sent.
    const at = new Date(row.dueAt);
    drawn.push([row.dedupeKey, (await recipientOf(row))?.recipient ?? null, await render(row, at, false), await render({ ...row, sentAt: row.dueAt }, new Date(row.dueAt + HOUR), true, 'redraw')]);
  }
  return drawn;
}

describePostgres('nudges drawn on SQLite and on PostgreSQL', () => {
  const drawn: Partial<Record<'sqlite' | 'postgres', unknown[]>> = {};
  const opened: TestStoreDatabase[] = [];
  beforeAll(async () => {
    for (const engine of ['sqlite', 'postgres'] as const) {
      const db = await demoDatabase(60, DEMO_ASOF, engine);
      opened.push(db);
      await scoreAndPlan(db);
      await runPlanning(db, DEMO_ASOF);
      await runPlanning(db, new Date(DEMO_ASOF.getTime() + 3 * DAY));
      drawn[engine] = await drawEverything(db);
    }
  });
  afterAll(async () => {
    for (const db of opened) await db.cleanup();
  });

  it('does draw every message of a planned week the same on both engines', () => {
    const kinds = new Set(drawn.sqlite!.map((d) => String((d as [string])[0]).split(':')[0]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['agenda', 'callback']));
    // The agendas hold the lists that differ most between engines: win-back plans (by value at stake), the newly at risk (unscored last), light touch.
    const text = JSON.stringify(drawn.sqlite);
    for (const action of ['"command":"callback","options":{"who"', '"command":"customer lookup"', '"command":"callback done"']) expect(text).toContain(action);
    expect(drawn.sqlite!.length).toBeGreaterThan(20);
    expect(drawn.postgres).toEqual(drawn.sqlite);
  });
});
