import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/commands/app.js';
import { decodeInvocation } from '../../../src/commands/options.js';
import { CHEN_JING, customerWhere, MAX, withContacts } from '../../commands/helpers.js';
import { blockActions, interaction, sendToApp, slashCommand } from '../../fakes/slack/slack-requests.js';
import { type Json, signed } from './harness.js';
import { buttonsIn, type SlackBot, SLACK_USER, shownText, slackBotPerTest, startSlackBot } from './slack-bot.js';


let bot: SlackBot;
slackBotPerTest((started) => {
  bot = started;
});

const customerOf = (email: string) => customerWhere(bot.core.db, email, withContacts);

describe('Slack commands through the real core', () => {
  it('does answer /customer lookup with the card as Block Kit, only to the asker, acked at once', async () => {
    const customer = await customerOf(CHEN_JING);
    const { ack, answer } = await bot.command(SLACK_USER.chenJing, `/customer lookup ${customer.externalId}`);
    expect(ack).toMatchObject({ status: 200, body: '' });
    expect(answer).toMatchObject({ replace_original: false, response_type: 'ephemeral' });
    const blocks = answer.blocks as Json[];
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: customer.name, emoji: true } });
    const fields = blocks.filter((b) => b.type === 'section' && b.fields).flatMap((b) => b.fields as Json[]);
    expect(fields.every((f) => f.type === 'mrkdwn' && /^\*[^*]+\*\n/.test(f.text))).toBe(true);
    expect(fields.map((f) => f.text.split('\n')[0])).toEqual(expect.arrayContaining(['*Tier*', '*Owner*', '*Contact*']));
    expect(blocks.filter((b) => b.fields).every((b) => b.fields.length <= 10)).toBe(true);
    // The owner is a real mention; contact data is there, for the asker only.
    expect(fields.find((f) => f.text.startsWith('*Owner*'))!.text).toBe(`*Owner*\n<@${SLACK_USER.chenJing}>`);
    expect(shownText(blocks)).toContain(customer.email!);
    const buttons = buttonsIn(blocks);
    expect(buttons.map((b) => b.text.text)).toEqual(['Schedule callback', 'Log note', 'Share to channel']);
    expect(buttons[0]!.style).toBe('primary');
    expect(buttons.map((b) => decodeInvocation(b.value))).toEqual([
      { command: 'callback', options: { who: customer.id } },
      { command: 'customer note', options: { who: customer.id } },
      { command: 'customer share', options: { who: customer.id } },
    ]);
    // The plain-text fallback (notifications, screen readers) is the core's text rendering.
    expect(answer.text.startsWith(customer.name)).toBe(true);
  });

  it('does not show a rep another rep’s customer: by id, email or name it reads like no customer at all', async () => {
    const other = await customerOf(MAX);
    for (const query of [other.externalId, other.email!, other.name]) {
      const { answer } = await bot.command(SLACK_USER.chenJing, `/customer lookup ${query}`);
      expect(answer.response_type).toBe('ephemeral');
      expect(shownText(answer.blocks)).toContain('No customer matches');
      expect(JSON.stringify(answer)).not.toContain(other.phone!);
      expect(buttonsIn(answer.blocks).map((b) => decodeInvocation(b.value)?.options.who)).not.toContain(other.id);
    }
    // Nor does a forged button for that customer show it.
    const forged = bot.fake.nextResponse();
    await sendToApp(bot.eventsUrl, interaction(blockActions({ actionId: 'rapport:cmd:0', value: `1{"c":"customer lookup","o":{"who":${other.id}}}`, responseUrl: bot.fake.responseUrl(), userId: SLACK_USER.chenJing })), signed);
    const answer = (await forged).body;
    expect(JSON.stringify(answer)).not.toContain(other.name);
    expect(JSON.stringify(answer)).not.toContain(other.email!);
  });

  it('does share a card to the channel without contact data when Share to channel is pressed', async () => {
    const customer = await customerOf(CHEN_JING);
    // A birthday in two days (the demo's today is 2026-11-23): the card names the day, never the year.
    await bot.core.db.kysely.updateTable('Customer').set({ birthdayMonth: 11, birthdayDay: 25, birthdayYear: 1987 }).where('id', '=', customer.id).execute();
    const { answer } = await bot.command(SLACK_USER.chenJing, `/customer lookup ${customer.externalId}`);
    expect(shownText(answer.blocks)).toContain('*Birthday*\nNovember 25');
    const shared = bot.fake.nextResponse();
    await bot.press(SLACK_USER.chenJing, answer.blocks, 'Share to channel');
    const body = (await shared).body;
    expect(body).toMatchObject({ replace_original: false, response_type: 'in_channel' });
    expect((body.blocks as Json[])[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: customer.name, emoji: true } });
    const everything = JSON.stringify(body);
    expect(everything).not.toContain(customer.email!);
    expect(everything).not.toContain(customer.phone!);
    expect(everything).not.toContain('*Contact*');
    expect(everything).not.toContain('1987');
    // A shared card offers no buttons: the channel sees it, the rep acts on their own copy.
    expect(buttonsIn(body.blocks).map((b) => b.text.text)).not.toContain('Share to channel');
  });

  it('does page a long list with a Next button that runs the next page through the core', async () => {
    const { answer } = await bot.command(SLACK_USER.anna, '/customer list team');
    const blocks = answer.blocks as Json[];
    expect(shownText(blocks)).toContain('Page 1; more follow.');
    expect(blocks.filter((b) => b.type === 'section').length).toBeGreaterThanOrEqual(10);
    expect(buttonsIn(blocks).map((b) => b.text.text)).toEqual(['Next']);
    const next = bot.fake.nextResponse();
    await bot.press(SLACK_USER.anna, blocks, 'Next');
    const page2 = (await next).body;
    expect(shownText(page2.blocks)).toContain('Page 2; more follow.');
    expect(buttonsIn(page2.blocks).map((b) => b.text.text)).toEqual(['Previous', 'Next']);
    // Anna's team only: no Shanghai rep's name in either page.
    expect(shownText([...blocks, ...(page2.blocks as Json[])])).not.toMatch(/张伟|刘洋|陈静/);
  });

  it('does show the digest’s table as one line per rep and its chart as an uploaded image', async () => {
    const { answer } = await bot.command(SLACK_USER.anna, '/digest');
    const blocks = answer.blocks as Json[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringContaining('Weekly churn digest') } });
    expect(shownText(blocks)).toMatch(/\*Max Weber\* — At risk: \d+ · Lapsed: \d+/);
    const upload = bot.fake.callsTo('files.getUploadURLExternal')[0]!;
    expect(upload.args).toMatchObject({ filename: expect.stringMatching(/^churn-.*\.png$/) });
    const fileId = bot.fake.uploads[0]!.fileId;
    expect(blocks.at(-1)).toEqual({ type: 'image', slack_file: { id: fileId }, alt_text: 'At-risk and lapsed customers, last 12 weeks' });
  });

  it('does answer /rapport help with the commands this user may run in Slack, naming help as typed here', async () => {
    const { answer } = await bot.command(SLACK_USER.chenJing, '/rapport help');
    const text = shownText(answer.blocks);
    expect(text).toContain('/customer lookup');
    expect(text).toContain('/rapport help');
    expect(text).not.toContain('/rapport as');
    expect(text).not.toContain('/digest');
    expect(text).not.toMatch(/(^|\s)\/help/);
  });

  it('does refuse a manager’s command to a rep with one line, and a stale or forged button politely', async () => {
    const { answer } = await bot.command(SLACK_USER.chenJing, '/digest');
    expect(answer.text).toMatch(/^! .*manager/);
    const stale = bot.fake.nextResponse();
    await sendToApp(bot.eventsUrl, interaction(blockActions({ actionId: 'rapport:cmd:0', value: '1{"c":"customer delete","o":{}}', responseUrl: bot.fake.responseUrl(), userId: SLACK_USER.chenJing })), signed);
    expect((await stale).body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^! /) });
    const old = bot.fake.nextResponse();
    await sendToApp(bot.eventsUrl, interaction(blockActions({ actionId: 'rapport:cmd:0', value: '0{"c":"callback done","o":{"id":1}}', responseUrl: bot.fake.responseUrl(), userId: SLACK_USER.chenJing })), signed);
    expect((await old).body.text).toMatch(/no longer valid/);
  });

  it('does keep serving after hostile input: huge text, unknown commands and ids, garbage bodies, other workspaces', async () => {
    const huge = await sendToApp(bot.eventsUrl, slashCommand({ user_id: SLACK_USER.chenJing, text: `lookup ${'王'.repeat(50_000)}`, response_url: bot.fake.responseUrl() }), signed);
    expect(JSON.parse(huge.body).text).toMatch(/^That line is 50007 characters long/);
    const unknown = await sendToApp(bot.eventsUrl, slashCommand({ command: '/frobnicate', response_url: bot.fake.responseUrl() }), signed);
    expect(JSON.parse(unknown.body).text).toMatch(/^Rapport has no \/frobnicate command/);
    const { answer } = await bot.command(SLACK_USER.chenJing, '/customer frobnicate now');
    expect(answer.text).toMatch(/^! /);
    const { answer: quotes } = await bot.command(SLACK_USER.chenJing, '/customer lookup "\u202e\u0000<!channel> &amp; \'O"Brien');
    expect(quotes.text).toContain('No customer matches');
    expect(JSON.stringify(quotes)).not.toContain('<!channel>');
    const foreignAction = bot.fake.nextResponse();
    await sendToApp(bot.eventsUrl, interaction(blockActions({ actionId: 'approve_expense', value: 'x', responseUrl: bot.fake.responseUrl() })), signed);
    expect((await foreignAction).body.text).toMatch(/does not belong to Rapport/);
    expect((await sendToApp(bot.eventsUrl, { body: 'payload=%7B%22type', contentType: 'application/x-www-form-urlencoded' }, signed)).status).toBe(400);
    const foreign = await sendToApp(bot.eventsUrl, slashCommand({ team_id: 'T0ELSEWHERE', response_url: bot.fake.responseUrl() }), signed);
    expect(JSON.parse(foreign.body).text).toMatch(/another Slack workspace/);
    expect(bot.core.errors).toEqual([]);
    const { answer: still } = await bot.command(SLACK_USER.chenJing, `/customer lookup ${(await customerOf(CHEN_JING)).externalId}`);
    expect(still.blocks[0].type).toBe('header');
  });
});

describe('a deliberately slow command', () => {
  it('does get Slack’s ack at once, and its answer through response_url when the core is done', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const working = new Promise<void>((resolve) => (started = resolve));
    const slow = (app: App): App => ({
      ...app,
      commands: app.commands,
      dispatch: async (input) => {
        started();
        await gate;
        return app.dispatch(input);
      },
    });
    const slowBot = await startSlackBot({ wrap: slow });
    try {
      const customer = await customerWhere(slowBot.core.db, CHEN_JING);
      const answered = slowBot.fake.nextResponse();
      const ack = await sendToApp(slowBot.eventsUrl, slashCommand({ user_id: SLACK_USER.chenJing, text: `lookup ${customer.externalId}`, response_url: slowBot.fake.responseUrl() }), signed);
      expect(ack).toMatchObject({ status: 200, body: '' });
      // The core is still held at the gate: the ack cannot have waited for it.
      await working;
      expect(slowBot.fake.responses).toEqual([]);
      release();
      expect(((await answered).body.blocks as Json[])[0]!.text.text).toBe(customer.name);
    } finally {
      release();
      await slowBot.stop();
    }
  });
});
