import { Client, Events, MessageFlags, type Interaction } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from './fake-discord.js';
import { chatInput } from './interactions.js';

/**
 * Proof that the fakes are faithful enough: the real discord.js client logs in to the fake
 * gateway, receives an interaction, answers it over REST, resumes after a dropped socket and
 * honours a 429. The adapter tests build on these fakes.
 */
describe('fake Discord with the real discord.js client', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    client = new Client({ intents: [], rest: { api: fake.apiUrl } });
  });

  afterEach(async () => {
    await client.destroy();
    await fake.stop();
  });

  async function login(): Promise<void> {
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login('fake-bot-token');
    await ready;
  }

  function nextInteraction(): Promise<Interaction> {
    return new Promise((resolve) => client.once(Events.InteractionCreate, resolve));
  }

  it('does log in through /gateway/bot and IDENTIFY with the token and intents when the client starts', async () => {
    await login();
    const identify = await fake.gateway.waitForIdentify();
    expect(identify).toMatchObject({ token: 'fake-bot-token', intents: 0 });
    expect(identify.url).toBe('/gateway?v=10&encoding=json');
    expect(fake.matching({ method: 'GET', path: /^\/gateway\/bot$/ })).toHaveLength(1);
    expect(client.user?.id).toBe(fake.botUserId);
  });

  it('does deliver INTERACTION_CREATE and record the callback when the client replies', async () => {
    await login();
    const received = nextInteraction();
    const payload = chatInput('customer lookup', { who: '王芳' });
    fake.gateway.dispatch('INTERACTION_CREATE', payload);
    const interaction = await received;
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.options.getSubcommand()).toBe('lookup');
    expect(interaction.options.getString('who')).toBe('王芳');
    await interaction.reply({ content: 'card', flags: MessageFlags.Ephemeral });
    const callback = await fake.nextRequest({ method: 'POST', path: /^\/interactions\/\d+\/[^/]+\/callback$/ });
    expect(callback.path).toBe(`/interactions/${payload.id}/${payload.token}/callback`);
    expect(callback.body).toEqual({ type: 4, data: expect.objectContaining({ content: 'card', flags: 64 }) });
    expect(callback.headers.authorization).toBeUndefined();
  });

  it('does resume on the READY resume URL and replay a missed event when the gateway drops the socket', async () => {
    await login();
    fake.gateway.closeConnection(4000);
    // Dispatched while the client is away: it must arrive after the resume, not be lost.
    const received = nextInteraction();
    fake.gateway.dispatch('INTERACTION_CREATE', chatInput('callbacks'));
    const resume = await fake.gateway.waitForResume();
    expect(resume.url).toBe('/resume?v=10&encoding=json');
    expect(resume.sessionId).toBe('fake-session-1');
    const interaction = await received;
    expect(interaction.isChatInputCommand() && interaction.commandName).toBe('callbacks');
    expect(fake.gateway.identifies).toHaveLength(1);
  });

  it('does wait out a 429 and retry when Discord rate-limits the callback', async () => {
    await login();
    const path = /^\/interactions\/\d+\/[^/]+\/callback$/;
    fake.rateLimitNext({ method: 'POST', path }, 0.2);
    const received = nextInteraction();
    fake.gateway.dispatch('INTERACTION_CREATE', chatInput('callbacks'));
    const interaction = await received;
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    await interaction.reply('ok');
    const [limited, accepted] = [await fake.nextRequest({ path }, 1), await fake.nextRequest({ path }, 2)];
    expect([limited.status, accepted.status]).toEqual([429, 204]);
    expect(accepted.at - limited.at).toBeGreaterThanOrEqual(200);
  });
});
