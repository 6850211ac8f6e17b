/**
 * Discord interactions on 1,000,000 customers: autocomplete and `/customer lookup` sent as
 * INTERACTION_CREATE over the fake gateway (test/fakes/discord) to the real discord.js client
 * and adapter, answered by the real core, timed from the gateway send to the interaction
 * callback's arrival at the fake REST API. Beside it, in the same run: the same interactions
 * answered by a core that does nothing (the transport floor: discord.js, WebSocket, REST on
 * loopback) and the core alone without Discord.
 */
import { createDiscordAdapter } from '../src/adapters/discord/discord-adapter.js';
import { ManualClock } from '../src/clock.js';
import type { App } from '../src/commands/app.js';
import { createDispatcher } from '../src/commands/dispatcher.js';
import { reply } from '../src/commands/reply.js';
import { commands } from '../src/commands/registry.js';
import { loadConfig } from '../src/config.js';
import { pick, seededRandom } from '../src/domain/random.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/main.js';
import { FakeDiscord } from '../test/fakes/discord/fake-discord.js';
import { autocomplete, chatInput } from '../test/fakes/discord/interactions.js';
import { FIRST, LAST, millionCustomers, NOW, percentile, SURNAMES } from './million-customers.js';

const CUSTOMERS = Number(process.env.DISCORD_BENCH_CUSTOMERS ?? (process.env.BENCH_QUICK === '1' ? 100_000 : 1_000_000));
const SAMPLES = 200;
const TARGET_P99_MS = 150;
/** Discord users linked to bench reps: the admin (every book), a manager (rep0, a team) and a rep (rep5, own book). */
const USERS = { admin: '700000000000000001', manager: '700000000000000002', rep: '700000000000000007' } as const;

type Payload = { id: string; token: string };
interface Kind {
  kind: string;
  /** The interaction to send, and the same request straight to the core. */
  make(): { payload: Payload; direct: (app: App) => Promise<unknown> };
}

/** A core that answers at once: what is left is discord.js, the WebSocket and the REST round trip. */
const idleCore: App = {
  commands,
  dispatch: async () => reply.text('ok'),
  handleAction: async () => reply.text('ok'),
  submitForm: async () => reply.text('ok'),
  complete: async () => [],
  home: async () => reply.text('ok'),
  linkByEmail: async () => 'no-rep-with-email',
  servesWorkspace: async () => true,
};

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
};
const row = (label: string, times: number[], extra = '') => {
  const { p50, p99, max } = stats(times);
  return `  ${label.padEnd(38)} ${p50.toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(7)} ${max.toFixed(2).padStart(7)}  ${extra}\n`;
};

/** Sends each interaction over the gateway, one at a time, and times it until its callback reaches Discord. */
async function overDiscord(fake: FakeDiscord, app: App, kinds: Kind[]): Promise<Map<string, number[]>> {
  const logger = createLogger('silent');
  const adapter = createDiscordAdapter({ app, config: { botToken: 'bench-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl }, logger });
  await adapter.start();
  const results = new Map<string, number[]>();
  try {
    for (const { kind, make } of kinds) {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const { payload } = make();
        const callback = { method: 'POST', path: new RegExp(`^/interactions/${payload.id}/`) };
        const sent = performance.now();
        fake.gateway.dispatch('INTERACTION_CREATE', payload);
        const arrived = await fake.nextRequest(callback);
        times.push(arrived.at - sent);
      }
      results.set(kind, times);
      // Recorded requests are only kept for the waits above.
      fake.requests.length = 0;
    }
  } finally {
    await adapter.stop();
  }
  return results;
}

export async function run(): Promise<void> {
  const million = await millionCustomers('discord', CUSTOMERS);
  const fakes: FakeDiscord[] = [];
  try {
    const { db } = million;
    const link = db.sqlite.prepare('UPDATE Rep SET discordUserId = ? WHERE id = ?');
    link.run(USERS.admin, 1);
    link.run(USERS.manager, 2);
    link.run(USERS.rep, 7);
    const clock = new ManualClock(NOW);
    const core = createDispatcher({
      commands,
      services: createServices(db, loadConfig({}), clock, createLogger('silent'), new Map()),
      clock,
      logger: { error: (e: unknown) => process.stderr.write(`${String(e)}\n`) },
      defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
    });
    const random = seededRandom(42);
    const completeKind = (kind: string, user: string, prefix: () => string): Kind => ({
      kind,
      make() {
        const typed = prefix();
        return {
          payload: autocomplete('customer lookup', 'who', { who: typed }, { userId: user }),
          direct: (app) => app.complete({ platform: 'discord', userId: user, command: 'customer lookup', option: 'who', prefix: typed }),
        };
      },
    });
    const lookupKind = (kind: string, user: string, query: () => string): Kind => ({
      kind,
      make() {
        const who = query();
        return {
          payload: chatInput('customer lookup', { who }, { userId: user }),
          direct: (app) => app.dispatch({ platform: 'discord', userId: user, command: 'customer lookup', options: { who } }),
        };
      },
    });
    const kinds: Kind[] = [
      completeKind('complete: nothing typed (rep)', USERS.rep, () => ''),
      completeKind('complete: 1 Chinese char (admin)', USERS.admin, () => pick(random, SURNAMES)),
      completeKind('complete: 2 Latin letters (manager)', USERS.manager, () => pick(random, FIRST).slice(0, 2)),
      completeKind('complete: external id prefix (admin)', USERS.admin, () => million.randomCustomer(random).externalId.slice(0, 6)),
      lookupKind('lookup: external id (admin)', USERS.admin, () => million.randomCustomer(random).externalId),
      lookupKind('lookup: phone (admin)', USERS.admin, () => million.randomCustomer(random).phone),
      lookupKind('lookup: name, many match (manager)', USERS.manager, () => `${pick(random, FIRST)} ${pick(random, LAST)}`),
    ];

    // The core alone, the same requests without Discord.
    const direct = new Map<string, number[]>();
    for (const { kind, make } of kinds) {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const request = make().direct;
        const t0 = performance.now();
        await request(core);
        times.push(performance.now() - t0);
      }
      direct.set(kind, times);
    }

    const floorFake = await FakeDiscord.start();
    fakes.push(floorFake);
    const floor = [...(await overDiscord(floorFake, idleCore, kinds)).values()].flat();
    const realFake = await FakeDiscord.start();
    fakes.push(realFake);
    const real = await overDiscord(realFake, core, kinds);

    process.stdout.write(`discord: interaction → callback over the fake gateway and REST (loopback), ${SAMPLES} per kind, one at a time (ms)\n`);
    process.stdout.write(`  ${'kind'.padEnd(38)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  core alone p50 / p99\n`);
    for (const { kind } of kinds) {
      const alone = stats(direct.get(kind)!);
      process.stdout.write(row(kind, real.get(kind)!, `${alone.p50.toFixed(2)} / ${alone.p99.toFixed(2)}`));
    }
    const all = [...real.values()].flat();
    const p99 = stats(all).p99;
    process.stdout.write(row('all kinds', all, `target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'}`));
    process.stdout.write(row('floor: a core that answers at once', floor, 'discord.js + WebSocket + REST, same run'));
  } finally {
    for (const fake of fakes) await fake.stop();
    await million.close();
  }
}
