import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http-server.js';
import { autocomplete, chatInput, ping } from '../../fakes/discord/interactions.js';
import { customerWhere, ZHANG_WEI } from '../../commands/helpers.js';
import { startDiscordBot, type DiscordBot } from './bot.js';
import { PUBLIC_KEY_HEX, signed } from './signing.js';

describe('Discord HTTP interactions mode against the real core', () => {
  let bot: DiscordBot;
  let http: HttpServer;
  let url: string;

  async function start() {
    http = createHttpServer({ port: 0, host: '127.0.0.1' });
    bot = await startDiscordBot({ http: { publicKey: PUBLIC_KEY_HEX, server: http } });
    url = `http://127.0.0.1:${await http.listen()}/discord/interactions`;
  }

  afterEach(async () => {
    await bot?.stop();
    await http?.close();
  });

  const post = (payload: unknown, sign: (body: string) => Record<string, string> = (body) => signed(body, bot.clock.now())) => {
    const body = JSON.stringify(payload);
    return fetch(url, { method: 'POST', body, headers: sign(body) });
  };

  it('does answer PING with PONG and signed commands and autocomplete in the HTTP response, opening no gateway', async () => {
    await start();
    expect(await (await post(ping())).json()).toEqual({ type: 1 });
    const customer = await customerWhere(bot.db, ZHANG_WEI);
    const looked: any = await (await post(chatInput('customer lookup', { who: customer.externalId }))).json();
    expect(looked).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(looked.data.embeds[0].title).toContain(customer.name);
    const completed: any = await (await post(autocomplete('customer lookup', 'who', { who: customer.name.slice(0, 1) }))).json();
    expect(completed.type).toBe(8);
    expect(completed.data.choices.map((c: { value: string }) => c.value)).toContain(`#${customer.id}`);
    expect(bot.fake.gateway.identifies).toEqual([]);
  });

  it.each([
    ['a bad signature', (body: string, now: Date) => signed(body, now, crypto.generateKeyPairSync('ed25519').privateKey)],
    ['a stale timestamp', (body: string, now: Date) => signed(body, new Date(now.getTime() - 6 * 60_000))],
  ])('does refuse %s with 401 and change nothing', async (_, sign) => {
    await start();
    const audited = async () => (await bot.db.kysely.selectFrom('AuditLog').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const before = await audited();
    const response = await post(chatInput('customer lookup', { who: 'C000001' }), (body) => sign(body, bot.clock.now()));
    expect(response.status).toBe(401);
    expect(await audited()).toBe(before);
  });
});
