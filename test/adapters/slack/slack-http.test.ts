import { describe, expect, it } from 'vitest';
import { reply } from '../../../src/commands/reply.js';
import { FAKE_TEAM_ID } from '../../fakes/slack/fake-slack.js';
import { eventCallback, fixture, interaction, sendToApp, slashCommand, slackSignature } from '../../fakes/slack/slack-requests.js';
import { noteForm } from './sample-forms.js';
import { type Harness, type Json, SIGNING_SECRET, harnessPerTest, heldAnswer, signed } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
});

describe('the Slack adapter over HTTP (real Bolt, signed requests)', () => {
  it('does acknowledge a slash command and answer through its response_url with the core’s reply', async () => {
    const responseUrl = h.fake.responseUrl();
    const answered = h.fake.nextResponse();
    const ack = await sendToApp(h.eventsUrl, slashCommand({ response_url: responseUrl }), signed);
    expect(ack).toMatchObject({ status: 200, body: '' });
    const posted = await answered;
    expect(h.app.dispatched).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI', text: '/customer lookup 王芳' }]);
    expect(posted.id).toBe(responseUrl.split('/').pop());
    expect(posted.body).toEqual({
      replace_original: false,
      response_type: 'ephemeral',
      text: 'echo /customer lookup 王芳',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'echo /customer lookup 王芳', verbatim: true } }],
    });
  });

  it('does post channel replies in the channel and private ones only to the asker', async () => {
    h.app.onDispatch = (input) => ('text' in input && input.text.includes('share') ? reply.channel({ type: 'text', text: 'for everyone' }) : reply.text('just you'));
    const shared = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ command: '/customer', text: 'share C1', response_url: h.fake.responseUrl() }), signed);
    expect((await shared).body.response_type).toBe('in_channel');
    const mine = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ command: '/callbacks', text: '', response_url: h.fake.responseUrl() }), signed);
    expect((await mine).body.response_type).toBe('ephemeral');
    expect(h.app.dispatched.map((d) => 'text' in d && d.text)).toEqual(['/customer share C1', '/callbacks']);
  });

  it('does acknowledge within Slack’s 3 seconds while the core is still working on the answer', async () => {
    const slow = heldAnswer(reply.text('slow answer'));
    h.app.onDispatch = slow.produce;
    try {
      const answered = h.fake.nextResponse();
      const ack = await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed);
      // The ack is in while the core cannot have answered (it waits on the gate): ack came first.
      expect(ack.status).toBe(200);
      await slow.started;
      expect(h.fake.responses).toHaveLength(0);
      slow.release();
      expect((await answered).body.text).toBe('slow answer');
    } finally {
      slow.release();
    }
  });

  it('does refuse a request with a wrong signature with 401, before the core hears of it', async () => {
    const request = slashCommand({ response_url: h.fake.responseUrl() });
    const forged = await sendToApp(h.eventsUrl, request, { ...signed, signature: slackSignature('another-secret', Math.floor(Date.now() / 1000), request.body) });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(h.eventsUrl, { method: 'POST', headers: { 'content-type': request.contentType }, body: request.body });
    expect(unsigned.status).toBe(401);
    const tampered = await sendToApp(h.eventsUrl, { ...request, body: request.body.replace('lookup', 'assign') }, { ...signed, signature: slackSignature(SIGNING_SECRET, Math.floor(Date.now() / 1000), request.body) });
    expect(tampered.status).toBe(401);
    expect(h.app.dispatched).toEqual([]);
  });

  it('does refuse a correctly signed request older than 5 minutes with 401 (a replay)', async () => {
    const stale = await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), { ...signed, timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 30 });
    expect(stale.status).toBe(401);
    expect(h.app.dispatched).toEqual([]);
  });

  it('does pass /rapport help to the core as typed (its alias of /help), and Slack’s escaped text as typed', async () => {
    const answered = h.fake.nextResponse(0);
    await sendToApp(h.eventsUrl, slashCommand({ command: '/rapport', text: 'help callback', response_url: h.fake.responseUrl() }), signed);
    await answered;
    const second = h.fake.nextResponse(1);
    await sendToApp(h.eventsUrl, slashCommand({ command: '/customer', text: 'note C000001 Tom &amp; Jerry &lt;3 &gt; all', response_url: h.fake.responseUrl() }), signed);
    await second;
    expect(h.app.dispatched.map((d) => 'text' in d && d.text)).toEqual(['/rapport help callback', '/customer note C000001 Tom & Jerry <3 > all']);
  });

  it('does answer an unknown command and an overlong line politely in the ack, without the core', async () => {
    const unknown = await sendToApp(h.eventsUrl, slashCommand({ command: '/bogus', text: 'x', response_url: h.fake.responseUrl() }), signed);
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.body)).toEqual({ response_type: 'ephemeral', text: 'Rapport has no /bogus command. Type /rapport help for the list.' });
    const huge = await sendToApp(h.eventsUrl, slashCommand({ text: `lookup ${'王'.repeat(20_000)}`, response_url: h.fake.responseUrl() }), signed);
    expect(JSON.parse(huge.body)).toEqual({ response_type: 'ephemeral', text: 'That line is 20007 characters long; Rapport reads at most 4000. Shorten it and try again.' });
    const marked = await sendToApp(h.eventsUrl, slashCommand({ command: '/<!channel>', response_url: h.fake.responseUrl() }), signed);
    expect(JSON.parse(marked.body).text).toBe('Rapport has no /&lt;!channel&gt; command. Type /rapport help for the list.');
    expect(h.app.dispatched).toEqual([]);
  });

  it('does answer malformed, oversized and misdirected requests with a 4xx and keep serving', async () => {
    const garbage = await sendToApp(h.eventsUrl, { body: 'payload=%7Bnot-json', contentType: 'application/x-www-form-urlencoded' }, signed);
    expect(garbage.status).toBe(400);
    const badJson = await sendToApp(h.eventsUrl, { body: '{"type":', contentType: 'application/json' }, signed);
    expect(badJson.status).toBe(400);
    const oversized = await sendToApp(h.eventsUrl, { body: `text=${'x'.repeat(2 * 1024 * 1024)}`, contentType: 'application/x-www-form-urlencoded' }, { ...signed, fresh: true });
    expect(oversized.status).toBe(413);
    expect((await fetch(h.eventsUrl)).status).toBe(405);
    expect((await fetch(`${h.origin}/slack/other`, { method: 'POST' })).status).toBe(404);
    const notSlack = await sendToApp(h.eventsUrl, { body: JSON.stringify({ hello: 'world' }), contentType: 'application/json' }, signed);
    expect(notSlack.status).toBeLessThan(500);

    expect((await fetch(`${h.origin}/healthz`)).status).toBe(200);
    const answered = h.fake.nextResponse();
    expect((await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed)).status).toBe(200);
    expect((await answered).body.text).toBe('echo /customer lookup 王芳');
  });

  it('does refuse requests from another workspace: a polite line for a command, nothing for events', async () => {
    const command = await sendToApp(h.eventsUrl, slashCommand({ team_id: 'T0OTHER', response_url: h.fake.responseUrl() }), signed);
    expect(JSON.parse(command.body)).toEqual({ response_type: 'ephemeral', text: 'This Rapport serves another Slack workspace, so it cannot answer here.' });
    const foreignHome = fixture('app-home-opened');
    foreignHome.team_id = 'T0OTHER';
    (foreignHome.authorizations as Json[])[0]!.team_id = 'T0OTHER';
    expect((await sendToApp(h.eventsUrl, eventCallback(foreignHome), signed)).status).toBe(200);
    const press = fixture('block-actions');
    (press.team as Json).id = 'T0OTHER';
    (press.user as Json).team_id = 'T0OTHER';
    press.response_url = h.fake.responseUrl();
    expect((await sendToApp(h.eventsUrl, interaction(press), signed)).status).toBe(200);
    // Our own workspace's Home opens afterwards; by then the foreign ones were long decided.
    const published = h.fake.nextCall('views.publish');
    await sendToApp(h.eventsUrl, eventCallback(fixture('app-home-opened')), signed);
    await published;
    expect(h.app.homes).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI' }]);
    expect(h.app.dispatched).toEqual([]);
    expect(h.app.actions).toEqual([]);
    expect(h.fake.callsTo('views.publish')).toHaveLength(1);
    expect(FAKE_TEAM_ID).toBe('T0RAPPORT');
  });

  it('does answer in the bot’s DM when the response_url has expired', async () => {
    const responseUrl = h.fake.responseUrl();
    h.fake.expireResponseUrl(responseUrl);
    const posted = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, slashCommand({ response_url: responseUrl }), signed);
    const call = await posted;
    expect(h.fake.callsTo('conversations.open')[0]!.args).toMatchObject({ users: 'U0ZHANGWEI' });
    expect(call.args).toMatchObject({ channel: 'D0ZHANGWEI', text: 'echo /customer lookup 王芳' });
    expect(call.token).toBe(h.fake.options.botToken);
  });

  it('does open a modal when the core answers a command with a form, and show it as a button when Slack will not', async () => {
    h.app.onDispatch = () => reply.private(noteForm);
    const opened = h.fake.nextCall('views.open');
    await sendToApp(h.eventsUrl, slashCommand({ text: 'note C000001', trigger_id: '111.222.abc', response_url: h.fake.responseUrl() }), signed);
    const call = await opened;
    expect(call.args.trigger_id).toBe('111.222.abc');
    expect((call.args.view as Json).callback_id).toBe('rapport:form');

    h.fake.answer('views.open', { error: 'expired_trigger_id' });
    const shown = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ text: 'note C000001', response_url: h.fake.responseUrl() }), signed);
    const blocks = (await shown).body.blocks as Json[];
    expect(blocks[0]!.elements[0].text.text).toBe(noteForm.title);
    expect(h.fake.responses).toHaveLength(1);
  });

  it('does tell the user when the core fails unexpectedly, and keep serving', async () => {
    h.app.onDispatch = () => {
      throw new Error('boom');
    };
    const told = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed);
    expect((await told).body).toMatchObject({ response_type: 'ephemeral', text: '! Something went wrong on our side. It has been logged; please try again.' });
    h.app.onDispatch = () => reply.text('fine again');
    const next = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed);
    expect((await next).body.text).toBe('fine again');
  });

  it('does finish the replies in flight when stopped, and send Slack away with 503 meanwhile', async () => {
    const slow = heldAnswer(reply.text('finished before stopping'));
    h.app.onDispatch = slow.produce;
    await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed);
    let stopped = false;
    const stopping = h.adapter.stop().then(() => (stopped = true));
    const refused = await sendToApp(h.eventsUrl, slashCommand({ response_url: h.fake.responseUrl() }), signed);
    expect(refused.status).toBe(503);
    expect(stopped).toBe(false);
    slow.release();
    await stopping;
    expect(h.fake.responses.map((r) => r.body.text)).toEqual(['finished before stopping']);
    expect(h.app.dispatched).toHaveLength(1);
  });
});

describe('starting the Slack adapter', () => {
  it('does fail with Slack’s reason when the bot token is refused', async () => {
    const { FakeSlack } = await import('../../fakes/slack/fake-slack.js');
    const { createSlackAdapter } = await import('../../../src/adapters/slack/slack-adapter.js');
    const { createHttpServer } = await import('../../../src/adapters/http-server.js');
    const { loadConfig } = await import('../../../src/config.js');
    const { pino } = await import('pino');
    const fake = await FakeSlack.start();
    try {
      const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl });
      const adapter = createSlackAdapter({ app: h.app, config, logger: pino({ level: 'silent' }), http: createHttpServer({ port: 0 }) });
      await expect(adapter.start()).rejects.toThrow('Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)');
    } finally {
      await fake.stop();
    }
  });
});
