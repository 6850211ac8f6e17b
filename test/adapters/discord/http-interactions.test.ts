import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapters/chat-adapter.js';
import { createDiscordAdapter } from '../../../src/adapters/discord/discord-adapter.js';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http-server.js';
import { ManualClock } from '../../../src/clock.js';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { chatInput, ping } from '../../fakes/discord/interactions.js';
import { CALLBACK_PATH, controlled, FakeApp, recordingLogger } from './helpers.js';
import { PUBLIC_KEY_HEX, signed } from './signing.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const signedNow = (body: string) => signed(body, NOW);

describe('the Discord adapter in HTTP interactions mode', () => {
  let fake: FakeDiscord;
  let app: FakeApp;
  let http: HttpServer;
  let adapter: ChatAdapter;
  let url: string;

  async function start(deferAfterMs = 2_000) {
    http = createHttpServer({ port: 0, host: '127.0.0.1' });
    adapter = createDiscordAdapter({
      app,
      config: { botToken: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl, publicKey: PUBLIC_KEY_HEX },
      logger: recordingLogger().logger,
      http,
      clock: new ManualClock(NOW),
      deferAfterMs,
    });
    await adapter.start();
    url = `http://127.0.0.1:${await http.listen()}/discord/interactions`;
  }

  const post = (body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    app = new FakeApp();
  });

  afterEach(async () => {
    await adapter.stop();
    await http.close();
    await fake.stop();
  });

  it('does answer a signed PING with PONG and open no gateway', async () => {
    await start();
    const body = JSON.stringify(ping());
    const response = await post(body, signedNow(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
    expect(fake.matching({ path: /^\/gateway/ })).toEqual([]);
    expect(fake.gateway.identifies).toEqual([]);
  });

  it.each([
    ['a signature by another key', (body: string) => signed(body, NOW, crypto.generateKeyPairSync('ed25519').privateKey)],
    ['a stale timestamp (6 minutes old)', (body: string) => signed(body, new Date(NOW.getTime() - 6 * 60_000))],
    ['a timestamp from the future', (body: string) => signed(body, new Date(NOW.getTime() + 6 * 60_000))],
    ['no signature headers', () => ({ 'content-type': 'application/json' })],
    ['a signature that is not hex', (body: string) => ({ ...signedNow(body), 'x-signature-ed25519': 'zz'.repeat(64) })],
  ])('does refuse %s with 401 and ask the core nothing', async (_, headers) => {
    await start();
    const body = JSON.stringify(chatInput('callbacks'));
    const response = await post(body, headers(body));
    expect(response.status).toBe(401);
    expect(app.calls).toEqual([]);
  });

  it('does refuse a body changed after signing', async () => {
    await start();
    const body = JSON.stringify(chatInput('callbacks'));
    const response = await post(body.replace('callbacks', 'digest'), signedNow(body));
    expect(response.status).toBe(401);
  });

  it('does answer a signed slash command in the HTTP response itself', async () => {
    app.onDispatch = async () => reply.text('Your callbacks: none');
    await start();
    const body = JSON.stringify(chatInput('callbacks'));
    const response = await post(body, signedNow(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 4, data: { content: 'Your callbacks: none', flags: 64 } });
    expect(app.calls).toMatchObject([{ method: 'dispatch', input: { command: 'callbacks' } }]);
    expect(fake.matching({ path: CALLBACK_PATH })).toEqual([]);
  });

  it('does send a reply with an image through the callback endpoint and answer the request with 202', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    app.onDispatch = async () => reply.private({ type: 'image', png, alt: 'Churn over 12 weeks', fileName: 'digest chart.png' });
    await start();
    const payload = chatInput('digest');
    const body = JSON.stringify(payload);
    const response = await post(body, signedNow(body));
    expect(response.status).toBe(202);
    const callback = await fake.nextRequest({ method: 'POST', path: new RegExp(`^/interactions/${payload.id}/`) });
    expect(callback.files).toHaveLength(1);
    expect(callback.files[0]).toMatchObject({ name: 'digest_chart.png', contentType: 'image/png' });
    expect(callback.files[0]!.bytes.equals(png)).toBe(true);
    expect(callback.body.data.embeds[0]).toEqual({ title: 'Churn over 12 weeks', image: { url: 'attachment://digest_chart.png' } });
    expect(callback.body.data.attachments).toEqual([{ id: 0, filename: 'digest_chart.png' }]);
  });

  it('does defer in the HTTP response and edit the original over REST when the core is slow', async () => {
    const late = controlled<Reply>();
    app.onDispatch = () => late.promise;
    await start(30);
    const payload = chatInput('callbacks');
    const body = JSON.stringify(payload);
    const response = await post(body, signedNow(body));
    expect(await response.json()).toEqual({ type: 5, data: { flags: 64 } });
    late.resolve(reply.text('finally'));
    const edit = await fake.nextRequest({ method: 'PATCH', path: new RegExp(`/${payload.token}/messages/@original$`) });
    expect(edit.body).toMatchObject({ content: 'finally' });
  });

  it('does answer 400 to a signed request that is not an interaction it understands', async () => {
    await start();
    for (const body of ['not json', JSON.stringify({ hello: 'world' }), JSON.stringify({ ...chatInput('callbacks'), member: undefined })]) {
      const response = await post(body, signedNow(body));
      expect(response.status).toBe(400);
    }
    expect(app.calls).toEqual([]);
    const body = JSON.stringify(ping());
    expect((await post(body, signedNow(body))).status).toBe(200);
  });

  it('does refuse other methods with 405', async () => {
    await start();
    expect((await fetch(url)).status).toBe(405);
  });
});
