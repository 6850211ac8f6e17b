import { describe, expect, it } from 'vitest';
import { encodeInvocation } from '../../../src/commands/options.js';
import { reply } from '../../../src/commands/reply.js';
import { blockActions, eventCallback, fixture, interaction, sendToApp, viewSubmission } from '../../fakes/slack/slack-requests.js';
import { noteForm, snoozeForm } from './sample-forms.js';
import { type Harness, type Json, harnessPerTest, signed } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
});

const donePayload = encodeInvocation({ command: 'callback done', options: { id: 12 }, nudgeId: 7 });
const press = (value: string | undefined, extra: Partial<Parameters<typeof blockActions>[0]> = {}) =>
  interaction(blockActions({ actionId: 'rapport:cmd:0', value, responseUrl: h.fake.responseUrl(), ...extra }));

/** The modal the adapter opened, submitted back by the user with these input values. */
async function submitOpenedModal(values: Json): Promise<void> {
  const view = (h.fake.callsTo('views.open').at(-1)!.args.view as Json);
  const submitted = await sendToApp(h.eventsUrl, interaction(viewSubmission({ privateMetadata: view.private_metadata, values })), signed);
  expect(submitted).toMatchObject({ status: 200, body: '' });
}

describe('Slack buttons', () => {
  it('does run a pressed button through the core and answer only the presser', async () => {
    const answered = h.fake.nextResponse();
    const ack = await sendToApp(h.eventsUrl, press(donePayload), signed);
    expect(ack).toMatchObject({ status: 200, body: '' });
    expect((await answered).body).toMatchObject({ replace_original: false, response_type: 'ephemeral', text: 'pressed' });
    expect(h.app.actions).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI', payload: donePayload }]);
  });

  it('does replace the message the button was on when the core says so, and share channel replies in the channel', async () => {
    h.app.onAction = () => ({ ...reply.text('Done ✓'), placement: 'replace' });
    // A message that lasts (a nudge in the DM) is updated where it is.
    const updated = h.fake.nextCall('chat.update');
    await sendToApp(h.eventsUrl, press(donePayload), signed);
    expect((await updated).args).toEqual({
      channel: 'D0ZHANGWEI',
      ts: '1700000001.000100',
      text: 'Done ✓',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Done ✓', verbatim: true } }],
    });
    expect(h.fake.responses).toEqual([]);
    // An ephemeral answer has no lasting id: its response_url replaces it.
    const replaced = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press(donePayload, { container: { type: 'message', message_ts: '1700000002.000100', channel_id: 'C0SALES01', is_ephemeral: true } }), signed);
    expect((await replaced).body).toEqual({ replace_original: true, text: 'Done ✓', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Done ✓', verbatim: true } }] });
    h.app.onAction = () => reply.channel({ type: 'card', title: '王芳', sections: [] });
    const shared = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press(encodeInvocation({ command: 'customer share', options: { who: 1 } })), signed);
    expect((await shared).body).toMatchObject({ replace_original: false, response_type: 'in_channel' });
  });

  it('does answer a button that is not Rapport’s, or an oversized payload, with a polite line and no core call', async () => {
    const foreign = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, interaction(blockActions({ actionId: 'approve_expense', value: 'x', responseUrl: h.fake.responseUrl() })), signed);
    expect((await foreign).body).toMatchObject({ response_type: 'ephemeral', text: '! That button does not belong to Rapport. Type the command instead, or /rapport help.' });
    const oversized = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press(`1${'{'.repeat(1999)}`), signed);
    expect((await oversized).body.text).toBe('! That button is no longer valid. Type the command instead, or /rapport help.');
    const missing = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press(undefined), signed);
    expect((await missing).body.text).toBe('! That button is no longer valid. Type the command instead, or /rapport help.');
    expect(h.app.actions).toEqual([]);
  });

  it('does pass a stale or forged payload of normal size to the core, which judges it', async () => {
    h.app.onAction = () => reply.error('That button is no longer valid.');
    const answered = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press('1{"c":"customer delete","o":{}}'), signed);
    expect((await answered).body.text).toBe('! That button is no longer valid.');
    expect(h.app.actions.map((a) => a.payload)).toEqual(['1{"c":"customer delete","o":{}}']);
  });

  it('does only acknowledge a link button (Slack opens the URL itself)', async () => {
    expect((await sendToApp(h.eventsUrl, interaction(blockActions({ actionId: 'rapport:link:0', responseUrl: h.fake.responseUrl() })), signed)).status).toBe(200);
    const answered = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, press(donePayload), signed);
    await answered;
    expect(h.fake.responses).toHaveLength(1);
    expect(h.app.actions).toHaveLength(1);
  });
});

describe('Slack modals', () => {
  it('does open a modal for a button that needs input, and submit it through the same command code', async () => {
    h.app.onAction = () => reply.private(noteForm);
    const buttonResponseUrl = h.fake.responseUrl();
    const opened = h.fake.nextCall('views.open');
    await sendToApp(h.eventsUrl, interaction(blockActions({ actionId: 'rapport:cmd:1', value: encodeInvocation(noteForm.invocation), responseUrl: buttonResponseUrl })), signed);
    const call = await opened;
    expect(call.args.trigger_id).toBe(fixture('block-actions').trigger_id);
    expect((call.args.view as Json).title.text).toBe('Log a note on 王芳 (C0000…');
    expect(h.fake.responses).toEqual([]);

    h.app.onForm = () => reply.text('Note saved', 'success');
    const answered = h.fake.nextResponse();
    await submitOpenedModal({
      text: { multiline: { type: 'plain_text_input', value: '电话回访，很满意' } },
      complaint: { checkbox: { type: 'checkboxes', selected_options: [] } },
      satisfaction: { rating: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: '★★★★★ 5' }, value: '5' } } },
    });
    expect((await answered).body).toMatchObject({ response_type: 'ephemeral', text: 'Note saved' });
    expect(h.fake.responses.at(-1)!.id).toBe(buttonResponseUrl.split('/').pop());
    expect(h.app.forms).toEqual([
      { platform: 'slack', userId: 'U0ZHANGWEI', payload: encodeInvocation(noteForm.invocation), values: { text: '电话回访，很满意', complaint: false, satisfaction: 5 } },
    ]);
  });

  it('does update the nudge a snooze form came from when the core answers with placement replace', async () => {
    h.app.onAction = () => reply.private(snoozeForm);
    const opened = h.fake.nextCall('views.open');
    await sendToApp(h.eventsUrl, press(encodeInvocation(snoozeForm.invocation)), signed);
    await opened;
    h.app.onForm = () => ({ ...reply.text('Snoozed until tomorrow 9:00'), placement: 'replace' });
    const replaced = h.fake.nextCall('chat.update');
    await submitOpenedModal({ when: { preset: { type: 'static_select', selected_option: { value: 'tomorrow 9:00' } } } });
    expect((await replaced).args).toMatchObject({ channel: 'D0ZHANGWEI', ts: '1700000001.000100', text: 'Snoozed until tomorrow 9:00' });
    expect(h.app.forms[0]!.values).toEqual({ when: 'tomorrow 9:00' });
  });

  it('does keep the modal open with a message when a required choice is missing', async () => {
    h.app.onAction = () => reply.private(snoozeForm);
    const opened = h.fake.nextCall('views.open');
    await sendToApp(h.eventsUrl, press(encodeInvocation(snoozeForm.invocation)), signed);
    const view = (await opened).args.view as Json;
    const ack = await sendToApp(h.eventsUrl, interaction(viewSubmission({ privateMetadata: view.private_metadata, values: {} })), signed);
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toEqual({ response_action: 'errors', errors: { when: 'Please fill this in.' } });
    expect(h.app.forms).toEqual([]);
  });

  it('does refuse a submission with forged metadata politely, in the DM, without the core', async () => {
    const posted = h.fake.nextCall('chat.postMessage');
    const ack = await sendToApp(h.eventsUrl, interaction(viewSubmission({ privateMetadata: '{"p":"1{\\"c\\":\\"rapport link\\"}","o":"command","r":"https://evil.example/x"', values: {} })), signed);
    expect(ack).toMatchObject({ status: 200, body: '' });
    expect((await posted).args).toMatchObject({ channel: 'D0ZHANGWEI', text: '! That button is no longer valid. Type the command instead, or /rapport help.' });
    expect(h.app.forms).toEqual([]);
    expect(h.fake.responses).toEqual([]);
  });
});

describe('the Slack App Home tab', () => {
  it('does publish what the core gives for the user’s home when they open it', async () => {
    h.app.onHome = () =>
      reply.private({ type: 'list', title: 'Today', numbered: false, items: [{ primary: '王芳 10:00', actions: [{ kind: 'command', label: 'Done', invocation: { command: 'callback done', options: { id: 12 } }, typed: '/callback done 12' }] }] });
    const published = h.fake.nextCall('views.publish');
    expect((await sendToApp(h.eventsUrl, eventCallback(fixture('app-home-opened')), signed)).status).toBe(200);
    const call = await published;
    expect(call.args.user_id).toBe('U0ZHANGWEI');
    const view = call.args.view as Json;
    expect(view.type).toBe('home');
    expect(view.blocks[1].text.text).toBe('• 王芳 10:00');
    expect(view.blocks[1].accessory.value).toBe(encodeInvocation({ command: 'callback done', options: { id: 12 } }));
    expect(h.app.homes).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI' }]);
  });

  it('does refresh the Home tab after a button there, and send a new reply to the DM', async () => {
    const home = { type: 'view', view_id: 'V0HOME' };
    const homeView = { id: 'V0HOME', type: 'home', team_id: 'T0RAPPORT' };
    const pressOnHome = (payload: Json) => {
      delete payload.response_url;
      delete payload.message;
      delete payload.channel;
      payload.view = homeView;
      return interaction(payload);
    };
    h.app.onAction = () => ({ ...reply.text('Done ✓'), placement: 'replace' });
    const refreshed = h.fake.nextCall('views.publish');
    await sendToApp(h.eventsUrl, pressOnHome(blockActions({ actionId: 'rapport:cmd:0', value: donePayload, responseUrl: '', container: home })), signed);
    await refreshed;
    expect(h.fake.callsTo('chat.postMessage')).toEqual([]);

    h.app.onAction = () => reply.text('Snoozed');
    const dm = h.fake.nextCall('chat.postMessage');
    const again = h.fake.nextCall('views.publish', 1);
    await sendToApp(h.eventsUrl, pressOnHome(blockActions({ actionId: 'rapport:cmd:0', value: donePayload, responseUrl: '', container: home })), signed);
    expect((await dm).args).toMatchObject({ channel: 'D0ZHANGWEI', text: 'Snoozed' });
    await again;
    expect(h.app.homes).toHaveLength(2);
  });
});
