import fs from 'node:fs';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'discord');

/** A captured Discord payload from test/fixtures/discord, as a fresh copy to change. */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
}

let counter = 0;

/** Each interaction needs its own id and token: the callback URL is built from both. */
function fresh(payload: any): any {
  counter += 1;
  payload.id = String(1_310_000_000_000_100_000n + BigInt(counter));
  payload.token = `fake-token-${counter}-${'x'.repeat(40)}`;
  return payload;
}

export interface Asker {
  /** The Discord user id; default the fixture's user. */
  userId?: string;
  /** null: a DM with the bot. */
  guildId?: string | null;
  locale?: string;
}

export interface AttachmentValue {
  attachment: { filename: string; size: number; url: string; content_type?: string };
}

export type OptionInput = string | number | boolean | AttachmentValue;

/** Moves the interaction to another user, guild (or a DM) and locale, shaped as Discord does each. */
function ask(payload: any, asker: Asker): any {
  const user = { ...(payload.member?.user ?? payload.user), ...(asker.userId ? { id: asker.userId } : {}) };
  if (asker.guildId === null) {
    delete payload.member;
    delete payload.guild_id;
    delete payload.guild;
    delete payload.guild_locale;
    payload.user = user;
    payload.context = 1;
    payload.authorizing_integration_owners = { 0: '0' };
  } else {
    const member = payload.member ?? fixture('chat-input').member;
    payload.member = { ...member, user };
    delete payload.user;
    if (asker.guildId) {
      payload.guild_id = asker.guildId;
      payload.authorizing_integration_owners = { 0: asker.guildId };
    }
  }
  if (asker.locale) payload.locale = asker.locale;
  return payload;
}

function optionList(options: Record<string, OptionInput>, resolved: { attachments?: Record<string, unknown> }, focused?: string) {
  return Object.entries(options).map(([name, value]) => {
    if (typeof value === 'object') {
      const id = String(1_330_000_000_000_000_000n + BigInt(++counter));
      resolved.attachments = { ...resolved.attachments, [id]: { id, ephemeral: true, ...value.attachment } };
      return { name, type: 11, value: id };
    }
    const type = typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
    return { name, type, value, ...(name === focused ? { focused: true } : {}) };
  });
}

/** The `data` of a chat-input command: `customer lookup` → command customer, subcommand lookup. */
function commandData(command: string, options: Record<string, OptionInput>, focused?: string) {
  const [name, ...path] = command.split(' ');
  const resolved: { attachments?: Record<string, unknown> } = {};
  let leaf: unknown[] = optionList(options, resolved, focused);
  // Innermost first: `a b c` is command a, group b, subcommand c.
  path.reverse().forEach((part, i) => {
    leaf = [{ name: part, type: i === 0 ? 1 : 2, ...(leaf.length > 0 || i === 0 ? { options: leaf } : {}) }];
  });
  return { id: '1300000000000000010', name, type: 1, ...(leaf.length > 0 ? { options: leaf } : {}), ...(resolved.attachments ? { resolved } : {}) };
}

/** A slash command as Discord sends it: `chatInput('customer lookup', { who: '王芳' })`. */
export function chatInput(command: string, options: Record<string, OptionInput> = {}, asker: Asker = {}): any {
  const payload = fresh(fixture('chat-input'));
  payload.data = commandData(command, options);
  return ask(payload, asker);
}

/** Autocomplete while the user types `focused`; the other options are what is filled in so far. */
export function autocomplete(command: string, focused: string, options: Record<string, OptionInput>, asker: Asker = {}): any {
  const payload = fresh(fixture('autocomplete'));
  payload.data = commandData(command, options, focused);
  return ask(payload, asker);
}

/** A button press on a message the bot posted (ephemeral unless `messageFlags` says otherwise). */
export function button(customId: string, asker: Asker = {}, message: { id?: string; flags?: number } = {}): any {
  const payload = fresh(fixture('button'));
  payload.data = { component_type: 2, custom_id: customId };
  if (message.id) payload.message.id = message.id;
  if (message.flags !== undefined) payload.message.flags = message.flags;
  return ask(payload, asker);
}

/** A choice in a string select menu on a message. */
export function stringSelect(customId: string, values: string[], asker: Asker = {}): any {
  const payload = fresh(fixture('string-select'));
  payload.data = { component_type: 3, custom_id: customId, values };
  return ask(payload, asker);
}

export type ModalValue = string | boolean | string[];

/**
 * A modal submission with the modern Label layout: text inputs carry `value`, checkboxes a
 * boolean `value`, selects `values`. `fromMessage` is set when the modal was opened by a button.
 */
export function modalSubmit(customId: string, values: Record<string, ModalValue>, asker: Asker = {}, fromMessage?: { id: string }): any {
  const payload = fresh(fixture('modal-submit'));
  let id = 0;
  payload.data = {
    custom_id: customId,
    components: Object.entries(values).map(([field, value]) => {
      const component =
        typeof value === 'boolean'
          ? { type: 23, custom_id: field, value }
          : Array.isArray(value)
            ? { type: 3, custom_id: field, values: value }
            : { type: 4, custom_id: field, value };
      return { type: 18, id: ++id, component: { ...component, id: ++id } };
    }),
  };
  if (fromMessage) payload.message = { ...fixture('button').message, id: fromMessage.id };
  return ask(payload, asker);
}

export function ping(): any {
  return fresh(fixture('ping'));
}
