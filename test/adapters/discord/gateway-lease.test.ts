import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapters/chat-adapter.js';
import type { GatewayLeadership } from '../../../src/adapters/discord/discord-adapter.js';
import { ManualClock } from '../../../src/clock.js';
import { createLeaseStore, type LeaseStore } from '../../../src/db/stores/lease-store.js';
import { keepLease, LEASE_TTL_MS } from '../../../src/scheduler/leases.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { chatInput } from '../../fakes/discord/interactions.js';
import { manualTimers } from '../../helpers/manual-timers.js';
import { engineOfRun } from '../../helpers/engine-of-run.js';
import { openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { FakeApp, interact, startGatewayAdapter, type LogLine } from './helpers.js';

describe('the Discord gateway across replicas (a lease in the database)', () => {
  let fake: FakeDiscord;
  let db: TestStoreDatabase;
  let leases: LeaseStore;
  const clock = new ManualClock('2026-12-01T09:00:00Z');
  const running: ChatAdapter[] = [];
  /** Lease queries not yet answered: on PostgreSQL a query is a round trip that no number of event-loop turns is sure to outlast. */
  const asking = new Set<Promise<unknown>>();

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    db = await openTestDatabase(engineOfRun());
    const store = createLeaseStore(db);
    leases = {
      ...store,
      acquire(...args) {
        const answer = store.acquire(...args);
        asking.add(answer);
        void answer.finally(() => asking.delete(answer)).catch(() => {});
        return answer;
      },
    };
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((adapter) => adapter.stop()));
    await fake.stop();
    await db.cleanup();
  });

  /** A replica of the bot: its own holder name and renewal timer (a dead replica's is never ticked again), the shared lease table. */
  async function replica(holder: string): Promise<{ adapter: ChatAdapter; tick: () => void; lines: LogLine[] }> {
    const timer = manualTimers();
    const gatewayLeadership: GatewayLeadership = (onChange) => keepLease(leases, { name: 'discord-gateway', holder, clock, onChange, every: timer.every });
    const { adapter, lines } = await startGatewayAdapter(fake, new FakeApp(), { gatewayLeadership });
    running.push(adapter);
    return { adapter, tick: timer.tick, lines };
  }

  /** Ticks a replica's renewal and waits until its gateway has followed the lease. */
  async function renew(r: { tick: () => void }): Promise<void> {
    r.tick();
    // The renewal is one query and the handover a promise chain: let both settle (a tick while a renewal is still asking reuses its answer, at its older time).
    await Promise.allSettled([...asking]);
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }

  it('does connect only the replica that holds the lease, and the other stands by', async () => {
    const a = await replica('a');
    const b = await replica('b');
    expect(fake.gateway.identifies).toHaveLength(1);
    expect(await leases.holder('discord-gateway', clock.now())).toBe('a');
    expect(b.lines.some((l) => l.msg === 'another replica holds the Discord gateway; standing by')).toBe(true);
    expect((await interact(fake, chatInput('callbacks'))).status).toBe(204);
    await renew(a);
    await renew(b);
    expect(fake.gateway.identifies).toHaveLength(1);
  });

  it('does let a standby take the gateway over within a lease of its holder’s death, and the old holder let go when it wakes', async () => {
    const a = await replica('a');
    const b = await replica('b');
    // a stops renewing (killed): once its lease has run out, b's next renewal takes the gateway.
    clock.advance(LEASE_TTL_MS - 1);
    await renew(b);
    expect(fake.gateway.identifies).toHaveLength(1);
    clock.advance(1);
    await renew(b);
    await fake.gateway.waitForIdentify(2);
    expect(await leases.holder('discord-gateway', clock.now())).toBe('b');
    expect((await interact(fake, chatInput('callbacks'))).status).toBe(204);
    // a was only frozen: its next renewal finds b holding the lease, and it closes its gateway.
    await renew(a);
    expect(await fake.gateway.waitForClientClose(1)).toBe(1000);
    expect(a.lines.some((l) => l.msg === 'Discord gateway handed over to another replica')).toBe(true);
    expect(fake.gateway.identifies).toHaveLength(2);
  });

  it('does hand the gateway over at the next renewal when its holder stops (the lease released, not left to expire)', async () => {
    const a = await replica('a');
    const b = await replica('b');
    expect(fake.gateway.identifies).toHaveLength(1);
    expect(await leases.holder('discord-gateway', clock.now())).toBe('a');
    await a.adapter.stop();
    running.splice(running.indexOf(a.adapter), 1);
    expect(await leases.holder('discord-gateway', clock.now())).toBeNull();
    await renew(b);
    await fake.gateway.waitForIdentify(2);
    expect(await leases.holder('discord-gateway', clock.now())).toBe('b');
    expect((await interact(fake, chatInput('callbacks'))).status).toBe(204);
  });
});
