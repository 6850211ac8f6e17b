import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { addAdmin } from '../../src/db/admins.js';
import { translator } from '../../src/i18n/index.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/main.js';
import { buildWeeklyDigest, digestReply } from '../../src/scheduler/weekly-digest.js';
import { textOf } from '../commands/helpers.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const FIRST_DAY = new Date('2026-12-01T09:00:00Z');

describeEngines('the digest on the first day, before any team exists', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db.cleanup());

  it('does build everyone\'s digest with no team, no scores and no reps but the admin', async () => {
    await addAdmin(db, { email: 'boss@example.com', name: 'The Boss' }, 'cli:test', FIRST_DAY);
    expect(await db.kysely.selectFrom('Team').select('id').execute()).toEqual([]);
    // The care part runs its queries with no team's cadence to choose (its CASE has no WHEN then).
    const digest = await buildWeeklyDigest(db, { kind: 'all' }, FIRST_DAY, 'UTC');
    expect(digest.care).toEqual({
      reps: [], orphaned: { count: 0, names: [] }, neglected: { count: 0, names: [] },
      lostReasons: { price: 0, competitor: 0, 'need-ended': 0, service: 0, unknown: 0, awaiting: 0 },
    });
    const reply = digestReply(digest, { kind: 'all' }, { t: translator('en'), locale: 'en', currency: 'CNY' }, null);
    expect(textOf(reply)).toMatch(/^No scores yet\./);
  });
});

describeEngines('the /digest command on the first day, before any team exists', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db.cleanup());

  it('does answer /digest for the first admin when no team has been made yet', async () => {
    const clock = new ManualClock(FIRST_DAY);
    await addAdmin(db, { email: 'boss@example.com', name: 'The Boss' }, 'cli:test', clock.now());
    expect(await db.kysely.selectFrom('Team').select('id').execute()).toEqual([]);
    const app = createApp(db, loadConfig({ DATABASE_URL: db.url }), clock, createLogger('silent'));
    const reply = await app.dispatch({ platform: 'console', userId: 'boss@example.com', text: '/digest' });
    expect(reply.blocks.filter((b) => b.type === 'text' && b.tone === 'error')).toEqual([]);
    expect(textOf(reply)).toMatch(/^No scores yet\./);
  });
});
