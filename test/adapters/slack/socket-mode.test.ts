import { describe, expect, it } from 'vitest';
import { encodeInvocation } from '../../../src/commands/options.js';
import { reply } from '../../../src/commands/reply.js';
import { blockActions, fixture } from '../../fakes/slack/slack-requests.js';
import { type Harness, harnessPerTest, heldAnswer } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
}, { mode: 'socket' });

/** A slash command as a Socket Mode `slash_commands` envelope carries it (the form fields as JSON). */
function commandPayload(fields: Record<string, string>): Record<string, string> {
  const form = new URLSearchParams(
    'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0RAPPORT&team_domain=rapport-test&channel_id=C0SALES01&channel_name=sales-shanghai&user_id=U0ZHANGWEI&user_name=zhang.wei&command=%2Fcustomer&text=lookup&api_app_id=A0RAPPORT&is_enterprise_install=false&trigger_id=1.2.3',
  );
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return Object.fromEntries(form);
}

describe('the Slack adapter in Socket Mode', () => {
  it('does connect through apps.connections.open with the app-level token, and route nothing over HTTP', async () => {
    expect(h.fake.callsTo('apps.connections.open').map((c) => c.token)).toEqual([h.fake.options.appToken]);
    expect(h.fake.socketCount).toBe(1);
    expect((await fetch(`${h.origin}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('does ack a slash_commands envelope by its envelope_id and answer through the response_url', async () => {
    const answered = h.fake.nextResponse();
    const ack = await h.fake.sendEnvelope('slash_commands', commandPayload({ text: 'lookup 王芳', response_url: h.fake.responseUrl() }));
    expect(ack.envelope_id).toMatch(/^env-/);
    expect(ack.payload ?? {}).toEqual({});
    expect((await answered).body).toMatchObject({ response_type: 'ephemeral', text: 'echo /customer lookup 王芳' });
    expect(h.app.dispatched).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI', text: '/customer lookup 王芳' }]);
  });

  it('does put a refusal into the ack payload for an unknown command', async () => {
    const ack = await h.fake.sendEnvelope('slash_commands', commandPayload({ command: '/bogus', response_url: h.fake.responseUrl() }));
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: 'Rapport has no /bogus command. Type /rapport help for the list.' });
    expect(h.app.dispatched).toEqual([]);
  });

  it('does ack an interactive envelope and run the button through the core', async () => {
    const payload = encodeInvocation({ command: 'callback done', options: { id: 12 } });
    h.app.onAction = () => ({ ...reply.text('Done ✓'), placement: 'replace' });
    const answered = h.fake.nextCall('chat.update');
    const ack = await h.fake.sendEnvelope('interactive', blockActions({ actionId: 'rapport:cmd:0', value: payload, responseUrl: h.fake.responseUrl() }));
    expect(ack.envelope_id).toMatch(/^env-/);
    expect((await answered).args).toMatchObject({ channel: 'D0ZHANGWEI', ts: '1700000001.000100', text: 'Done ✓' });
    expect(h.app.actions.map((a) => a.payload)).toEqual([payload]);
  });

  it('does ack an events_api envelope and publish the Home tab', async () => {
    const published = h.fake.nextCall('views.publish');
    await h.fake.sendEnvelope('events_api', fixture('app-home-opened'));
    expect((await published).args.user_id).toBe('U0ZHANGWEI');
  });

  it('does disconnect when stopped, after finishing the reply in flight', async () => {
    const slow = heldAnswer(reply.text('finished'));
    h.app.onDispatch = slow.produce;
    await h.fake.sendEnvelope('slash_commands', commandPayload({ response_url: h.fake.responseUrl() }));
    const stopping = h.adapter.stop();
    slow.release();
    await stopping;
    expect(h.fake.responses.map((r) => r.body.text)).toEqual(['finished']);
    await h.fake.disconnected();
    expect(h.fake.callsTo('apps.connections.open')).toHaveLength(1);
  });
});
