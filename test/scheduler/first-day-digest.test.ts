import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { addAdmin } from '../../src/db/admins.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/main.js';
import { textOf } from '../commands/helpers.js';
import { openTempDatabase } from '../helpers/temp-database.js';

describe('the digest on the first day, before any team exists', () => {
  let db: Awaited<ReturnType<typeof openTempDatabase>>;
  beforeEach(async () => {
    db = await openTempDatabase();
  });
  afterEach(async () => db.cleanup());

  it('does answer /digest for the first admin when no team has been made yet', async () => {
    const clock = new ManualClock('2026-12-01T09:00:00Z');
    await addAdmin(db, { email: 'boss@example.com', name: 'The Boss' }, 'cli:test', clock.now());
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM Team').pluck().get()).toBe(0);
    const app = createApp(db, loadConfig({ DATABASE_URL: db.url }), clock, createLogger('silent'));
    const reply = await app.dispatch({ platform: 'console', userId: 'boss@example.com', text: '/digest' });
    expect(reply.blocks.filter((b) => b.type === 'text' && b.tone === 'error')).toEqual([]);
    expect(textOf(reply)).toMatch(/^No scores yet\./);
  });
});
