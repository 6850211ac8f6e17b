import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapters/chat-adapter.js';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { chatInput } from '../../fakes/discord/interactions.js';
import { CALLBACK_PATH, controlled, FakeApp, interact, startGatewayAdapter, type LogLine } from './helpers.js';

describe('the Discord adapter in gateway mode', () => {
  let fake: FakeDiscord;
  let app: FakeApp;
  let adapter: ChatAdapter;
  let lines: LogLine[];

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    app = new FakeApp();
  });

  afterEach(async () => {
    await adapter?.stop();
    await fake.stop();
  });

  it('does connect with the bot token and no intents at all when it starts', async () => {
    ({ adapter } = await startGatewayAdapter(fake, app));
    const identify = await fake.gateway.waitForIdentify();
    expect(identify).toMatchObject({ token: 'fake-bot-token', intents: 0 });
    expect(fake.matching({ method: 'GET', path: /^\/gateway\/bot$/ })[0]!.headers.authorization).toBe('Bot fake-bot-token');
  });

  it('does resume after the gateway drops the socket, answer what came meanwhile, and log the loss once', async () => {
    ({ adapter, lines } = await startGatewayAdapter(fake, app));
    fake.gateway.closeConnection(4000);
    const during = chatInput('callbacks');
    fake.gateway.dispatch('INTERACTION_CREATE', during);
    await fake.gateway.waitForResume();
    await fake.nextRequest({ method: 'POST', path: new RegExp(`^/interactions/${during.id}/`) });
    // A second drop after the first resume is its own outage: one more line, not one per retry.
    fake.gateway.closeConnection(4000);
    await fake.gateway.waitForResume(2);
    await interact(fake, chatInput('callbacks'));
    const lost = lines.filter((l) => l.msg === 'Discord gateway connection lost; discord.js is reconnecting');
    expect(lost.map((l) => l.reason)).toEqual(['4000 UnknownError', '4000 UnknownError']);
    expect(lines.filter((l) => l.msg === 'Discord gateway connection back')).toHaveLength(2);
    expect(fake.gateway.identifies).toHaveLength(1);
  });

  it('does log a lost connection once, not once per failed reconnect, when Discord stays unreachable', async () => {
    ({ adapter, lines } = await startGatewayAdapter(fake, app));
    fake.gateway.refuseConnections(2);
    fake.gateway.closeConnection(4000);
    await fake.gateway.waitForIdentify(2);
    await interact(fake, chatInput('callbacks'));
    expect(fake.gateway.refused).toBe(2);
    expect(lines.filter((l) => l.msg === 'Discord gateway connection lost; discord.js is reconnecting').map((l) => l.reason)).toEqual(['4000 UnknownError']);
    expect(lines.filter((l) => l.msg === 'Discord gateway connection back')).toHaveLength(1);
  });

  it('does wait out a rate limit on the interaction callback and answer after it', async () => {
    ({ adapter } = await startGatewayAdapter(fake, app));
    fake.rateLimitNext({ method: 'POST', path: CALLBACK_PATH }, 0.2);
    const payload = chatInput('callbacks');
    fake.gateway.dispatch('INTERACTION_CREATE', payload);
    const first = await fake.nextRequest({ method: 'POST', path: CALLBACK_PATH }, 1);
    const second = await fake.nextRequest({ method: 'POST', path: CALLBACK_PATH }, 2);
    expect([first.status, second.status]).toEqual([429, 204]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(200);
    expect(second.body).toMatchObject({ type: 4, data: { content: 'ok' } });
  });

  it('does finish the replies in flight before it stops, and take no new ones after', async () => {
    const slow = controlled<Reply>();
    app.onDispatch = () => slow.promise;
    ({ adapter } = await startGatewayAdapter(fake, app, { deferAfterMs: 20 }));
    const payload = chatInput('callbacks');
    await interact(fake, payload);
    const stopped = adapter.stop();
    slow.resolve(reply.text('done at last'));
    await stopped;
    expect(fake.matching({ method: 'PATCH', path: /@original$/ })[0]!.body).toMatchObject({ content: 'done at last' });
    expect(fake.gateway.connected).toBe(false);
  });

  it('does fail to start with one line when Discord refuses the token', async () => {
    fake.errorNext({ method: 'GET', path: /^\/gateway\/bot$/ }, 401, 0, '401: Unauthorized');
    await expect(startGatewayAdapter(fake, app)).rejects.toThrow(/^Discord login failed: /);
  });
});
