import { describe, expect, it } from 'vitest';
import { runPlanning } from '../../../src/scheduler/planning-run.js';
import { CHEN_JING, customerWhere, withContacts } from '../../commands/helpers.js';
import type { ApiCall } from '../../fakes/slack/fake-slack.js';
import { deliveryDeps, drain } from '../../scheduler/helpers.js';
import type { Json } from './harness.js';
import { buttonsIn, type SlackBot, SLACK_USER, shownText, slackBotPerTest, TEAM_CHANNEL } from './slack-bot.js';


let bot: SlackBot;
slackBotPerTest((started) => {
  bot = started;
});

const HOUR = 3_600_000;

/** Delivers everything due at the core's clock through the Slack notifier, as the scheduler does. */
async function deliverNow() {
  return drain(bot.core.clock.now(), deliveryDeps(bot.core.db, bot.adapter.notifier));
}

interface Ping {
  callbackId: number;
  customer: { id: number; externalId: string; name: string };
  posted: ApiCall;
  place: { channel: string; ts: string };
}

/** 陈静 schedules a callback in an hour by typing it; at its minute the ping goes out to her DM. */
async function pingForChenJing(): Promise<Ping> {
  const customer = await customerWhere(bot.core.db, CHEN_JING);
  await bot.command(SLACK_USER.chenJing, `/callback ${customer.externalId} in 1 hour ask about the refill`);
  const { callbackId } = await bot.core.db.kysely.selectFrom('Callback').select((eb) => eb.fn.max('id').as('callbackId')).where('customerId', '=', customer.id).executeTakeFirstOrThrow();
  bot.core.clock.advance(HOUR + 60_000);
  await runPlanning(bot.core.db, bot.core.clock.now(), 'callbacks');
  const before = bot.fake.callsTo('chat.postMessage').length;
  await deliverNow();
  const posted = bot.fake.callsTo('chat.postMessage').slice(before).find((c) => c.args.channel === 'D0CHENJING');
  if (!posted) throw new Error('no ping was posted to 陈静');
  const row = await bot.core.db.kysely
    .selectFrom('Nudge')
    .select(['messageChannel as channel', 'messageId as ts'])
    .where('kind', '=', 'callback')
    .where('payload', 'like', `%"callbackId":${callbackId},%`)
    .executeTakeFirstOrThrow();
  return { callbackId, customer, posted, place: row as { channel: string; ts: string } };
}

const callback = (id: number) => bot.core.db.kysely.selectFrom('Callback').select(['status', 'dueAt']).where('id', '=', id).executeTakeFirstOrThrow();
/** 陈静's callback ping in the outbox. */
const chenJingsPing = () =>
  bot.core.db.kysely
    .selectFrom('Nudge as n')
    .innerJoin('Rep as r', 'r.id', 'n.targetId')
    .select(['n.status', 'n.attempts', 'n.nextAttemptAt', 'n.lastError'])
    .where('n.kind', '=', 'callback')
    .where('r.email', '=', CHEN_JING)
    .executeTakeFirstOrThrow();
const updatesOf = (place: { channel: string; ts: string }) => bot.fake.callsTo('chat.update').filter((c) => c.args.channel === place.channel && c.args.ts === place.ts);

describe('Slack nudges through the real core and outbox', () => {
  it('does send a callback ping as a DM with Done, Snooze, Reschedule and Log a note, and keep where it was posted', async () => {
    const ping = await pingForChenJing();
    expect(bot.fake.callsTo('conversations.open').map((c) => c.args.users)).toContain(SLACK_USER.chenJing);
    expect((ping.posted.args.blocks as Json[])[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: `Callback due: ${ping.customer.name}`, emoji: true } });
    expect(shownText(ping.posted.args.blocks)).toContain('ask about the refill');
    expect(buttonsIn(ping.posted.args.blocks).map((b) => b.text.text)).toEqual(['Done', 'Snooze 1 day', 'Reschedule', 'Log a note']);
    expect(ping.place).toEqual({ channel: 'D0CHENJING', ts: expect.stringMatching(/^\d+\.\d+$/) });
  });

  it('does update the ping once when Done is pressed on it (the press redraws it; the core’s update is not sent again)', async () => {
    const ping = await pingForChenJing();
    const updated = bot.fake.nextCall('chat.update');
    await bot.press(SLACK_USER.chenJing, ping.posted.args.blocks, 'Done', ping.place);
    const update = await updated;
    expect(update.args).toMatchObject(ping.place);
    expect(shownText(update.args.blocks)).toMatch(/done/i);
    expect(buttonsIn(update.args.blocks)).toEqual([]);
    await bot.adapter.stop();
    expect(updatesOf(ping.place)).toHaveLength(1);
    expect(bot.fake.responses).toHaveLength(1); // the /callback answer only
    expect((await callback(ping.callbackId)).status).toBe('done');
  });

  it('does update the ping where it was posted when the callback is done by typing, elsewhere', async () => {
    const ping = await pingForChenJing();
    const updated = bot.fake.nextCall('chat.update');
    const { answer } = await bot.command(SLACK_USER.chenJing, `/callback done ${ping.callbackId}`);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect((await updated).args).toMatchObject(ping.place);
    expect(buttonsIn((await updated).args.blocks)).toEqual([]);
    expect(updatesOf(ping.place)).toHaveLength(1);
  });

  it('does open Reschedule as a modal with presets and a picker, and move the callback and redraw the ping on submit', async () => {
    const ping = await pingForChenJing();
    const opening = bot.fake.nextCall('views.open');
    await bot.press(SLACK_USER.chenJing, ping.posted.args.blocks, 'Reschedule', ping.place);
    const opened = await opening;
    const view = opened.args.view as Json;
    expect((view.blocks as Json[]).map((b) => [b.block_id, b.element.type])).toEqual([
      ['when', 'static_select'],
      ['when#pick', 'datetimepicker'],
    ]);
    expect((view.blocks as Json[])[0]!.element.options.map((o: Json) => o.value)).toEqual(['in 1 hour', 'in 3 hours', 'tomorrow 9:00', 'tomorrow 14:00', 'next monday 9:00']);
    expect(updatesOf(ping.place)).toEqual([]);
    const updated = bot.fake.nextCall('chat.update');
    await bot.submit(SLACK_USER.chenJing, opened, { when: { preset: { type: 'static_select', selected_option: { value: 'in 3 hours' } } } });
    expect((await updated).args).toMatchObject(ping.place);
    expect(await callback(ping.callbackId)).toEqual({ status: 'open', dueAt: bot.core.clock.now().getTime() + 3 * HOUR });
    await bot.adapter.stop();
    expect(updatesOf(ping.place)).toHaveLength(1);
  });

  it('does snooze a ping by a day with its Snooze button, replacing the ping once', async () => {
    const ping = await pingForChenJing();
    const due = (await callback(ping.callbackId)).dueAt;
    const updated = bot.fake.nextCall('chat.update');
    await bot.press(SLACK_USER.chenJing, ping.posted.args.blocks, 'Snooze 1 day', ping.place);
    expect(shownText((await updated).args.blocks)).toContain(ping.customer.name);
    await bot.adapter.stop();
    expect((await callback(ping.callbackId)).dueAt).toBe(bot.core.clock.now().getTime() + 24 * HOUR);
    expect((await callback(ping.callbackId)).dueAt).not.toBe(due);
    expect(updatesOf(ping.place)).toHaveLength(1);
  });

  it('does pause Slack deliveries for Slack’s Retry-After on a 429, without spending an attempt, then deliver', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    await bot.command(SLACK_USER.chenJing, `/callback ${customer.externalId} in 1 hour`);
    bot.core.clock.advance(HOUR + 60_000);
    await runPlanning(bot.core.db, bot.core.clock.now(), 'callbacks');
    const t0 = bot.core.clock.now().getTime();
    bot.fake.answer('chat.postMessage', { status: 429, retryAfter: 30 });
    const reports = await deliverNow();
    // One call: the Web API client retried nothing on its own, so the outbox's count is the truth.
    expect(bot.fake.callsTo('chat.postMessage')).toHaveLength(1);
    const row = chenJingsPing;
    expect(reports[0]).toMatchObject({ deferred: 1, sent: 0 });
    expect(await row()).toMatchObject({ status: 'pending', attempts: 0, lastError: 'Slack rate limit: retry after 30 s' });
    expect((await row()).nextAttemptAt).toBeGreaterThanOrEqual(t0 + 30_000);
    expect((await row()).nextAttemptAt).toBeLessThanOrEqual(t0 + 31_000);
    const paused = await bot.core.db.kysely.selectFrom('AppState').select('value').where('key', '=', 'delivery.pausedUntil.slack').executeTakeFirst();
    expect(paused?.value).toBe(String((await row()).nextAttemptAt));

    bot.core.clock.advance(20_000);
    await deliverNow();
    expect(bot.fake.callsTo('chat.postMessage')).toHaveLength(1);
    bot.core.clock.set(new Date((await row()).nextAttemptAt!));
    await deliverNow();
    expect(bot.fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(await row()).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('does fail a nudge at once on a permanent Slack error, show Slack’s reason once in /rapport outbox, and never retry it', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    await bot.command(SLACK_USER.chenJing, `/callback ${customer.externalId} in 1 hour`);
    bot.core.clock.advance(HOUR + 60_000);
    await runPlanning(bot.core.db, bot.core.clock.now(), 'callbacks');
    bot.fake.answer('chat.postMessage', { error: 'account_inactive' });
    await deliverNow();
    const row = async () => {
      const { status, attempts, lastError } = await chenJingsPing();
      return { status, attempts, lastError };
    };
    expect(await row()).toEqual({ status: 'dead', attempts: 1, lastError: 'Slack refused: account_inactive' });
    bot.core.clock.advance(7 * 24 * HOUR);
    await deliverNow();
    expect(bot.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'D0CHENJING')).toHaveLength(1);
    expect(await row()).toEqual({ status: 'dead', attempts: 1, lastError: 'Slack refused: account_inactive' });

    const { answer } = await bot.command(SLACK_USER.admin, '/rapport outbox');
    const text = shownText(answer.blocks);
    expect(text.split('Slack refused: account_inactive').length - 1).toBe(1);
  });

  it('does send a team’s birthday list to its Slack channel with names and owners only', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING, (eb) => eb.and([eb('c.greetingOptOut', '=', false), withContacts(eb)]));
    await bot.core.db.kysely.updateTable('Customer').set({ birthdayMonth: 11, birthdayDay: 24, birthdayYear: 1990 }).where('id', '=', customer.id).execute();
    await runPlanning(bot.core.db, bot.core.clock.now(), 'all');
    bot.core.clock.set(new Date('2026-11-24T01:00:30Z')); // 09:00 in Shanghai
    await deliverNow();
    const toChannel = bot.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === TEAM_CHANNEL.shanghai);
    expect(toChannel).toHaveLength(1);
    const shown = JSON.stringify(toChannel[0]!.args);
    expect(shown).toContain(customer.name);
    expect(shown).toContain('陈静');
    expect(shown).not.toContain(customer.email!);
    expect(shown).not.toContain(customer.phone!);
    expect(bot.fake.callsTo('conversations.open').map((c) => c.args.users)).not.toContain(TEAM_CHANNEL.shanghai);
  });
});
