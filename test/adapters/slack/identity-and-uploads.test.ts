import { describe, expect, it } from 'vitest';
import { RELINK_AFTER_MS } from '../../../src/adapters/slack/slack-identity.js';
import { reply } from '../../../src/commands/reply.js';
import { eventCallback, fixture, sendToApp, slashCommand } from '../../fakes/slack/slack-requests.js';
import { FAKE_BOT_USER_ID, type HostedFile } from '../../fakes/slack/fake-slack.js';
import { type Harness, type Json, harnessPerTest, signed } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
});

async function command(userId: string): Promise<void> {
  const answered = h.fake.nextResponse();
  await sendToApp(h.eventsUrl, slashCommand({ user_id: userId, text: 'lookup 王芳', response_url: h.fake.responseUrl() }), signed);
  await answered;
}

describe('linking Slack users by email', () => {
  it('does look a new user’s email up once and ask the core to link them before their first command', async () => {
    h.fake.addUser({ id: 'U0LINA', email: 'li.na@rapport.demo' });
    h.app.onLink = () => 'linked';
    await command('U0LINA');
    expect(h.fake.callsTo('users.info').map((c) => c.args)).toEqual([{ user: 'U0LINA' }]);
    expect(h.app.links).toEqual([{ platform: 'slack', userId: 'U0LINA', email: 'li.na@rapport.demo' }]);
    expect(h.app.dispatched.map((d) => d.userId)).toEqual(['U0LINA']);
    await command('U0LINA');
    expect(h.fake.callsTo('users.info')).toHaveLength(1);
    expect(h.app.links).toHaveLength(1);
  });

  it('does try again later, not on every command, when no rep has the user’s email', async () => {
    h.fake.addUser({ id: 'U0NEW', email: 'new.hire@rapport.demo' });
    h.app.onLink = () => 'no-rep-with-email';
    await command('U0NEW');
    await command('U0NEW');
    expect(h.app.links).toHaveLength(1);
    h.clock.advance(RELINK_AFTER_MS + 1);
    h.app.onLink = () => 'linked';
    await command('U0NEW');
    expect(h.app.links).toHaveLength(2);
    h.clock.advance(RELINK_AFTER_MS + 1);
    await command('U0NEW');
    expect(h.app.links).toHaveLength(2);
  });

  it('does still answer when Slack will not tell the email (scope missing), and never links bots', async () => {
    h.fake.answer('users.info', { error: 'missing_scope' });
    await command('U0NOSCOPE');
    h.fake.addUser({ id: 'U0BOTTY', email: 'bot@rapport.demo', isBot: true });
    await command('U0BOTTY');
    expect(h.app.links).toEqual([]);
    expect(h.app.dispatched.map((d) => d.userId)).toEqual(['U0NOSCOPE', 'U0BOTTY']);
  });
});

describe('importing an upload', () => {
  const shareInDm = (file: HostedFile | Json, text = 'customers --dry-run') => {
    const envelope = fixture('message-file-share');
    const event = envelope.event as Json;
    event.files = [{ ...(event.files as Json[])[0], ...file }];
    event.text = text;
    return eventCallback(envelope);
  };

  it('does download a CSV shared in the DM with the bot token and import it with what the user wrote', async () => {
    const csv = 'external_id,name\nC1,王芳\n';
    const file = h.fake.hostFile('customers.csv', csv);
    h.app.onUpload = (input) => ({ reply: reply.text(`Imported ${input.bytes.toString('utf8').split('\n').length - 2} customers`, 'success'), files: [] });
    const answered = h.fake.nextCall('chat.postMessage');
    expect((await sendToApp(h.eventsUrl, shareInDm(file), signed)).status).toBe(200);
    expect((await answered).args).toMatchObject({ channel: 'D0ZHANGWEI', text: 'Imported 1 customers' });
    expect(h.fake.downloads).toEqual([{ fileId: file.id, token: h.fake.options.botToken }]);
    expect(h.app.uploads).toEqual([{ platform: 'slack', userId: 'U0ZHANGWEI', fileName: 'customers.csv', size: Buffer.byteLength(csv), text: 'customers --dry-run', bytes: Buffer.from(csv) }]);
  });

  it('does hand back the rejects file in the same DM', async () => {
    const file = h.fake.hostFile('orders.csv', 'customer,ordered_at,amount\nC1,nope,1\n');
    h.app.onUpload = () => ({ reply: reply.text('1 row rejected'), files: [{ fileName: 'orders.rejects.csv', content: Buffer.from('\uFEFFcustomer,ordered_at,amount,reason\n') }] });
    const shared = h.fake.nextCall('files.completeUploadExternal');
    await sendToApp(h.eventsUrl, shareInDm(file, 'orders --on-error skip'), signed);
    expect((await shared).args.channel_id).toBe('D0ZHANGWEI');
    expect(h.fake.uploads.map((u) => [u.fileName, u.bytes.toString('utf8')])).toEqual([['orders.rejects.csv', '\uFEFFcustomer,ordered_at,amount,reason\n']]);
    expect(h.fake.callsTo('chat.postMessage')[0]!.args.text).toBe('1 row rejected');
  });

  it('does refuse a file over the size limit with a clear line, without downloading it', async () => {
    const file = h.fake.hostFile('huge.csv', 'x', { size: 200 * 1024 * 1024 });
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(file), signed);
    expect((await answered).args.text).toBe('! huge.csv is 200.0 MB; Rapport imports files of at most 100.0 MB. Split it and upload the parts.');
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.uploads).toEqual([]);
  });

  it('does never send the bot token to a host that is not Slack’s', async () => {
    const file = h.fake.hostFile('customers.csv', 'a,b\n');
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm({ ...file, url_private_download: 'http://127.0.0.2:9/steal/customers.csv', url_private: 'http://127.0.0.2:9/x' }), signed);
    expect((await answered).args.text).toBe('! I could not download customers.csv from Slack. Please upload it again.');
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.uploads).toEqual([]);
  });

  it('does not import the files it shares itself (its own rejects file comes back as a message event)', async () => {
    const file = h.fake.hostFile('orders.rejects.csv', 'x\n');
    const own = fixture('message-file-share');
    Object.assign(own.event as Json, { user: FAKE_BOT_USER_ID, files: [file] });
    expect((await sendToApp(h.eventsUrl, eventCallback(own), signed)).status).toBe(200);
    await h.adapter.stop();
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.uploads).toEqual([]);
  });

  it('does import a file once when Slack delivers the event twice, and ignore file_shared and other messages', async () => {
    const file = h.fake.hostFile('reps.csv', 'email,name\n');
    await sendToApp(h.eventsUrl, eventCallback(fixture('file-shared')), signed);
    const chat = fixture('message-file-share');
    Object.assign(chat.event as Json, { subtype: undefined, files: undefined, text: 'hello bot' });
    await sendToApp(h.eventsUrl, eventCallback(chat), signed);
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(file, 'reps'), signed);
    await answered;
    await sendToApp(h.eventsUrl, shareInDm(file, 'reps'), signed);
    await h.adapter.stop();
    expect(h.app.uploads.map((u) => u.fileName)).toEqual(['reps.csv']);
    expect(h.fake.downloads).toHaveLength(1);
  });
});
