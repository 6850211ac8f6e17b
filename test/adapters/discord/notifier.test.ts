import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../../src/adapters/discord/discord-adapter.js';
import { encodeInvocation } from '../../../src/commands/options.js';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { NotifierError, type Notification, type Notifier } from '../../../src/scheduler/notifier.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { FakeApp, recordingLogger } from './helpers.js';

const REP_USER = '53908232506183680';
const TEAM_CHANNEL = '645027906669510667';

const agenda: Reply = reply.private({
  type: 'list',
  title: 'Your agenda',
  numbered: false,
  items: [
    {
      primary: 'Call 王芳 (C000001)',
      actions: [
        { kind: 'command', label: 'Done', style: 'primary', invocation: { command: 'callback done', options: { id: 12 }, nudgeId: 3 }, typed: '/callback done 12' },
        { kind: 'command', label: 'Snooze', invocation: { command: 'callback snooze', options: { id: 12 }, nudgeId: 3 }, typed: '/callback snooze 12' },
      ],
    },
    {
      primary: 'Call Emma Fischer (C000002)',
      actions: [{ kind: 'command', label: 'Done', style: 'primary', invocation: { command: 'callback done', options: { id: 13 }, nudgeId: 3 }, typed: '/callback done 13' }],
    },
  ],
});

function toRep(reply: Reply, dedupeKey = 'agenda:7:2026-12-01'): Notification {
  return {
    recipient: { kind: 'rep', repId: 7, name: 'Zhang Wei', addresses: { discord: REP_USER }, preferred: 'discord' },
    reply,
    dedupeKey,
    kind: 'agenda',
    late: false,
    nudgeId: 3,
    locale: 'en',
  };
}

function toTeam(reply: Reply): Notification {
  return {
    recipient: { kind: 'team', teamId: 1, name: '上海旗舰店', addresses: { discord: TEAM_CHANNEL }, preferred: 'discord' },
    reply,
    dedupeKey: 'birthdays:1:2026-12-01',
    kind: 'team-birthdays',
    late: true,
    nudgeId: 4,
    locale: 'en',
  };
}

const MESSAGES = /^\/channels\/[^/]+\/messages$/;

describe('the Discord notifier', () => {
  let fake: FakeDiscord;
  let notifier: Notifier;

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    // The notifier works before (and without) the gateway: nudges go out over REST in both modes.
    const adapter = createDiscordAdapter({
      app: new FakeApp(),
      config: { botToken: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl },
      logger: recordingLogger().logger,
    });
    notifier = adapter.notifier!;
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('does DM a rep through a DM channel opened once, with numbered per-item buttons', async () => {
    const ref = await notifier.deliver(REP_USER, toRep(agenda));
    await notifier.deliver(REP_USER, toRep(reply.text('Callback due'), 'ping:12'));
    expect(fake.matching({ method: 'POST', path: /^\/users\/@me\/channels$/ }).map((r) => r.body)).toEqual([{ recipient_id: REP_USER }]);
    const [first] = fake.matching({ method: 'POST', path: MESSAGES });
    expect(first!.path).toBe(`/channels/dm-${REP_USER}/messages`);
    expect(first!.headers.authorization).toBe('Bot fake-bot-token');
    expect(first!.body.embeds[0].description).toBe('1. Call 王芳 (C000001)\n2. Call Emma Fischer (C000002)');
    expect(first!.body.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: '1 · Done', custom_id: encodeInvocation({ command: 'callback done', options: { id: 12 }, nudgeId: 3 }) },
          { type: 2, style: 2, label: '1 · Snooze', custom_id: encodeInvocation({ command: 'callback snooze', options: { id: 12 }, nudgeId: 3 }) },
          { type: 2, style: 1, label: '2 · Done', custom_id: encodeInvocation({ command: 'callback done', options: { id: 13 }, nudgeId: 3 }) },
        ],
      },
    ]);
    expect(first!.body.flags).toBeUndefined();
    expect(first!.body).toMatchObject({ enforce_nonce: true, nonce: expect.stringMatching(/^[\w-]{25}$/) });
    expect(ref).toEqual({ platform: 'discord', channel: `dm-${REP_USER}`, messageId: expect.stringMatching(/^\d+$/) });
  });

  it('does post a team nudge in the team channel with its chart attached and shown in the embed', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d', 'hex');
    await notifier.deliver(TEAM_CHANNEL, toTeam(reply.channel({ type: 'text', text: 'Birthdays today' }, { type: 'image', png, alt: 'Chart', fileName: 'chart.png' })));
    const [sent] = fake.matching({ method: 'POST', path: MESSAGES });
    expect(sent!.path).toBe(`/channels/${TEAM_CHANNEL}/messages`);
    expect(sent!.files.map((f) => [f.name, f.contentType, f.bytes.equals(png)])).toEqual([['chart.png', 'image/png', true]]);
    expect(sent!.body).toMatchObject({ content: 'Birthdays today', embeds: [{ image: { url: 'attachment://chart.png' } }] });
    expect(fake.matching({ path: /^\/users\/@me\/channels$/ })).toEqual([]);
  });

  it('does edit the message it posted when a nudge is updated', async () => {
    const ref = await notifier.deliver(REP_USER, toRep(agenda));
    await notifier.update(ref!, reply.text('All done for today.', 'success'));
    const [edit] = fake.matching({ method: 'PATCH', path: /^\/channels\/[^/]+\/messages\/\d+$/ });
    expect(edit!.path).toBe(`/channels/${ref!.channel}/messages/${ref!.messageId}`);
    expect(edit!.body).toMatchObject({ content: '✅ All done for today.', components: [], embeds: [], attachments: [] });
  });

  it('does turn a long rate limit into retryAfterMs instead of waiting it out', async () => {
    fake.rateLimitNext({ method: 'POST', path: MESSAGES }, 30);
    const error = await notifier.deliver(TEAM_CHANNEL, toTeam(reply.text('hi'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifierError);
    expect((error as NotifierError).permanent).toBe(false);
    expect((error as NotifierError).retryAfterMs).toBeGreaterThanOrEqual(30_000);
    expect((error as NotifierError).retryAfterMs).toBeLessThan(31_000);
  });

  it('does wait out a short rate limit itself and deliver', async () => {
    fake.rateLimitNext({ method: 'POST', path: MESSAGES }, 0.1);
    await expect(notifier.deliver(TEAM_CHANNEL, toTeam(reply.text('hi')))).resolves.toMatchObject({ channel: TEAM_CHANNEL });
    expect(fake.matching({ method: 'POST', path: MESSAGES }).map((r) => r.status)).toEqual([429, 200]);
  });

  it.each([
    [403, 50001, 'Missing Access'],
    [404, 10003, 'Unknown Channel'],
    [403, 50007, 'Cannot send messages to this user'],
    [403, 50013, 'Missing Permissions'],
  ])('does mark a %i %i (%s) failure permanent at once', async (status, code, message) => {
    fake.errorNext({ method: 'POST', path: MESSAGES }, status, code, message);
    const error = (await notifier.deliver(TEAM_CHANNEL, toTeam(reply.text('hi'))).catch((e: unknown) => e)) as NotifierError;
    expect(error).toBeInstanceOf(NotifierError);
    expect(error.permanent).toBe(true);
    expect(error.message).toBe(`Discord ${status} ${code}: ${message}`);
    expect(fake.matching({ method: 'POST', path: MESSAGES })).toHaveLength(1);
  });

  it('does count a Discord server error as transient (retried later with backoff)', async () => {
    for (let i = 0; i < 4; i++) fake.failNext({ method: 'POST', path: MESSAGES }, { status: 502, body: { message: 'Bad Gateway' } });
    const error = await notifier.deliver(TEAM_CHANNEL, toTeam(reply.text('hi'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(NotifierError);
  });

  it('does refuse an address that is not a Discord id as permanent, sending nothing', async () => {
    const error = (await notifier.deliver('U024BE7LH', toRep(agenda)).catch((e: unknown) => e)) as NotifierError;
    expect(error.permanent).toBe(true);
    expect(error.message).toBe('"U024BE7LH" is not a Discord user id');
    expect(fake.requests).toEqual([]);
  });
});
