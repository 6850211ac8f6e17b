import { afterEach, beforeEach, expect, it } from 'vitest';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import { createNudgeRenderer, type NudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import type { NudgeRow } from '../../src/scheduler/outbox.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../helpers/engines.js';

const NOW = new Date('2027-03-01T02:00:00Z');
const DAY = 86_400_000;

describeEngines('win-back messages', (engine) => {
  let db: TestStoreDatabase;
  let render: NudgeRenderer;
  let drawn: (payload: Record<string, unknown>) => Promise<Awaited<ReturnType<NudgeRenderer>>>;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    const k = db.kysely;
    const team = await k.insertInto('Team').values({ name: 'Berlin', timeZone: 'Europe/Berlin', locale: 'en', settings: '{}', createdAt: 0 }).returning('id').executeTakeFirstOrThrow();
    const repId = (await k.insertInto('Rep').values({ name: 'max', email: 'max@x', teamId: team.id, slackUserId: 'U1', createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    const customerId = (await k.insertInto('Customer').values({ externalId: 'C1', name: 'Bob', ownerId: repId, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    await k.insertInto('WinbackEpisode').values({ customerId, episode: 1, startedAt: NOW.getTime() - DAY, deadline: NOW.getTime() + 7 * DAY, status: 'open' }).execute();
    render = createNudgeRenderer(db, { currency: 'EUR', defaultLocale: 'en', buildDigest: () => Promise.reject(new Error('no digests here')) });
    const outbox = createOutboxStore(db);
    let n = 0;
    drawn = async (payload) => {
      await outbox.insert([{ kind: 'winback', dedupeKey: `winback:${++n}`, dueAt: NOW, target: { kind: 'rep', id: repId }, customerId, payload }], NOW);
      const [row] = (await outbox.claimDue(NOW, 1, `claim:${n}`, 60_000)) as [NudgeRow];
      return render(row, NOW, false);
    };
  });
  afterEach(async () => db.cleanup());

  it('does draw won-back messages here, reminders and losses in the care renderer, and skip rows of older versions', async () => {
    expect(await drawn({ outcome: 'won', episode: 1, tier: 'A', orderedAt: NOW.toISOString() })).toMatchObject({
      action: 'send', notification: { reply: { blocks: [{ text: expect.stringContaining('Bob'), tone: 'success' }, {}] } },
    });
    expect(await drawn({ outcome: 'reminder', episode: 1, deadline: new Date(NOW.getTime() + 7 * DAY).toISOString() })).toMatchObject({ action: 'send' });
    expect(await drawn({ outcome: 'reminder', episode: 1, deadline: NOW.toISOString() })).toEqual({
      action: 'skip', reason: 'the plan was extended; its new deadline has its own reminder',
    });
    expect(await drawn({ outcome: 'lost', episode: 1 })).toMatchObject({ action: 'send' });
    // A won-back payload missing its date is not a won-back message; nor is an announcement of a new plan (older versions sent one).
    for (const payload of [{ outcome: 'won', episode: 1, tier: 'A' }, { outcome: 'new', episode: 1, tier: 'A' }]) {
      expect(await drawn(payload)).toEqual({ action: 'skip', reason: 'win-back plans are listed in the morning agenda' });
    }
  });
});
