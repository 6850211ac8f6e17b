import { describe, expect, it } from 'vitest';
import { decodeInvocation } from '../../../src/commands/options.js';
import { auditRows, CHEN_JING, customerWhere, LIU_YANG } from '../../commands/helpers.js';
import { eventCallback, fixture, sendToApp } from '../../fakes/slack/slack-requests.js';
import { type Json, signed } from './harness.js';
import { buttonsIn, type SlackBot, SLACK_USER, shownText, slackBotPerTest, startSlackBot } from './slack-bot.js';

let bot: SlackBot;
slackBotPerTest((started) => {
  bot = started;
});

/** Opens the Home tab as `userId`; resolves with the view Rapport published for them. */
async function openHome(userId: string): Promise<Json> {
  const event = fixture('app-home-opened');
  (event.event as Json).user = userId;
  const published = bot.fake.nextCall('views.publish');
  expect((await sendToApp(bot.eventsUrl, eventCallback(event), signed)).status).toBe(200);
  const call = await published;
  expect(call.args.user_id).toBe(userId);
  return call.args.view as Json;
}

const ownerOf = async (customerId: number) =>
  (await bot.core.db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('r.email').where('c.id', '=', customerId).executeTakeFirst())?.email;
const slackUserOf = async (email: string) => (await bot.core.db.kysely.selectFrom('Rep').select('slackUserId').where('email', '=', email).executeTakeFirst())?.slackUserId;

describe('the Slack Home tab through the real core', () => {
  it('does show a rep their own day only: their callbacks with Done/Snooze and their own customers most worth saving', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    await bot.command(SLACK_USER.chenJing, `/callback ${customer.externalId} in 1 hour ask about the refill`);
    const view = await openHome(SLACK_USER.chenJing);
    expect(view.type).toBe('home');
    const text = shownText(view.blocks);
    expect(text).toContain('Your day, 陈静');
    expect(text).toContain('ask about the refill');
    const buttons = buttonsIn(view.blocks);
    expect(buttons.slice(0, 2).map((b) => b.text.text)).toEqual(['Done', 'Snooze 1 day']);
    const cards = buttons.filter((b) => b.text.text === 'Open card').map((b) => decodeInvocation(b.value)!.options.who as number);
    expect(cards.length).toBeGreaterThan(0);
    expect(await Promise.all(cards.map(ownerOf))).toEqual(cards.map(() => CHEN_JING));
  });

  it('does show a manager their team’s risk summary as well', async () => {
    const view = await openHome(SLACK_USER.anna);
    expect(shownText(view.blocks)).toMatch(/Your team[\s\S]*At risk[\s\S]*Revenue at risk/);
  });

  it('does run Done pressed on the Home tab and publish the refreshed Home, posting no message', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    await bot.command(SLACK_USER.chenJing, `/callback ${customer.externalId} in 1 hour ask about the refill`);
    const view = await openHome(SLACK_USER.chenJing);
    const refreshed = bot.fake.nextCall('views.publish', 1);
    await bot.press(SLACK_USER.chenJing, view.blocks, 'Done', 'home');
    const again = (await refreshed).args.view as Json;
    expect(shownText(again.blocks)).not.toContain('ask about the refill');
    const latest = await bot.core.db.kysely.selectFrom('Callback').select('status').where('customerId', '=', customer.id).orderBy('id', 'desc').executeTakeFirst();
    expect(latest?.status).toBe('done');
    await bot.adapter.stop();
    expect(bot.fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('does post a card opened from the Home tab in the rep’s DM with Rapport', async () => {
    const view = await openHome(SLACK_USER.chenJing);
    const posted = bot.fake.nextCall('chat.postMessage');
    await bot.press(SLACK_USER.chenJing, view.blocks, 'Open card', 'home');
    const call = await posted;
    expect(call.args.channel).toBe('D0CHENJING');
    expect((call.args.blocks as Json[])[0]!.type).toBe('header');
  });
});

describe('linking Slack users to reps by email, through the real core', () => {
  it('does link an unlinked user whose Slack email is a rep’s, once and audited, and answer as that rep', async () => {
    bot.fake.addUser({ id: 'U0LIUYANG', email: LIU_YANG });
    const { answer } = await bot.command('U0LIUYANG', '/rapport whoami');
    expect(shownText(answer.blocks)).toContain('刘洋');
    expect(await slackUserOf(LIU_YANG)).toBe('U0LIUYANG');
    expect((await auditRows(bot.core.db)).filter((r) => r.action === 'rep.autolink')).toEqual([
      expect.objectContaining({ target: expect.stringMatching(/^rep:\d+$/), detail: JSON.stringify({ platform: 'slack', userId: 'U0LIUYANG', email: LIU_YANG }) }),
    ]);
    await bot.command('U0LIUYANG', '/callbacks');
    expect(bot.fake.callsTo('users.info')).toHaveLength(1);
  });

  it('does link on opening the Home tab too, before drawing it', async () => {
    bot.fake.addUser({ id: 'U0LIUYANG', email: LIU_YANG });
    const view = await openHome('U0LIUYANG');
    expect(shownText(view.blocks)).toContain('刘洋');
  });

  it('does answer a user whose email no rep has with the line to ask an admin for, and link nobody', async () => {
    bot.fake.addUser({ id: 'U0NEWHIRE', email: 'new.hire@example.org' });
    const { answer } = await bot.command('U0NEWHIRE', '/callbacks');
    expect(answer.text).toContain('/rapport link slack U0NEWHIRE');
    const linked = await bot.core.db.kysely.selectFrom('Rep').select((eb) => eb.fn.countAll<number>().as('n')).where('slackUserId', '=', 'U0NEWHIRE').executeTakeFirstOrThrow();
    expect(linked.n).toBe(0);
  });

  it('does not move a rep’s link to another Slack user who shows the same email', async () => {
    bot.fake.addUser({ id: 'U0IMPOSTOR', email: CHEN_JING });
    const { answer } = await bot.command('U0IMPOSTOR', '/callbacks');
    expect(answer.text).toContain('/rapport link slack U0IMPOSTOR');
    expect(await slackUserOf(CHEN_JING)).toBe(SLACK_USER.chenJing);
  });
});

describe('Socket Mode through the real core', () => {
  it('does connect out, ack a slash command envelope, answer with the card, and run a button press', async () => {
    const socket = await startSlackBot({ mode: 'socket' });
    try {
      await socket.fake.connected();
      expect(socket.fake.callsTo('apps.connections.open')[0]!.token).toBe(socket.fake.options.appToken);
      const customer = await customerWhere(socket.core.db, CHEN_JING);
      const answered = socket.fake.nextResponse();
      const ack = await socket.fake.sendEnvelope('slash_commands', {
        token: 'x',
        team_id: socket.fake.teamId,
        channel_id: 'C0SALES01',
        user_id: SLACK_USER.chenJing,
        command: '/customer',
        text: `lookup ${customer.externalId}`,
        response_url: socket.fake.responseUrl(),
        trigger_id: '1.2.3',
        api_app_id: 'A0RAPPORT',
      });
      expect(ack.payload ?? {}).toEqual({});
      const card = (await answered).body;
      expect(card).toMatchObject({ response_type: 'ephemeral' });
      expect((card.blocks as Json[])[0]!.text.text).toBe(customer.name);

      const shared = socket.fake.nextResponse();
      const share = buttonsIn(card.blocks).find((b) => b.text.text === 'Share to channel')!;
      const press = fixture('block-actions');
      Object.assign(press, { response_url: socket.fake.responseUrl(), actions: [{ ...(press.actions as Json[])[0], action_id: share.action_id, value: share.value }] });
      (press.user as Json).id = SLACK_USER.chenJing;
      (press.container as Json).is_ephemeral = true;
      await socket.fake.sendEnvelope('interactive', press);
      expect((await shared).body).toMatchObject({ response_type: 'in_channel' });
    } finally {
      await socket.stop();
    }
  });
});
