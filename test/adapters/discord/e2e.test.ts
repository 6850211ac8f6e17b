import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../../src/i18n/index.js';
import { runJob } from '../../../src/scheduler/scheduler.js';
import { autocomplete, button, chatInput, fixture, modalSubmit } from '../../fakes/discord/interactions.js';
import { customerWhere, LI_NA, LIU_YANG, withContacts, ZHANG_WEI } from '../../commands/helpers.js';
import { DISCORD_USERS, startDiscordBot, type DiscordBot } from './bot.js';
import { interact } from './helpers.js';


const zh = translator('zh-CN');

/** Every button of a message body, by label. */
function buttons(body: { components?: { components: { label?: string; custom_id?: string; type: number }[] }[] }) {
  return (body.components ?? []).flatMap((row) => row.components).filter((c) => c.type === 2);
}

function buttonLabelled(body: Parameters<typeof buttons>[0], label: string): string {
  const found = buttons(body).find((b) => b.label === label || b.label?.endsWith(` · ${label}`));
  if (!found?.custom_id) throw new Error(`no button "${label}" in ${JSON.stringify(buttons(body).map((b) => b.label))}`);
  return found.custom_id;
}

const storedCallback = (bot: DiscordBot, id: number) => bot.db.kysely.selectFrom('Callback').select(['status', 'dueAt']).where('id', '=', id).executeTakeFirst();

/**
 * 张伟 schedules a callback on Discord; an hour later the scheduler DMs the ping. Returns the
 * callback, the ping as posted, and where it was posted (the reference stored on the nudge).
 */
async function pingedCallback(bot: DiscordBot) {
  const customer = await customerWhere(bot.db, ZHANG_WEI);
  const scheduled = await interact(bot.fake, chatInput('callback new', { who: customer.externalId, when: 'in 1 hour', note: 'refill' }));
  const callbackId = Number(/#(\d+)/.exec(scheduled.body.data.content)![1]);
  bot.clock.advance(3_600_000);
  await runJob('plan-callbacks', bot.clock.now(), bot.scheduler);
  await runJob('deliver', bot.clock.now(), bot.scheduler);
  const pings = await bot.db.kysely.selectFrom('Nudge').select(['id', 'messageChannel', 'messageId', 'payload']).where('kind', '=', 'callback').orderBy('id').execute();
  const nudge = pings.find((n) => (JSON.parse(n.payload) as { callbackId?: number }).callbackId === callbackId) as { id: number; messageChannel: string; messageId: string };
  const posted = await bot.fake.nextRequest({ method: 'POST', path: new RegExp(`^/channels/${nudge.messageChannel}/messages$`) });
  return { callbackId, customer, nudge, ping: posted.body };
}

describe('Discord against the real core', () => {
  let bot: DiscordBot;
  afterEach(async () => bot?.stop());

  it('does answer /customer lookup with the card as an ephemeral embed, and share it to the channel without contact data', async () => {
    bot = await startDiscordBot();
    const customer = await customerWhere(bot.db, ZHANG_WEI, withContacts);
    const looked = await interact(bot.fake, chatInput('customer lookup', { who: customer.externalId }));
    expect(looked.body.type).toBe(4);
    const card = looked.body.data;
    expect(card.flags).toBe(64);
    expect(card.embeds[0].title).toContain(customer.name);
    const fields = JSON.stringify(card.embeds[0].fields);
    expect(fields).toContain(customer.phone);
    expect(fields).toContain(customer.email);
    const shared = await interact(bot.fake, button(buttonLabelled(card, zh('buttons.share'))));
    expect(shared.body.type).toBe(4);
    expect(shared.body.data.flags).toBeUndefined();
    expect(shared.body.data.embeds[0].title).toContain(customer.name);
    expect(JSON.stringify(shared.body.data)).not.toContain(customer.phone);
    expect(JSON.stringify(shared.body.data)).not.toContain(customer.email);
  });

  it('does complete customers from the asker’s book only, at most 25, and look up the one picked', async () => {
    bot = await startDiscordBot();
    const owner = async (id: number) =>
      (await bot.db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('r.email').where('c.id', '=', id).executeTakeFirst())?.email;
    const all = await interact(bot.fake, autocomplete('customer lookup', 'who', { who: '' }));
    expect(all.body.type).toBe(8);
    const choices: { name: string; value: string }[] = all.body.data.choices;
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const choice of choices) expect(await owner(Number(choice.value.slice(1)))).toBe(ZHANG_WEI);
    // Another rep's customer, by the start of its name: not offered.
    const foreign = await customerWhere(bot.db, LIU_YANG);
    const typed = await interact(bot.fake, autocomplete('customer lookup', 'who', { who: foreign.externalId }));
    expect(typed.body.data.choices).toEqual([]);
    const picked = choices[0]!;
    const looked = await interact(bot.fake, chatInput('customer lookup', { who: picked.value }));
    expect(looked.body.data.embeds[0].title).toContain(picked.name.replace(/ \(.*\)$/, ''));
  });

  it('does tell a rep that /digest is for managers, and give a manager the digest', async () => {
    bot = await startDiscordBot();
    const refused = await interact(bot.fake, chatInput('digest'));
    expect(refused.body).toMatchObject({ type: 4, data: { flags: 64, content: `⚠️ ${zh('common.forbidden', { role: zh('role.manager'), command: '/digest' })}` } });
    const digest = await interact(bot.fake, chatInput('digest', {}, { userId: DISCORD_USERS[LI_NA] }));
    expect(digest.body.type).toBe(4);
    // The chart travels as an attachment and shows inside its embed.
    expect(digest.files.map((f) => f.contentType)).toEqual(['image/png']);
    expect(digest.body.data.embeds.map((e: { image?: { url: string } }) => e.image?.url)).toContain(`attachment://${digest.files[0]!.name}`);
  });

  it('does update the ping in place when Done is pressed on it, editing it once', async () => {
    bot = await startDiscordBot();
    const { callbackId, nudge, ping } = await pingedCallback(bot);
    const done = buttonLabelled(ping, zh('scheduler.actions.done'));
    const pressed = await interact(bot.fake, button(done, { guildId: null }, { id: nudge.messageId, flags: 0 }));
    expect(pressed.body.type).toBe(7);
    expect(pressed.body.data.content).toContain(`#${callbackId}`);
    expect((await storedCallback(bot, callbackId))?.status).toBe('done');
    // The press itself replaced the message; no second edit of the same message over REST.
    await interact(bot.fake, chatInput('callbacks'));
    expect(bot.fake.matching({ method: 'PATCH', path: new RegExp(`/messages/${nudge.messageId}$`) })).toEqual([]);
  });

  it('does update the ping where it was posted when the callback is done by typing /callback done', async () => {
    bot = await startDiscordBot();
    const { callbackId, nudge } = await pingedCallback(bot);
    const typed = await interact(bot.fake, chatInput('callback done', { id: callbackId }));
    expect(typed.body).toMatchObject({ type: 4, data: { flags: 64 } });
    const edit = await bot.fake.nextRequest({ method: 'PATCH', path: new RegExp(`^/channels/${nudge.messageChannel}/messages/${nudge.messageId}$`) });
    expect(edit.body.content).toContain(`#${callbackId}`);
    expect(edit.body.components).toEqual([]);
  });

  it('does ask for a new time in a modal when Reschedule is pressed on a ping, and move the callback to it', async () => {
    bot = await startDiscordBot();
    const { callbackId, nudge, ping } = await pingedCallback(bot);
    const reschedule = buttonLabelled(ping, zh('scheduler.actions.reschedule'));
    const opened = await interact(bot.fake, button(reschedule, { guildId: null }, { id: nudge.messageId, flags: 0 }));
    expect(opened.body, JSON.stringify(opened.body)).toMatchObject({ type: 9 });
    const modal = opened.body.data;
    const field = modal.components[0].component;
    expect(field.custom_id).toBe('datetime:when');
    expect(field.options.map((o: { value: string }) => o.value)).toContain('tomorrow 9:00');
    const before = (await storedCallback(bot, callbackId))!.dueAt;
    const submitted = await interact(bot.fake, modalSubmit(modal.custom_id, { 'datetime:when': ['tomorrow 9:00'] }, { guildId: null }, { id: nudge.messageId }));
    // The ping is redrawn in place with its new time.
    expect(submitted.body, JSON.stringify(submitted.body)).toMatchObject({ type: 7 });
    const after = (await storedCallback(bot, callbackId))!.dueAt;
    expect(after).toBeGreaterThan(before);
  });

  it('does open Log note on a card as a modal and save what is submitted through the same command code', async () => {
    bot = await startDiscordBot();
    const customer = await customerWhere(bot.db, ZHANG_WEI);
    const card = (await interact(bot.fake, chatInput('customer lookup', { who: customer.externalId }))).body.data;
    const opened = await interact(bot.fake, button(buttonLabelled(card, zh('buttons.note'))));
    expect(opened.body.type).toBe(9);
    const modal = opened.body.data;
    expect(modal.components.map((c: { component: { custom_id: string } }) => c.component.custom_id)).toEqual(['multiline:text', 'checkbox:complaint', 'rating:satisfaction', 'choice:kind']);
    const saved = await interact(bot.fake, modalSubmit(modal.custom_id, { 'multiline:text': 'Called, wants the *big* refill', 'checkbox:complaint': false, 'rating:satisfaction': ['4'], 'choice:kind': ['call'] }));
    expect(saved.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(saved.body.data.content).toContain(customer.name);
    const note = await bot.db.kysely.selectFrom('Interaction').select(['text', 'satisfaction', 'kind']).where('customerId', '=', customer.id).orderBy('id', 'desc').executeTakeFirst();
    expect(note).toEqual({ text: 'Called, wants the *big* refill', satisfaction: 4, kind: 'call' });
  });

  it('does answer in a DM with the bot as in a server', async () => {
    bot = await startDiscordBot();
    const dm = fixture('chat-input-dm');
    const answered = await interact(bot.fake, dm);
    expect(dm.guild_id).toBeUndefined();
    expect(answered.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(answered.body.data)).toContain(zh('callback.agenda.title'));
  });
});
