import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applicationCommands, BARE_SUBCOMMAND, commandRoutes } from '../../../src/adapters/discord/application-commands.js';
import { runDiscordRegister } from '../../../src/adapters/discord/register-commands.js';
import type { CommandInfo } from '../../../src/commands/app.js';
import { commandText } from '../../../src/commands/command.js';
import type { OptionSpec } from '../../../src/commands/options.js';
import { translator } from '../../../src/i18n/index.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { commandHarness, type CommandHarness } from '../../commands/helpers.js';
import { engineOfRun } from '../../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../../helpers/engines.js';

interface RegisteredOption {
  type: number;
  name: string;
  description: string;
  description_localizations: Record<string, string>;
  name_localizations?: Record<string, string>;
  required?: boolean;
  choices?: { name: string; value: string; name_localizations?: Record<string, string> }[];
  autocomplete?: boolean;
  min_value?: number;
  max_value?: number;
  max_length?: number;
  options?: RegisteredOption[];
}

const OPTION_TYPE: Record<OptionSpec['type'], number> = { text: 3, customer: 3, rep: 3, time: 3, choice: 3, number: 4, boolean: 5, attachment: 11 };
const en = translator('en');
const zh = translator('zh-CN');
const cut = (text: string) => (text.length <= 100 ? text : `${text.slice(0, 99)}…`);

/** The registered options of a Discord path: `customer lookup` → the `lookup` subcommand's options. */
function optionsAt(payload: RegisteredOption[], path: string): RegisteredOption[] {
  const [root, ...rest] = path.split(' ');
  let options = (payload.find((c) => c.name === root) as RegisteredOption | undefined)?.options;
  for (const word of rest) options = options?.find((o) => o.name === word)?.options;
  if (!options) throw new Error(`no registered command at ${path}`);
  return options;
}

/** The real core's declarations, as `App.commands` hands them to adapters. */
let h: CommandHarness<TestStoreDatabase>;
let declared: readonly CommandInfo[];
let payload: RegisteredOption[];
beforeAll(async () => {
  h = await commandHarness({ engine: engineOfRun() });
  declared = h.app.commands;
  payload = applicationCommands(declared, 'global') as unknown as RegisteredOption[];
});
afterAll(async () => h.cleanup());

const onDiscord = () => declared.filter((c) => !c.platforms || c.platforms.includes('discord'));

describe('application commands from the core declarations', () => {
  it('does register every command Discord offers, grouped by first word, and none of the console’s', () => {
    expect(payload.map((c) => c.name)).toEqual(['customer', 'complaint', 'complaints', 'winbacks', 'winback', 'callback', 'callbacks', 'digest', 'rapport', 'help']);
    const routes = commandRoutes(declared);
    expect([...routes.values()].sort()).toEqual(onDiscord().map((c) => c.name).sort());
    expect([...routes.values()]).not.toContain('rapport as');
    expect(optionsAt(payload, 'rapport').map((o) => o.name)).not.toContain('as');
    expect(optionsAt(payload, 'rapport').map((o) => o.name)).toEqual(expect.arrayContaining(['invite', 'claim', 'settings']));
    // `/callback` itself cannot run beside `/callback done`: it is `/callback new`.
    expect(routes.get(`callback ${BARE_SUBCOMMAND}`)).toBe('callback');
  });

  it('does register every declared option: name, type, required, choices, limits, autocomplete and both languages’ descriptions', () => {
    for (const [path, name] of commandRoutes(declared)) {
      const info = declared.find((c) => c.name === name)!;
      const registered = optionsAt(payload, path);
      expect(registered.map((o) => o.name).sort(), path).toEqual(info.options.map((o) => o.name).sort());
      const base = commandText(info.key, 'summary').replace(/\.summary$/, '');
      for (const spec of info.options) {
        const option = registered.find((o) => o.name === spec.name)!;
        const context = `${path} ${spec.name}`;
        expect(option.type, context).toBe(OPTION_TYPE[spec.type]);
        expect(option.required, context).toBe(spec.required === true);
        expect(option.autocomplete === true, context).toBe(spec.type === 'customer' || spec.type === 'rep' || spec.autocomplete === true);
        if (!option.autocomplete) expect(option.choices?.map((c) => c.value), context).toEqual(spec.type === 'choice' ? spec.choices : undefined);
        if (spec.type === 'number') expect([option.min_value, option.max_value], context).toEqual([spec.min, spec.max]);
        if (spec.type === 'text' && spec.maxLength) expect(option.max_length, context).toBe(spec.maxLength);
        const key = `${base}.options.${spec.name}.description`;
        expect(en(key, { defaultValue: '' }), `${context}: no description in the catalogue`).not.toBe('');
        expect(option.description_localizations, context).toEqual({ 'en-US': cut(en(key)), 'zh-CN': cut(zh(key)) });
        for (const choice of option.choices ?? []) {
          const label = `${base}.options.${spec.name}.choices.${choice.value}`;
          expect(choice.name_localizations, `${context} ${choice.value}`).toEqual({
            'en-US': en(label, { defaultValue: choice.value }),
            'zh-CN': zh(label, { defaultValue: choice.value }),
          });
        }
      }
      // Discord refuses a required option after an optional one.
      const firstOptional = registered.findIndex((o) => !o.required);
      expect(firstOptional >= 0 && registered.slice(firstOptional).some((o) => o.required), path).toBe(false);
    }
  });

  it('does describe each subcommand by its summary in en-US and zh-CN, within Discord’s 100 characters', () => {
    const lookup = optionsAt(payload, 'customer').find((o) => o.name === 'lookup')!;
    expect(lookup.description_localizations).toEqual({ 'en-US': cut(en('commands.customerLookup.summary')), 'zh-CN': cut(zh('commands.customerLookup.summary')) });
    const customer = payload.find((c) => c.name === 'customer')!;
    expect(customer.name_localizations).toEqual({ 'en-US': 'customer', 'zh-CN': '客户' });
    for (const match of JSON.stringify(payload).matchAll(/"description":"((?:[^"\\]|\\.)*)"/g)) expect(JSON.parse(`"${match[1]}"`).length).toBeLessThanOrEqual(100);
  });

  it('does make global commands usable in DMs with the bot, and leave contexts out for one server', () => {
    expect(payload.every((c) => JSON.stringify((c as unknown as { contexts: number[] }).contexts) === '[0,1]')).toBe(true);
    const guild = applicationCommands(declared, 'guild');
    expect(guild.some((c) => 'contexts' in c || 'integration_types' in c)).toBe(false);
  });

  it.each([
    [[{ name: 'Customer Lookup', key: 'customerLookup', requires: 'rep', options: [] }], /^Command "Customer" is not a valid Discord name/],
    [[{ name: 'customer lookup', key: 'customerLookup', requires: 'rep', options: [{ name: 'Who', type: 'customer' }] }], /^Option of "customer lookup" "Who" is not a valid Discord name/],
    [
      [{ name: 'x', key: 'help', requires: 'rep', options: Array.from({ length: 26 }, (_, i) => ({ name: `o${i}`, type: 'text' })) }],
      /^"x" declares 26 options; Discord takes at most 25$/,
    ],
    [[{ name: 'a b c d', key: 'help', requires: 'rep', options: [] }], /nests too deep for Discord/],
  ] as [CommandInfo[], RegExp][])('does refuse declarations Discord would reject with one line: %#', (commands, message) => {
    expect(() => applicationCommands(commands, 'global')).toThrow(message);
  });
});

describe('npm run discord:register', () => {
  let fake: FakeDiscord;
  let out: string;
  let err: string;
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _e, done) {
        append(String(chunk));
        done();
      },
    });

  beforeEach(async () => {
    fake = await FakeDiscord.start();
    out = '';
    err = '';
  });

  afterEach(async () => {
    await fake.stop();
  });

  const run = (args: string[], discord = { botToken: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl }) =>
    runDiscordRegister(args, { commands: declared, discord, stdout: sink((t) => (out += t)), stderr: sink((t) => (err += t)) });
  const subcommands = () => commandRoutes(declared).size - payload.filter((c) => !c.options?.some((o) => o.type === 1 || o.type === 2)).length;

  it('does bulk-overwrite the commands in one server, leaving the same commands when run twice', async () => {
    expect(await run(['--guild', '290926798626357999'])).toBe(0);
    expect(await run(['--guild', '290926798626357999'])).toBe(0);
    const puts = fake.matching({ method: 'PUT', path: /^\/applications\/\d+\/guilds\/290926798626357999\/commands$/ });
    expect(puts).toHaveLength(2);
    expect(puts[1]!.body).toEqual(puts[0]!.body);
    expect(puts[0]!.body).toEqual(JSON.parse(JSON.stringify(applicationCommands(declared, 'guild'))));
    expect(puts[0]!.headers.authorization).toBe('Bot fake-bot-token');
    expect(fake.registeredCommands('290926798626357999')!.map((c) => (c as { name: string }).name)).toEqual(payload.map((c) => c.name));
    expect(out).toBe(`Registered ${payload.length} commands with ${subcommands()} subcommands in server 290926798626357999.\n`.repeat(2));
  });

  it('does register globally without a guild', async () => {
    expect(await run([])).toBe(0);
    expect(fake.registeredCommands()).toHaveLength(payload.length);
    expect(out).toBe(`Registered ${payload.length} commands with ${subcommands()} subcommands globally (every server and DMs with the bot).\n`);
  });

  it.each([
    [['--guild', 'my-server'], '--guild must be a server id (digits), got "my-server"'],
    [['--guld', '1'], "Unknown option '--guld'"],
  ])('does refuse bad arguments %j with exit 2 and one line', async (args, message) => {
    expect(await run(args)).toBe(2);
    expect(err).toContain(message);
    expect(fake.requests).toEqual([]);
  });

  it('does say which variables to set when Discord is not configured', async () => {
    expect(await runDiscordRegister([], { commands: declared, discord: undefined, stdout: sink(() => undefined), stderr: sink((t) => (err += t)) })).toBe(2);
    expect(err).toBe('rapport discord:register: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID first (see README "Discord")\n');
  });

  it('does exit 1 with Discord’s reason when it refuses the commands', async () => {
    fake.errorNext({ method: 'PUT', path: /commands$/ }, 400, 50035, 'Invalid Form Body');
    expect(await run([])).toBe(1);
    expect(err).toMatch(/^rapport discord:register: .*Invalid Form Body/);
  });
});
