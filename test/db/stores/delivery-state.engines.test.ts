import { afterEach, beforeEach, expect, it } from 'vitest';
import { createOutboxStore } from '../../../src/db/stores/outbox-store.js';
import { createOutboxView } from '../../../src/scheduler/command-services.js';
import { createPlatformPauses } from '../../../src/scheduler/notifier-router.js';
import type { PlannedNudge } from '../../../src/scheduler/outbox.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';

const T0 = new Date('2026-12-01T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const nudge = (key: string, dueMinutes: number): PlannedNudge => ({
  kind: 'birthday', dedupeKey: key, dueAt: at(dueMinutes), target: { kind: 'rep', id: 1 }, customerId: null, payload: {},
});

describeEngines('what delivery keeps besides the outbox', (engine) => {
  let db: TestStoreDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
  });
  afterEach(async () => db?.cleanup());

  it('does pause each platform on its own until its time, the latest pause winning', async () => {
    const pauses = createPlatformPauses(db);
    expect(await pauses.pausedUntil('slack', T0)).toBeNull();
    await pauses.pause('slack', at(5));
    expect(await pauses.pausedUntil('slack', T0)).toEqual(at(5));
    expect(await pauses.pausedUntil('discord', T0)).toBeNull();
    expect(await pauses.pausedUntil('slack', at(5))).toBeNull();
    await pauses.pause('slack', at(30));
    expect(await createPlatformPauses(db).pausedUntil('slack', at(5))).toEqual(at(30));
  });

  it('does show the outbox for /rapport: counts by status, and the rows needing attention oldest first', async () => {
    const outbox = createOutboxStore(db);
    await outbox.insert([nudge('sent', -3), nudge('dead', -2), nudge('claimed', -1), nudge('pending', 0), nudge('tie', 0)], T0);
    const [sent, dead, claimed] = await outbox.claimDue(at(-1), 3, 'w', 60_000);
    await outbox.markSent(sent!.id, 'w', T0, false, null);
    await outbox.markDead(dead!.id, 'w', 'not linked anywhere');
    const view = createOutboxView(db);
    expect(await view.counts()).toEqual({ pending: 2, claimed: 1, sent: 1, dead: 1, skipped: 0 });
    const attention = await view.attention(3);
    expect(attention.map((r) => [r.kind, r.dueAt, r.status, r.attempts, r.lastError])).toEqual([
      ['birthday', at(-2), 'dead', 1, 'not linked anywhere'],
      ['birthday', at(-1), 'claimed', 1, null],
      ['birthday', at(0), 'pending', 0, null],
    ]);
    expect(attention.map((r) => r.id)).toEqual([dead!.id, claimed!.id, attention[2]!.id]);
    expect(attention[2]!.id).toBeLessThan((await outbox.list(['pending'], 2))[1]!.id);
  });
});
