import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxStore, type OutboxStore } from '../../../src/db/stores/outbox-store.js';
import { CARRY_GRACE_MS, type PlannedNudge } from '../../../src/scheduler/outbox.js';
import { createRawOutbox } from '../../helpers/raw-outbox.js';
import { describeEngines, enginesUnderTest, openTestDatabase, type TestEngine, type TestStoreDatabase } from '../../helpers/engines.js';

const T0 = new Date('2026-12-01T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const LEASE_MS = 5 * 60_000;

function nudge(key: string, dueMinutes: number, extra: Partial<PlannedNudge> = {}): PlannedNudge {
  return { kind: 'birthday', dedupeKey: key, dueAt: at(dueMinutes), target: { kind: 'rep', id: 1 }, customerId: null, payload: { key }, ...extra };
}

/** The outbox's behaviour, whatever implements it. */
function outboxContract(open: () => Promise<{ db: TestStoreDatabase; outbox: Omit<OutboxStore, 'depth'> }>) {
  let db: TestStoreDatabase;
  let outbox: Awaited<ReturnType<typeof open>>['outbox'];
  beforeEach(async () => {
    ({ db, outbox } = await open());
  });
  afterEach(async () => db?.cleanup());

  it('does insert each dedupe key once and count only the new rows', async () => {
    expect(await outbox.insert([nudge('a', 0), nudge('b', 1)], T0)).toBe(2);
    expect(await outbox.insert([nudge('b', 5), nudge('c', 2)], T0)).toBe(1);
    expect((await outbox.list(['pending'], 10)).map((r) => [r.dedupeKey, r.dueAt])).toEqual([
      ['a', at(0).getTime()],
      ['b', at(1).getTime()],
      ['c', at(2).getTime()],
    ]);
  });

  it('does insert more rows than one statement carries', async () => {
    const many = Array.from({ length: 1234 }, (_, i) => nudge(`n${i}`, i % 7));
    expect(await outbox.insert(many, T0)).toBe(1234);
    expect(await outbox.insert(many, T0)).toBe(0);
    expect((await outbox.countsByStatus()).pending).toBe(1234);
  });

  it('does claim due rows only, oldest first, up to the limit, counting an attempt', async () => {
    await outbox.insert([nudge('later', 10), nudge('second', -1), nudge('first', -5), nudge('third', 0)], T0);
    const claimed = await outbox.claimDue(T0, 2, 'w1', LEASE_MS);
    expect(claimed.map((r) => [r.dedupeKey, r.status, r.claimedBy, r.attempts, r.claimedAt])).toEqual([
      ['first', 'claimed', 'w1', 1, T0.getTime()],
      ['second', 'claimed', 'w1', 1, T0.getTime()],
    ]);
    expect((await outbox.claimDue(T0, 10, 'w2', LEASE_MS)).map((r) => r.dedupeKey)).toEqual(['third']);
    expect(await outbox.claimDue(T0, 10, 'w3', LEASE_MS)).toEqual([]);
  });

  it('does let another worker take a claim over only once its lease ran out', async () => {
    await outbox.insert([nudge('a', 0)], T0);
    await outbox.claimDue(T0, 10, 'dead-worker', LEASE_MS);
    expect(await outbox.claimDue(new Date(T0.getTime() + LEASE_MS - 1), 10, 'w2', LEASE_MS)).toEqual([]);
    const [taken] = await outbox.claimDue(new Date(T0.getTime() + LEASE_MS), 10, 'w2', LEASE_MS);
    expect([taken?.claimedBy, taken?.attempts]).toEqual(['w2', 2]);
    // The worker that lost it can no longer write it.
    expect(await outbox.markSent(taken!.id, 'dead-worker', T0, false, null)).toBe(false);
    expect(await outbox.markSent(taken!.id, 'w2', at(6), true, { platform: 'slack', channel: 'C1', messageId: '171.1' })).toBe(true);
    expect(await outbox.get(taken!.id)).toMatchObject({
      status: 'sent', sentAt: at(6).getTime(), late: 1, lastError: null, messagePlatform: 'slack', messageChannel: 'C1', messageId: '171.1',
    });
  });

  it('does bring a retried row back at its time, and a deferred one without spending an attempt', async () => {
    await outbox.insert([nudge('retry', 0), nudge('defer', 0)], T0);
    const [deferred, retried] = await outbox.claimDue(T0, 10, 'w', LEASE_MS).then((rows) => [...rows].sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey)));
    expect(await outbox.retryAt(retried!.id, 'w', 'timeout', at(10))).toBe(true);
    expect(await outbox.deferUncounted(deferred!.id, 'w', 'slack asked us to wait', at(10))).toBe(true);
    expect(await outbox.claimDue(at(9), 10, 'w', LEASE_MS)).toEqual([]);
    const again = await outbox.claimDue(at(10), 10, 'w', LEASE_MS);
    expect(Object.fromEntries(again.map((r) => [r.dedupeKey, [r.attempts, r.lastError]]))).toEqual({
      retry: [2, 'timeout'],
      defer: [1, 'slack asked us to wait'],
    });
  });

  it('does mark rows dead or skipped for their claimer only', async () => {
    await outbox.insert([nudge('dead', 0), nudge('skip', 0)], T0);
    const [dead, skip] = await outbox.claimDue(T0, 10, 'w', LEASE_MS);
    expect(await outbox.markDead(dead!.id, 'other', 'nope')).toBe(false);
    expect(await outbox.markDead(dead!.id, 'w', 'not linked anywhere')).toBe(true);
    expect(await outbox.markSkipped(skip!.id, 'w', 'callback done', at(1))).toBe(true);
    expect(await outbox.get(dead!.id)).toMatchObject({ status: 'dead', lastError: 'not linked anywhere' });
    expect(await outbox.get(skip!.id)).toMatchObject({ status: 'skipped', lastError: 'callback done', sentAt: null });
    expect(await outbox.countsByStatus()).toEqual({ pending: 0, claimed: 0, sent: 0, dead: 1, skipped: 1 });
    expect(await outbox.get(999_999)).toBeNull();
  });

  it('does release the rows a stopped batch did not attempt, giving their attempt back', async () => {
    await outbox.insert([nudge('a', 0), nudge('b', 0), nudge('c', 0)], T0);
    const [first] = await outbox.claimDue(T0, 10, 'w', LEASE_MS);
    await outbox.markSent(first!.id, 'w', T0, false, null);
    expect(await outbox.release('w', at(1))).toBe(2);
    expect(await outbox.release('w', at(1))).toBe(0);
    const pending = await outbox.list(['pending'], 10);
    expect(pending.map((r) => [r.dedupeKey, r.attempts, r.claimedBy, r.nextAttemptAt])).toEqual([
      ['b', 0, null, at(1).getTime()],
      ['c', 0, null, at(1).getTime()],
    ]);
    expect(await outbox.list([], 10)).toEqual([]);
  });

  it('does leave a kind an agenda carries to the agenda, claiming it alone only once the grace is over', async () => {
    await outbox.insert([nudge('greeting', 0, { kind: 'holiday' }), nudge('birthday', 0)], T0);
    const [birthday, ...others] = await outbox.claimDue(T0, 10, 'w', LEASE_MS);
    expect([birthday?.dedupeKey, others]).toEqual(['birthday', []]);
    await outbox.markSent(birthday!.id, 'w', T0, false, null);
    const late = new Date(T0.getTime() + CARRY_GRACE_MS);
    expect((await outbox.claimDue(new Date(late.getTime() - 1), 10, 'w', LEASE_MS)).map((r) => r.dedupeKey)).toEqual([]);
    expect((await outbox.claimDue(late, 10, 'w', LEASE_MS)).map((r) => r.dedupeKey)).toEqual(['greeting']);
  });

  it('does leave a kind an agenda carries alone while an agenda of its target due before it still waits to go out', async () => {
    const late = new Date(T0.getTime() + CARRY_GRACE_MS);
    const rep2 = { kind: 'rep' as const, id: 2 };
    await outbox.insert(
      [
        nudge('greeting', 0, { kind: 'holiday' }),
        nudge('agenda', -1, { kind: 'agenda' }),
        nudge('other-greeting', 0, { kind: 'reorder', target: rep2 }),
        nudge('later-agenda', 1, { kind: 'agenda', target: rep2 }),
      ],
      T0,
    );
    // The agenda was down for hours: it goes out first and carries the greeting; rep 2's agenda comes after its reminder, so it does not hold it.
    const first = await outbox.claimDue(late, 10, 'w', LEASE_MS);
    expect(first.map((r) => r.dedupeKey)).toEqual(['agenda', 'other-greeting', 'later-agenda']);
    expect(await outbox.claimDue(late, 10, 'w2', LEASE_MS)).toEqual([]);
    await outbox.retryAt(first[0]!.id, 'w', 'timeout', at(CARRY_GRACE_MS / 60_000 + 5));
    expect(await outbox.claimDue(late, 10, 'w3', LEASE_MS)).toEqual([]);
    await outbox.markDead((await outbox.claimDue(at(CARRY_GRACE_MS / 60_000 + 5), 1, 'w4', LEASE_MS))[0]!.id, 'w4', 'gone');
    expect((await outbox.claimDue(late, 10, 'w5', LEASE_MS)).map((r) => r.dedupeKey)).toEqual(['greeting']);
  });

  it('does mark pending rows sent inside their carrier, and only pending ones', async () => {
    await outbox.insert([nudge('g1', 0, { kind: 'holiday' }), nudge('g2', 0, { kind: 'holiday' }), nudge('agenda', 0, { kind: 'agenda' })], T0);
    const [g1, g2, agenda] = await outbox.list(['pending'], 10);
    const [claimedAgenda] = await outbox.claimDue(T0, 1, 'w', LEASE_MS);
    expect(claimedAgenda!.id).toBe(agenda!.id);
    const message = { platform: 'discord' as const, channel: 'D9', messageId: '555' };
    expect(await outbox.markCarried([g1!.id, g2!.id, agenda!.id], agenda!.id, at(1), message)).toBe(2);
    expect(await outbox.markCarried([], agenda!.id, at(1), message)).toBe(0);
    expect(await outbox.get(g1!.id)).toMatchObject({ status: 'sent', sentAt: at(1).getTime(), carriedBy: agenda!.id, claimedBy: null, messageId: '555' });
    expect((await outbox.get(agenda!.id))!.status).toBe('claimed');
  });

  it('does find the sent messages that show a callback: its ping and its owner’s agendas since a time', async () => {
    const { kysely } = db;
    const { id: repId } = await kysely
      .insertInto('Rep')
      .values({ email: 'li@example.com', name: 'Li Na', createdAt: 0, updatedAt: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: customerId } = await kysely
      .insertInto('Customer')
      .values({ externalId: 'C1', name: '王芳', ownerId: repId, createdAt: 0, updatedAt: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const callbacks = await kysely
      .insertInto('Callback')
      .values([1, 2].map(() => ({ customerId, ownerId: repId, dueAt: at(0).getTime(), createdAt: 0 })))
      .returning('id')
      .execute();
    const [mine, other] = callbacks.map((c) => c.id) as [number, number];
    const target = { kind: 'rep' as const, id: repId };
    await outbox.insert(
      [
        nudge('ping-mine', 0, { kind: 'callback', target, customerId, payload: { callbackId: mine } }),
        nudge('ping-other', 0, { kind: 'callback', target, customerId, payload: { callbackId: other } }),
        nudge('agenda-old', -600, { kind: 'agenda', target }),
        nudge('agenda-today', 0, { kind: 'agenda', target }),
        nudge('agenda-unsent', 1, { kind: 'agenda', target }),
      ],
      T0,
    );
    for (const row of await outbox.claimDue(at(0), 10, 'w', LEASE_MS)) {
      await outbox.markSent(row.id, 'w', at(0), false, { platform: 'slack', channel: 'D1', messageId: row.dedupeKey });
    }
    const showing = await outbox.messagesShowingCallback(mine, at(-60));
    expect(showing.map((r) => r.dedupeKey)).toEqual(['ping-mine', 'agenda-today']);
  });
}

describeEngines('the outbox store', (engine: TestEngine) => {
  outboxContract(async () => {
    const db = await openTestDatabase(engine);
    return { db, outbox: createOutboxStore(db) };
  });

  it('does tell how many rows are due and since when', async () => {
    const db = await openTestDatabase(engine);
    const outbox = createOutboxStore(db);
    expect(await outbox.depth(T0)).toEqual({ due: 0, oldestDueAt: null });
    await outbox.insert([nudge('old', -30), nudge('now', 0), nudge('future', 30), nudge('done', -40)], T0);
    const [done] = await outbox.claimDue(at(-35), 1, 'w', LEASE_MS);
    await outbox.markSent(done!.id, 'w', T0, false, null);
    await outbox.claimDue(T0, 1, 'w', LEASE_MS);
    expect(await outbox.depth(T0)).toEqual({ due: 2, oldestDueAt: at(-30).getTime() });
    await db.cleanup();
  });

  it('does never hand one row to two claims made at once', async () => {
    const db = await openTestDatabase(engine);
    // A second connection (PostgreSQL: a pool of its own) racing the first.
    const second = engine === 'postgres' ? await (await import('../../../src/db/store-database.js')).connectDatabase(db.url) : db;
    try {
      const a = createOutboxStore(db);
      const b = createOutboxStore(second);
      await a.insert(Array.from({ length: 600 }, (_, i) => nudge(`r${i}`, 0)), T0);
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claimDue(T0, 20, `w${i}`, LEASE_MS)));
      const ids = claims.flat().map((r) => r.id);
      expect(ids.length).toBe(600);
      expect(new Set(ids).size).toBe(600);
    } finally {
      if (second !== db) await second.close();
      await db.cleanup();
    }
  });
});

/** The raw SQLite outbox (the outbox bench's limit) honours the same contract: the two agree. */
describe.runIf(enginesUnderTest().includes('sqlite'))('the raw SQLite outbox (test/helpers/raw-outbox.ts)', () => {
  outboxContract(async () => {
    const db = await openTestDatabase('sqlite');
    if (db.engine !== 'sqlite') throw new Error('expected SQLite');
    const sync = createRawOutbox(db.sqlite);
    const outbox = Object.fromEntries(
      Object.entries(sync).map(([name, method]) => [name, async (...args: unknown[]) => (method as (...a: unknown[]) => unknown)(...args)]),
    ) as unknown as Omit<OutboxStore, 'depth'>;
    return { db, outbox };
  });
});
