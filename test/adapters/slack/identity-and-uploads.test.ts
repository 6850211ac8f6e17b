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
  const shareInDm = (file: HostedFile | Json, text = '/customer import customers --dry-run') => {
    const envelope = fixture('message-file-share');
    const event = envelope.event as Json;
    event.files = [{ ...(event.files as Json[])[0], ...file }];
    event.text = text;
    return eventCallback(envelope);
  };

  it('does download a CSV shared in the DM with the bot token and hand it to the command written with it', async () => {
    const csv = 'external_id,name\nC1,王芳\n';
    const file = h.fake.hostFile('customers.csv', csv);
    h.app.onDispatch = () => reply.text('Imported 1 customer', 'success');
    const answered = h.fake.nextCall('chat.postMessage');
    expect((await sendToApp(h.eventsUrl, shareInDm(file), signed)).status).toBe(200);
    expect((await answered).args).toMatchObject({ channel: 'D0ZHANGWEI', text: 'Imported 1 customer' });
    expect(h.fake.downloads).toEqual([{ fileId: file.id, token: h.fake.options.botToken }]);
    expect(h.app.dispatched).toMatchObject([{ platform: 'slack', userId: 'U0ZHANGWEI', text: '/customer import customers --dry-run' }]);
    expect(h.app.files).toEqual([{ option: 'file', name: 'customers.csv', size: Buffer.byteLength(csv), bytes: Buffer.from(csv) }]);
  });

  it('does pair an upload with the user’s typed /customer import, after telling them to share the file', async () => {
    const prompt = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ command: '/customer', text: 'import orders --on-error skip', response_url: h.fake.responseUrl() }), signed);
    expect((await prompt).body).toMatchObject({
      response_type: 'ephemeral',
      text: 'Now share the CSV file here in your DM with Rapport, within 15 minutes: it will be imported as /customer import orders --on-error skip (files up to 100.0 MB).',
    });
    expect(h.app.dispatched).toEqual([]);
    const file = h.fake.hostFile('orders.csv', 'customer,ordered_at,amount\n');
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(file, 'here it is'), signed);
    await answered;
    expect(h.app.dispatched.map((d) => 'text' in d && d.text)).toEqual(['/customer import orders --on-error skip']);
    expect(h.app.files.map((f) => f.name)).toEqual(['orders.csv']);
  });

  it('does not pair an upload with a request older than 15 minutes, and says what to do instead', async () => {
    const prompt = h.fake.nextResponse();
    await sendToApp(h.eventsUrl, slashCommand({ command: '/customer', text: 'import orders', response_url: h.fake.responseUrl() }), signed);
    await prompt;
    h.clock.advance(15 * 60_000 + 1);
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(h.fake.hostFile('orders.csv', 'a\n'), ''), signed);
    expect((await answered).args.text).toBe(
      'I do not know what orders.csv is for. Type /customer import with its arguments first (see /rapport help /customer import), then share the file here; or share it again with that command line as its message.',
    );
    expect(h.app.dispatched).toEqual([]);
    expect(h.fake.downloads).toEqual([]);
  });

  it('does hand back a file of the reply (the rejects) in the same DM, after the message naming it', async () => {
    const file = h.fake.hostFile('orders.csv', 'customer,ordered_at,amount\nC1,nope,1\n');
    const rejects = Buffer.from('\uFEFFcustomer,ordered_at,amount,reason\n');
    h.app.onDispatch = () => reply.private({ type: 'text', text: '1 row rejected' }, { type: 'file', fileName: 'orders.rejects.csv', contentType: 'text/csv', bytes: rejects });
    const shared = h.fake.nextCall('files.completeUploadExternal');
    await sendToApp(h.eventsUrl, shareInDm(file, '/customer import orders --on-error skip'), signed);
    expect((await shared).args.channel_id).toBe('D0ZHANGWEI');
    expect(h.fake.uploads.map((u) => [u.fileName, u.bytes.toString('utf8')])).toEqual([['orders.rejects.csv', '\uFEFFcustomer,ordered_at,amount,reason\n']]);
    const posted = h.fake.callsTo('chat.postMessage')[0]!.args;
    expect(posted.text).toBe('1 row rejected');
    expect(JSON.stringify(posted.blocks)).toContain(':paperclip: orders.rejects.csv');
  });

  it('does refuse a file over the size limit with a clear line, without downloading it', async () => {
    const file = h.fake.hostFile('huge.csv', 'x', { size: 200 * 1024 * 1024 });
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(file), signed);
    expect((await answered).args.text).toBe('! huge.csv is 200.0 MB; Rapport imports files of at most 100.0 MB. Split it and upload the parts.');
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.dispatched).toEqual([]);
  });

  it('does never send the bot token to a host that is not Slack’s', async () => {
    const file = h.fake.hostFile('customers.csv', 'a,b\n');
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm({ ...file, url_private_download: 'http://127.0.0.2:9/steal/customers.csv', url_private: 'http://127.0.0.2:9/x' }), signed);
    expect((await answered).args.text).toBe('! I could not download customers.csv from Slack. Please upload it again.');
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.files).toEqual([]);
  });

  it('does not import the files it shares itself (its own rejects file comes back as a message event)', async () => {
    const file = h.fake.hostFile('orders.rejects.csv', 'x\n');
    const own = fixture('message-file-share');
    Object.assign(own.event as Json, { user: FAKE_BOT_USER_ID, files: [file] });
    expect((await sendToApp(h.eventsUrl, eventCallback(own), signed)).status).toBe(200);
    await h.adapter.stop();
    expect(h.fake.downloads).toEqual([]);
    expect(h.app.dispatched).toEqual([]);
  });

  it('does import a file once when Slack delivers the event twice, and ignore file_shared and other messages', async () => {
    const file = h.fake.hostFile('reps.csv', 'email,name\n');
    await sendToApp(h.eventsUrl, eventCallback(fixture('file-shared')), signed);
    const chat = fixture('message-file-share');
    Object.assign(chat.event as Json, { subtype: undefined, files: undefined, text: 'hello bot' });
    await sendToApp(h.eventsUrl, eventCallback(chat), signed);
    const answered = h.fake.nextCall('chat.postMessage');
    await sendToApp(h.eventsUrl, shareInDm(file, 'customer import reps'), signed);
    await answered;
    await sendToApp(h.eventsUrl, shareInDm(file, 'customer import reps'), signed);
    await h.adapter.stop();
    expect(h.app.files.map((u) => u.name)).toEqual(['reps.csv']);
    expect(h.fake.downloads).toHaveLength(1);
  });
});
