import { describe, expect, it } from 'vitest';
import { customerWhere, MAX } from '../../commands/helpers.js';
import { FAKE_BOT_USER_ID, type HostedFile } from '../../fakes/slack/fake-slack.js';
import { eventCallback, fixture, sendToApp } from '../../fakes/slack/slack-requests.js';
import { type Json, signed } from './harness.js';
import { type SlackBot, SLACK_USER, shownText, slackBotPerTest, startSlackBot } from './slack-bot.js';


let bot: SlackBot;
slackBotPerTest((started) => {
  bot = started;
});

/** `userId` shares `file` in their DM with Rapport, with `text` as the message; resolves with what Rapport posted back there. */
async function share(userId: string, file: HostedFile | Json, text: string, to: SlackBot = bot): Promise<Json> {
  const envelope = fixture('message-file-share');
  const event = envelope.event as Json;
  Object.assign(event, { user: userId, channel: `D${userId.slice(1)}`, text, files: [{ ...(event.files as Json[])[0], ...file }] });
  const posted = to.fake.nextCall('chat.postMessage');
  expect((await sendToApp(to.eventsUrl, eventCallback(envelope), signed)).status).toBe(200);
  return (await posted).args;
}

const ordersOf = (externalId: string) =>
  bot.core.db.kysely
    .selectFrom('Order as o')
    .innerJoin('Customer as c', 'c.id', 'o.customerId')
    .select(['o.externalId', 'o.amountMinor'])
    .where('c.externalId', '=', externalId)
    .where('o.externalId', 'like', 'SL-%')
    .orderBy('o.externalId')
    .execute();

describe('importing a CSV uploaded in Slack, through the real core', () => {
  it('does pair an upload with the manager’s typed /customer import, import it and hand back the rejects as a file', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const { answer } = await bot.command(SLACK_USER.anna, '/customer import orders --on-error skip');
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Attach the CSV file to import as orders') });

    const csv = `external_id,customer,ordered_at,amount\nSL-1,${customer.externalId},2026-11-20,120.00\nSL-2,${customer.externalId},not a date,"=HYPERLINK(""http://evil.example"")"\n`;
    const file = bot.fake.hostFile('orders.csv', csv);
    const rejectsShared = bot.fake.nextCall('files.completeUploadExternal');
    const summary = await share(SLACK_USER.anna, file, 'here is the file');
    expect(bot.fake.downloads).toEqual([{ fileId: file.id, token: bot.fake.options.botToken }]);
    expect(summary.channel).toBe('D0ANNA');
    expect(shownText(summary.blocks)).toMatch(/orders\.csv.*1 inserted/s);
    expect(shownText(summary.blocks)).toContain('orders.csv:3: ');
    expect(await ordersOf(customer.externalId)).toEqual([{ externalId: 'SL-1', amountMinor: 12000 }]);

    expect((await rejectsShared).args.channel_id).toBe('D0ANNA');
    const rejects = bot.fake.uploads.find((u) => u.fileName === 'orders.rejects.csv')!;
    expect(rejects.bytes.toString('utf8')).toContain("'=HYPERLINK");
    expect(JSON.stringify(summary.blocks)).toContain(':paperclip: orders.rejects.csv');
  });

  it('does take the command written as the file’s message, and write nothing on a dry run', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const file = bot.fake.hostFile('orders.csv', `external_id,customer,ordered_at,amount\nSL-9,${customer.externalId},2026-11-20,99.00\n`);
    const summary = await share(SLACK_USER.anna, file, '/customer import orders --dry-run');
    expect(shownText(summary.blocks)).toMatch(/dry run/i);
    expect(await ordersOf(customer.externalId)).toEqual([]);
  });

  it('does refuse a rep’s import without downloading the file', async () => {
    const file = bot.fake.hostFile('customers.csv', 'external_id,name\nC9,x\n');
    const answer = await share(SLACK_USER.chenJing, file, '/customer import customers');
    expect(answer.text).toMatch(/^! .*manager/);
    expect(bot.fake.downloads).toEqual([]);
    expect(await bot.core.db.kysely.selectFrom('Customer').select('id').where('externalId', '=', 'C9').execute()).toEqual([]);
  });

  it('does refuse a file Slack says is over 100 MB with one line, without downloading it', async () => {
    const file = bot.fake.hostFile('huge.csv', 'external_id,name\n', { size: 200 * 1024 * 1024 });
    const answer = await share(SLACK_USER.anna, file, '/customer import customers');
    expect(answer.text).toBe('! huge.csv is larger than 100 MB; split it, or import it with npm run import.');
    expect(bot.fake.downloads).toEqual([]);
  });

  it('does stop downloading and refuse the file when it is larger than Slack said, importing nothing', async () => {
    const limited = await startSlackBot({ uploadLimitBytes: 1024 * 1024 });
    try {
      const customer = await customerWhere(limited.core.db, MAX);
      const rows = Array.from({ length: 40_000 }, (_, i) => `SL-${i},${customer.externalId},2026-11-20,1.00`);
      const csv = `external_id,customer,ordered_at,amount\n${rows.join('\n')}\n`;
      expect(csv.length).toBeGreaterThan(1024 * 1024);
      // Slack's event claims a small file; the bytes say otherwise.
      const file = limited.fake.hostFile('orders.csv', csv, { size: 200 });
      const answer = await share(SLACK_USER.anna, file, '/customer import orders', limited);
      expect(answer.text).toBe('! orders.csv is larger than 1 MB; split it, or import it with npm run import.');
      expect(limited.fake.downloads).toHaveLength(1);
      const imported = await limited.core.db.kysely.selectFrom('Order').select((eb) => eb.fn.countAll<number>().as('n')).where('externalId', 'like', 'SL-%').executeTakeFirstOrThrow();
      expect(imported.n).toBe(0);
    } finally {
      await limited.stop();
    }
  });

  it('does say what to do with a file shared without a command, and not download it', async () => {
    const file = bot.fake.hostFile('orders.csv', 'a,b\n');
    const answer = await share(SLACK_USER.anna, file, 'hi');
    expect(answer.text).toContain('I do not know what orders.csv is for. Type /customer import with its arguments first');
    expect(bot.fake.downloads).toEqual([]);
  });

  it('does not pair an upload with a typed request older than 15 minutes, nor with one the core refused', async () => {
    await bot.command(SLACK_USER.anna, '/customer import orders');
    bot.core.clock.advance(15 * 60_000 + 1);
    expect((await share(SLACK_USER.anna, bot.fake.hostFile('a.csv', 'a\n'), '')).text).toContain('I do not know what a.csv is for');
    await bot.command(SLACK_USER.chenJing, '/customer import orders');
    expect((await share(SLACK_USER.chenJing, bot.fake.hostFile('b.csv', 'a\n'), '')).text).toContain('I do not know what b.csv is for');
    expect(bot.fake.downloads).toEqual([]);
  });

  it('does never send the bot token to a host that is not Slack’s', async () => {
    const file = bot.fake.hostFile('customers.csv', 'external_id,name\n');
    const answer = await share(SLACK_USER.anna, { ...file, url_private_download: 'http://127.0.0.2:9/steal/customers.csv', url_private: 'http://127.0.0.2:9/x' }, '/customer import customers');
    expect(answer.text).toBe('! I could not download customers.csv from Slack. Please upload it again.');
    expect(bot.fake.downloads).toEqual([]);
  });

  it('does import a file once when Slack delivers the event twice, and ignore its own files and file_shared', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const file = bot.fake.hostFile('orders.csv', `external_id,customer,ordered_at,amount\nSL-5,${customer.externalId},2026-11-20,10.00\n`);
    await sendToApp(bot.eventsUrl, eventCallback(fixture('file-shared')), signed);
    const own = fixture('message-file-share');
    Object.assign(own.event as Json, { user: FAKE_BOT_USER_ID, files: [bot.fake.hostFile('x.rejects.csv', 'x\n')] });
    await sendToApp(bot.eventsUrl, eventCallback(own), signed);
    await share(SLACK_USER.anna, file, '/customer import orders');
    const again = fixture('message-file-share');
    Object.assign(again.event as Json, { user: SLACK_USER.anna, channel: 'D0ANNA', text: '/customer import orders', files: [file] });
    await sendToApp(bot.eventsUrl, eventCallback(again), signed);
    await bot.adapter.stop();
    expect(bot.fake.downloads.map((d) => d.fileId)).toEqual([file.id]);
    expect(await ordersOf(customer.externalId)).toEqual([{ externalId: 'SL-5', amountMinor: 1000 }]);
    expect(bot.fake.callsTo('chat.postMessage')).toHaveLength(1);
  });
});
