import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapters/chat-adapter.js';
import { encodeInvocation } from '../../../src/commands/options.js';
import { reply, type FormBlock, type Reply } from '../../../src/commands/reply.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { autocomplete, button, chatInput, fixture, modalSubmit, stringSelect } from '../../fakes/discord/interactions.js';
import { CALLBACK_PATH, controlled, FakeApp, interact, startGatewayAdapter, type LogLine } from './helpers.js';

const ZHANG = '53908232506183680';
const GUILD = '290926798626357999';

const card: Reply = reply.private(
  {
    type: 'card',
    title: '王芳 · C000001',
    subtitle: 'Tier A · high value',
    sections: [
      { fields: [{ label: 'Churn risk', value: '12%' }, { label: 'Owner', value: 'Zhang Wei', mention: { name: 'Zhang Wei', addresses: { discord: ZHANG } } }] },
      { title: 'Contact', fields: [{ label: 'Phone', value: '+8613812345678' }] },
    ],
    footer: 'Next step: call about the refill',
  },
  {
    type: 'actions',
    actions: [
      { kind: 'command', label: 'Schedule callback', style: 'primary', invocation: { command: 'callback', options: { who: 1 } }, typed: '/callback C000001 <when>' },
      { kind: 'command', label: 'Share to channel', invocation: { command: 'customer share', options: { who: 1 } }, typed: '/customer share C000001' },
    ],
  },
);

const noteForm: FormBlock = {
  type: 'form',
  title: 'Log a note for 王芳',
  submitLabel: 'Save',
  invocation: { command: 'customer note', options: { who: 1 } },
  typed: '/customer note C000001 <text>',
  fields: [
    { option: 'text', label: 'Note', kind: 'multiline', required: true, maxLength: 2000 },
    { option: 'complaint', label: 'Complaint', kind: 'checkbox', required: false },
    { option: 'satisfaction', label: 'Satisfaction', kind: 'rating', required: false },
  ],
};

describe('Discord interactions through the gateway', () => {
  let fake: FakeDiscord;
  let app: FakeApp;
  let adapter: ChatAdapter;
  let lines: LogLine[];

  async function start(extra: Parameters<typeof startGatewayAdapter>[2] = {}) {
    ({ adapter, lines } = await startGatewayAdapter(fake, app, { deferAfterMs: 2_000, ...extra }));
  }

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    app = new FakeApp();
  });

  afterEach(async () => {
    await adapter?.stop();
    await fake.stop();
  });

  it('does answer a slash command with an ephemeral embed and buttons when the core replies privately', async () => {
    app.onDispatch = async () => card;
    await start();
    const callback = await interact(fake, chatInput('customer lookup', { who: '王芳' }));
    expect(app.calls).toEqual([{ method: 'dispatch', input: { platform: 'discord', userId: ZHANG, command: 'customer lookup', options: { who: '王芳' } } }]);
    expect(callback.body.type).toBe(4);
    const data = callback.body.data;
    expect(data.flags).toBe(64);
    expect(data.embeds).toHaveLength(1);
    expect(data.embeds[0]).toMatchObject({
      title: '王芳 · C000001',
      description: 'Tier A · high value',
      footer: { text: 'Next step: call about the refill' },
    });
    expect(data.embeds[0].fields).toEqual([
      { name: 'Churn risk', value: '12%', inline: true },
      { name: 'Owner', value: `<@${ZHANG}>`, inline: true },
      { name: 'Contact', value: '\u200b', inline: false },
      { name: 'Phone', value: '+8613812345678', inline: true },
    ]);
    expect(data.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Schedule callback', custom_id: encodeInvocation({ command: 'callback', options: { who: 1 } }) },
          { type: 2, style: 2, label: 'Share to channel', custom_id: encodeInvocation({ command: 'customer share', options: { who: 1 } }) },
        ],
      },
    ]);
    // A mention inside an embed never pings; nothing in the content may either.
    expect(data.allowed_mentions).toEqual({ parse: [], users: [] });
  });

  it('does post a channel reply for everyone (no ephemeral flag) when the core replies to the channel', async () => {
    app.onDispatch = async () => reply.channel({ type: 'text', text: 'Digest sent' });
    await start();
    const callback = await interact(fake, chatInput('digest'));
    expect(callback.body).toMatchObject({ type: 4, data: { content: 'Digest sent' } });
    expect(callback.body.data.flags).toBeUndefined();
  });

  it('does run the bare command of a group as its `new` subcommand, with a picked customer as the core named it', async () => {
    await start();
    await interact(fake, chatInput('callback new', { who: '#42', when: 'tomorrow 10am', note: 'refill' }));
    expect(app.calls[0]).toEqual({
      method: 'dispatch',
      input: { platform: 'discord', userId: ZHANG, command: 'callback', options: { who: '#42', when: 'tomorrow 10am', note: 'refill' } },
    });
  });

  it('does keep a typed all-digit customer as text when it was not picked from autocomplete', async () => {
    await start();
    await interact(fake, chatInput('customer lookup', { who: '42' }));
    expect(app.calls[0]).toMatchObject({ input: { options: { who: '42' } } });
  });

  it('does defer privately in time and then edit the original when the core answers late', async () => {
    const late = controlled<Reply>();
    app.onDispatch = () => late.promise;
    await start({ deferAfterMs: 30 });
    const payload = chatInput('callbacks');
    const deferral = await interact(fake, payload);
    expect(deferral.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(fake.matching({ method: 'PATCH', path: /@original$/ })).toHaveLength(0);
    late.resolve(reply.text('Your callbacks: none'));
    const edit = await fake.nextRequest({ method: 'PATCH', path: new RegExp(`^/webhooks/${fake.applicationId}/${payload.token}/messages/@original$`) });
    expect(edit.body).toMatchObject({ content: 'Your callbacks: none', embeds: [], components: [], attachments: [] });
    expect(edit.headers.authorization).toBeUndefined();
  });

  it('does offer at most 25 autocomplete choices, with the values the core gave, when the core suggests more', async () => {
    app.onComplete = async () => Array.from({ length: 40 }, (_, i) => ({ label: `王芳 ${i} (C${i})`, value: `#${i + 1}` }));
    await start();
    const callback = await interact(fake, autocomplete('customer lookup', 'who', { who: '王' }));
    expect(app.calls).toEqual([
      { method: 'complete', input: { platform: 'discord', userId: ZHANG, command: 'customer lookup', option: 'who', prefix: '王', options: {} } },
    ]);
    expect(callback.body.type).toBe(8);
    expect(callback.body.data.choices).toHaveLength(25);
    expect(callback.body.data.choices[0]).toEqual({ name: '王芳 0 (C0)', value: '#1' });
  });

  it('does pass the options filled so far to autocomplete and answer with no choices when the core is too slow', async () => {
    app.onComplete = () => new Promise(() => undefined);
    await start({ deferAfterMs: 30 });
    const callback = await interact(fake, autocomplete('customer list', 'rep', { tier: 'a', rep: 'zh' }));
    expect(app.calls[0]).toMatchObject({ input: { command: 'customer list', option: 'rep', prefix: 'zh', options: { tier: 'a' } } });
    expect(callback.body).toEqual({ type: 8, data: { choices: [] } });
  });

  it('does hand a button press to handleAction and update its message when the reply replaces it', async () => {
    const payload = encodeInvocation({ command: 'callback done', options: { id: 12 }, nudgeId: 7 });
    app.onAction = async () => ({ ...reply.text('Callback #12 is done.', 'success'), placement: 'replace' });
    await start();
    const callback = await interact(fake, button(payload));
    expect(app.calls).toEqual([{ method: 'handleAction', input: { platform: 'discord', userId: ZHANG, payload } }]);
    expect(callback.body).toMatchObject({ type: 7, data: { content: '✅ Callback #12 is done.', attachments: [] } });
  });

  it('does defer a slow button as an update and then edit its message when the reply replaces it', async () => {
    const late = controlled<Reply>();
    app.onAction = () => late.promise;
    await start({ deferAfterMs: 30 });
    const payload = button(encodeInvocation({ command: 'callback done', options: { id: 12 } }));
    const deferral = await interact(fake, payload);
    expect(deferral.body).toEqual({ type: 6 });
    late.resolve({ ...reply.text('Done.'), placement: 'replace' });
    const edit = await fake.nextRequest({ method: 'PATCH', path: new RegExp(`/${payload.token}/messages/@original$`) });
    expect(edit.body).toMatchObject({ content: 'Done.' });
  });

  it('does defer a slow button as an update and then follow up privately when the reply is new', async () => {
    const late = controlled<Reply>();
    app.onAction = () => late.promise;
    await start({ deferAfterMs: 30 });
    const payload = button(encodeInvocation({ command: 'customer lookup', options: { who: 1 } }));
    await interact(fake, payload);
    late.resolve(card);
    const followUp = await fake.nextRequest({ method: 'POST', path: new RegExp(`^/webhooks/${fake.applicationId}/${payload.token}$`) });
    expect(followUp.body).toMatchObject({ flags: 64, embeds: [expect.objectContaining({ title: '王芳 · C000001' })] });
    expect(fake.matching({ method: 'PATCH', path: /@original$/ })).toEqual([]);
  });

  it('does resend a reply as plain text when Discord refuses the rendered one', async () => {
    app.onDispatch = async () => card;
    fake.errorNext({ method: 'POST', path: CALLBACK_PATH }, 400, 50035, 'Invalid Form Body');
    await start();
    const payload = chatInput('customer lookup', { who: '王芳' });
    fake.gateway.dispatch('INTERACTION_CREATE', payload);
    const retry = await fake.nextRequest({ method: 'POST', path: CALLBACK_PATH }, 2);
    expect(retry.body.type).toBe(4);
    expect(retry.body.data.embeds).toEqual([]);
    expect(retry.body.data.content).toContain('王芳 · C000001');
    expect(retry.body.data.content).toContain('→ Schedule callback: /callback C000001 <when>');
    expect(retry.body.data.flags).toBe(64);
    expect(lines.some((l) => l.msg === 'Discord refused a rendered reply; sending it as text')).toBe(true);
  });

  it('does not put a private reply over a message the whole channel sees, answering privately instead', async () => {
    app.onAction = async () => ({ ...card, placement: 'replace' });
    await start();
    const callback = await interact(fake, button(encodeInvocation({ command: 'customer lookup', options: { who: 1 } }), {}, { flags: 0 }));
    expect(callback.body.type).toBe(4);
    expect(callback.body.data.flags).toBe(64);
  });

  it('does open a modal for a form and run submitForm with typed values when it is submitted', async () => {
    app.onAction = async () => reply.private(noteForm);
    await start();
    const opened = await interact(fake, button(encodeInvocation({ command: 'customer note', options: { who: 1 } })));
    expect(opened.body.type).toBe(9);
    const modal = opened.body.data;
    expect(modal).toMatchObject({ custom_id: encodeInvocation(noteForm.invocation), title: 'Log a note for 王芳' });
    expect(modal.components).toEqual([
      { type: 18, label: 'Note', component: { type: 4, custom_id: 'multiline:text', style: 2, required: true, max_length: 2000 } },
      { type: 18, label: 'Complaint', component: { type: 23, custom_id: 'checkbox:complaint', default: false } },
      {
        type: 18,
        label: 'Satisfaction',
        component: expect.objectContaining({ type: 3, custom_id: 'rating:satisfaction', required: false, options: expect.arrayContaining([expect.objectContaining({ value: '5' })]) }),
      },
    ]);
    app.onForm = async () => reply.text('Noted for 王芳.', 'success');
    const submitted = await interact(fake, modalSubmit(modal.custom_id, { 'multiline:text': 'Called, wants the refill', 'checkbox:complaint': true, 'rating:satisfaction': ['4'] }));
    expect(app.calls[1]).toEqual({
      method: 'submitForm',
      input: { platform: 'discord', userId: ZHANG, payload: modal.custom_id, values: { text: 'Called, wants the refill', complaint: true, satisfaction: 4 } },
    });
    expect(submitted.body).toMatchObject({ type: 4, data: { content: '✅ Noted for 王芳.', flags: 64 } });
  });

  it('does read a modal in the older action-row layout too', async () => {
    await start();
    const payload = modalSubmit(encodeInvocation(noteForm.invocation), {});
    payload.data.components = [{ type: 1, components: [{ type: 4, custom_id: 'multiline:text', value: 'old layout' }] }];
    await interact(fake, payload);
    expect(app.calls[0]).toMatchObject({ method: 'submitForm', input: { values: { text: 'old layout' } } });
  });

  it('does submit a one-field form from a select menu on the message', async () => {
    const snooze: FormBlock = {
      type: 'form',
      title: 'Snooze until',
      submitLabel: 'Snooze',
      invocation: { command: 'callback snooze', options: { id: 12 } },
      typed: '/callback snooze 12 <when>',
      fields: [{ option: 'when', label: 'Until', kind: 'datetime', required: true, choices: [{ value: 'in 1 hour', label: 'In 1 hour' }, { value: 'tomorrow 9:00', label: 'Tomorrow 9:00' }] }],
    };
    // A late reply cannot open a modal: the form arrives as a select menu on the message.
    const late = controlled<Reply>();
    app.onDispatch = () => late.promise;
    await start({ deferAfterMs: 30 });
    const payload = chatInput('callbacks');
    await interact(fake, payload);
    late.resolve(reply.private({ type: 'text', text: 'Callback #12' }, snooze));
    const edit = await fake.nextRequest({ method: 'PATCH', path: /@original$/ });
    const select = edit.body.components[0].components[0];
    expect(select).toMatchObject({ type: 3, custom_id: encodeInvocation(snooze.invocation), placeholder: 'Until' });
    expect(select.options.map((o: { value: string }) => o.value)).toEqual(['datetime:when=in 1 hour', 'datetime:when=tomorrow 9:00']);
    await interact(fake, stringSelect(select.custom_id, ['datetime:when=tomorrow 9:00']));
    expect(app.calls.at(-1)).toEqual({
      method: 'submitForm',
      input: { platform: 'discord', userId: ZHANG, payload: select.custom_id, values: { when: 'tomorrow 9:00' } },
    });
  });

  it('does answer one line and ask the core nothing when the server is not set up', async () => {
    app.serves = (guildId) => guildId === '111111111111111111';
    await start();
    const callback = await interact(fake, chatInput('customer lookup', { who: '王芳' }));
    expect(callback.body).toEqual({
      type: 4,
      data: { content: `Rapport is not set up for this server (id ${GUILD}). A Rapport admin adds it with /rapport settings guild add ${GUILD}, in a DM with the bot.`, flags: 64 },
    });
    const suggestions = await interact(fake, autocomplete('customer lookup', 'who', { who: '王' }));
    expect(suggestions.body).toEqual({ type: 8, data: { choices: [] } });
    expect(app.calls).toEqual([]);
  });

  it('does take commands in a DM with the bot, answering in the user’s language', async () => {
    app.serves = () => false;
    await start();
    app.onDispatch = async () => reply.text('没有待办回访');
    const callback = await interact(fake, fixture('chat-input-dm'));
    expect(app.calls[0]).toEqual({ method: 'dispatch', input: { platform: 'discord', userId: ZHANG, command: 'callbacks', options: {} } });
    expect(callback.body).toMatchObject({ type: 4, data: { content: '没有待办回访', flags: 64 } });
  });

  it('does hand an attached CSV to the core as an upload read only when the core asks', async () => {
    const csv = Buffer.from('external_id,name\nC1,王芳\n');
    const url = fake.hostFile('customers.csv', csv);
    let read: Uint8Array | undefined;
    app.onDispatch = async (input) => {
      expect(fake.matching({ method: 'GET', path: /customers\.csv/ })).toEqual([]);
      read = await input.files!.file!.read();
      return reply.text('imported');
    };
    await start();
    const callback = await interact(
      fake,
      chatInput('customer import', { kind: 'customers', file: { attachment: { filename: 'customers.csv', size: csv.length, url, content_type: 'text/csv' } }, dry_run: true }),
    );
    expect(app.calls).toHaveLength(1);
    expect(app.calls[0]).toMatchObject({ method: 'dispatch', input: { command: 'customer import', options: { kind: 'customers', file: 'customers.csv', dry_run: true } } });
    expect(Buffer.from(read!).equals(csv)).toBe(true);
    expect(callback.body).toMatchObject({ type: 4, data: { content: 'imported' } });
  });

  it('does refuse to read an upload over the limit with one line naming the sizes', async () => {
    const url = fake.hostFile('orders.csv', Buffer.alloc(300, 'x'));
    const errors: string[] = [];
    app.onDispatch = async (input) => {
      await input.files!.file!.read().catch((error: Error) => errors.push(error.message));
      return reply.text('read');
    };
    await start({ uploadLimitBytes: 100 });
    await interact(fake, chatInput('customer import', { kind: 'orders', file: { attachment: { filename: 'orders.csv', size: 2_500_000, url } } }));
    // Discord said 50 bytes, but more arrives: the download stops at the limit.
    await interact(fake, chatInput('customer import', { kind: 'orders', file: { attachment: { filename: 'orders.csv', size: 50, url } } }));
    expect(errors).toEqual(['orders.csv is 2.4 MB; chat takes files up to 1 KB.', 'orders.csv is 1 KB; chat takes files up to 1 KB.']);
  });

  it('does say the download failed, and ask for the file again, when the CDN does not serve it', async () => {
    const errors: string[] = [];
    app.onDispatch = async (input) => {
      await input.files!.file!.read().catch((error: Error) => errors.push(error.message));
      return reply.text('read');
    };
    await start();
    const gone = fake.hostFile('customers.csv', Buffer.from('x')).replace('/attachments/', '/attachments/gone-');
    await interact(fake, chatInput('customer import', { kind: 'customers', file: { attachment: { filename: 'customers.csv', size: 1, url: gone } } }));
    expect(errors).toEqual(['I could not download customers.csv from Discord (HTTP 404). Please upload it again.']);
  });

  it('does pass unknown commands, forged buttons, oversize options and unknown users to the core without failing', async () => {
    await start();
    const forged = 'x'.repeat(100);
    await interact(fake, button(forged));
    await interact(fake, chatInput('rm -rf', { everything: true }));
    const oversize = await interact(fake, chatInput('customer lookup', { who: '王'.repeat(6001) }));
    await interact(fake, chatInput('callbacks', {}, { userId: '999999999999999999' }));
    expect(app.calls.map((c) => c.method)).toEqual(['handleAction', 'dispatch', 'dispatch']);
    expect(app.calls[0]).toMatchObject({ input: { payload: forged } });
    expect(app.calls[1]).toMatchObject({ input: { command: 'rm -rf', options: { everything: true } } });
    expect(app.calls[2]).toMatchObject({ input: { userId: '999999999999999999' } });
    // Longer than Discord ever sends: refused at the edge with one line, the core never sees it.
    expect(oversize.body.data.content).toMatch(/^Something went wrong on our side/);
  });

  it('does still answer with one line when the core throws despite its promise not to', async () => {
    app.onDispatch = async () => {
      throw new Error('boom');
    };
    await start();
    const callback = await interact(fake, chatInput('callbacks'));
    expect(callback.body).toMatchObject({ type: 4, data: { content: '⚠️ Something went wrong on our side while answering. It has been logged; please try again.', flags: 64 } });
    expect(lines.some((l) => l.msg === 'the core threw while answering a Discord interaction')).toBe(true);
  });
});
