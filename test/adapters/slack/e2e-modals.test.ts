import { describe, expect, it } from 'vitest';
import { CHEN_JING, customerWhere, MAX, NOW, ZHANG_WEI } from '../../commands/helpers.js';
import type { Json } from './harness.js';
import { buttonsIn, type SlackBot, SLACK_USER, shownText, slackBotPerTest } from './slack-bot.js';

let bot: SlackBot;
slackBotPerTest((started) => {
  bot = started;
});

/** A lookup card, and the modal one of its buttons opens (the real core's form). */
async function openFromCard(userId: string, externalId: string, label: string): Promise<{ view: Json; opened: Awaited<ReturnType<SlackBot['fake']['nextCall']>> }> {
  const { answer } = await bot.command(userId, `/customer lookup ${externalId}`);
  const opening = bot.fake.nextCall('views.open');
  await bot.press(userId, answer.blocks, label);
  const opened = await opening;
  return { view: opened.args.view as Json, opened };
}

const inputs = (view: Json) => (view.blocks as Json[]).map((b) => [b.block_id, b.element.type, b.optional]);
const selected = (value: string) => ({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } });
const callbacksOf = (customerId: number) =>
  bot.core.db.kysely.selectFrom('Callback').select(['ownerId', 'dueAt', 'timed', 'note', 'source', 'status']).where('customerId', '=', customerId).orderBy('id').execute();

describe('Slack modals from the real core’s forms', () => {
  it('does log a note with the complaint box and a satisfaction rating, through the same command as typing it', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    const { view, opened } = await openFromCard(SLACK_USER.chenJing, customer.externalId, 'Log note');
    expect(view).toMatchObject({ type: 'modal', callback_id: 'rapport:form', title: { text: 'Log a note' }, submit: { text: 'Save' } });
    expect(inputs(view)).toEqual([
      ['text', 'plain_text_input', false],
      ['complaint', 'checkboxes', true],
      ['satisfaction', 'static_select', true],
      ['kind', 'static_select', true],
    ]);
    expect((view.blocks as Json[])[3]!.element.options.map((o: Json) => o.value)).toEqual(['call', 'visit', 'message', 'email']);
    expect((view.blocks as Json[])[0]!.element).toMatchObject({ multiline: true, max_length: 3000 });
    expect((view.blocks as Json[])[2]!.element.options.map((o: Json) => o.value)).toEqual(['1', '2', '3', '4', '5']);
    // The card's message stays as it was: the modal is the answer to the press.
    expect(bot.fake.responses).toHaveLength(1);

    const answered = bot.fake.nextResponse();
    const ack = await bot.submit(SLACK_USER.chenJing, opened, {
      text: { multiline: { type: 'plain_text_input', value: 'Machine arrived damaged & <late>' } },
      complaint: { checkbox: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'complaint' }, value: 'true' }] } },
      satisfaction: { rating: selected('2') },
    });
    expect(ack).toMatchObject({ status: 200, body: '' });
    const body = (await answered).body;
    expect(body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(customer.name) });
    expect(body.text).not.toMatch(/^! /);
    const logged = await bot.core.db.kysely.selectFrom('Interaction').select(['kind', 'text', 'satisfaction']).where('customerId', '=', customer.id).orderBy('id', 'desc').executeTakeFirst();
    expect(logged).toEqual({ kind: 'complaint', text: 'Machine arrived damaged & <late>', satisfaction: 2 });
    // A complaint opens a ticket with a deadline, as the typed command does, and offers to resolve it.
    expect(await bot.core.db.kysely.selectFrom('Ticket').select('status').where('customerId', '=', customer.id).orderBy('id').execute()).toEqual([{ status: 'open' }]);
    expect(buttonsIn(body.blocks).map((b) => b.text.text)).toEqual(['Resolve']);
  });

  it('does schedule a callback at the instant picked in the date-time picker, shown in the rep’s own zone', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const { view, opened } = await openFromCard(SLACK_USER.max, customer.externalId, 'Schedule callback');
    expect(view.title.text).toBe('Schedule a callback');
    expect(inputs(view)).toEqual([
      ['when', 'static_select', true],
      ['when#pick', 'datetimepicker', true],
      ['note', 'plain_text_input', true],
    ]);
    expect((view.blocks as Json[])[0]!.element.options.map((o: Json) => o.value)).toContain('tomorrow 9:00');
    // Slack shows the picker in the user's own Slack time zone and submits an instant: 10:00 in Berlin tomorrow.
    const picked = Date.parse('2026-11-24T09:00:00Z');
    const answered = bot.fake.nextResponse();
    await bot.submit(SLACK_USER.max, opened, {
      when: { preset: { type: 'static_select', selected_option: null } },
      'when#pick': { pick: { type: 'datetimepicker', selected_date_time: picked / 1000 } },
      note: { multiline: { type: 'plain_text_input', value: 'ask about the refill' } },
    });
    const { id } = await bot.core.db.kysely.selectFrom('Callback').select((eb) => eb.fn.max('id').as('id')).where('customerId', '=', customer.id).executeTakeFirstOrThrow();
    expect((await answered).body.text).toMatch(new RegExp(`^Callback #${id} with ${customer.name}: .*\\b10:00\\b`));
    expect(await callbacksOf(customer.id)).toEqual([expect.objectContaining({ dueAt: picked, timed: true, note: 'ask about the refill', status: 'open' })]);
  });

  it('does take a preset instead of a picked time, read in the rep’s zone, and refuse a form with neither', async () => {
    const customer = await customerWhere(bot.core.db, CHEN_JING);
    const { opened } = await openFromCard(SLACK_USER.chenJing, customer.externalId, 'Schedule callback');
    const refused = await bot.submit(SLACK_USER.chenJing, opened, { when: { preset: { type: 'static_select', selected_option: null } } });
    expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { when: 'Please fill this in.' } });
    expect(await callbacksOf(customer.id)).toEqual([]);
    const answered = bot.fake.nextResponse();
    await bot.submit(SLACK_USER.chenJing, opened, { when: { preset: selected('tomorrow 9:00') } });
    await answered;
    // 09:00 tomorrow in Shanghai, where 陈静 works (the demo's now is Monday 09:30 there).
    expect(NOW.toISOString()).toBe('2026-11-23T01:30:00.000Z');
    expect(await callbacksOf(customer.id)).toEqual([expect.objectContaining({ dueAt: Date.parse('2026-11-24T01:00:00Z'), timed: true })]);
  });

  it('does offer a manager only their own team’s reps to reassign to, and refuse a forged rep from another team', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const { view, opened } = await openFromCard(SLACK_USER.anna, customer.externalId, 'Reassign');
    expect(view.title.text).toBe('Reassign a customer');
    const choices = (view.blocks as Json[])[0]!.element.options.map((o: Json) => o.text.text);
    expect(choices).toEqual(['Anna Schmidt', 'Max Weber', 'Sophie Müller']);
    const { id: zhangWei } = await bot.core.db.kysely.selectFrom('Rep').select('id').where('email', '=', ZHANG_WEI).executeTakeFirstOrThrow();
    const forged = bot.fake.nextResponse();
    await bot.submit(SLACK_USER.anna, opened, { rep: { rep: selected(String(zhangWei)) } });
    expect((await forged).body.text).toMatch(/^! /);
    const owner = async () =>
      (await bot.core.db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('r.name').where('c.id', '=', customer.id).executeTakeFirst())?.name;
    expect(await owner()).toBe('Max Weber');
    const sophie = (view.blocks as Json[])[0]!.element.options.find((o: Json) => o.text.text === 'Sophie Müller').value as string;
    const answered = bot.fake.nextResponse();
    await bot.submit(SLACK_USER.anna, opened, { rep: { rep: selected(sophie) } });
    expect(shownText((await answered).body.blocks)).toContain('Sophie Müller');
    expect(await owner()).toBe('Sophie Müller');
  });

  it('does not offer a rep the Reassign button, and refuses the forged press politely', async () => {
    const customer = await customerWhere(bot.core.db, MAX);
    const { answer } = await bot.command(SLACK_USER.max, `/customer lookup ${customer.externalId}`);
    expect(shownText(answer.blocks)).not.toContain('Reassign');
    const refused = bot.fake.nextResponse();
    await bot.press(SLACK_USER.max, [{ type: 'actions', elements: [{ type: 'button', action_id: 'rapport:cmd:9', text: { type: 'plain_text', text: 'Reassign' }, value: `1{"c":"customer assign","o":{"who":${customer.id}}}` }] }], 'Reassign');
    expect((await refused).body.text).toMatch(/^! .*manager/);
    expect(bot.fake.callsTo('views.open')).toEqual([]);
  });
});
