import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applicationCommands, commandRoutes } from '../../../src/adapters/discord/application-commands.js';
import { runDiscordRegister } from '../../../src/adapters/discord/register-commands.js';
import type { CommandInfo } from '../../../src/commands/app.js';
import type { OptionSpec } from '../../../src/commands/options.js';
import { FakeDiscord } from '../../fakes/discord/fake-discord.js';
import { COMMANDS } from './helpers.js';

interface RegisteredOption {
  type: number;
  name: string;
  description: string;
  description_localizations: Record<string, string>;
  name_localizations?: Record<string, string>;
  required?: boolean;
  choices?: { name: string; value: string }[];
  autocomplete?: boolean;
  min_value?: number;
  max_value?: number;
  max_length?: number;
  options?: RegisteredOption[];
}

const OPTION_TYPE: Record<OptionSpec['type'], number> = { text: 3, customer: 3, rep: 3, time: 3, choice: 3, number: 4, boolean: 5, attachment: 11 };

/** The registered options of a Discord path: `customer lookup` → the `lookup` subcommand's options. */
function optionsAt(payload: RegisteredOption[], path: string): RegisteredOption[] {
  const [root, ...rest] = path.split(' ');
  let options = (payload.find((c) => c.name === root) as RegisteredOption | undefined)?.options;
  for (const word of rest) options = options?.find((o) => o.name === word)?.options;
  if (!options) throw new Error(`no registered command at ${path}`);
  return options;
}

describe('application commands from the core declarations', () => {
  const payload = applicationCommands(COMMANDS, 'global') as unknown as RegisteredOption[];

  it('does group commands by their first word into top-level commands with subcommands', () => {
    expect(payload.map((c) => c.name)).toEqual(['customer', 'callback', 'callbacks', 'digest', 'rapport', 'help']);
    expect(payload.find((c) => c.name === 'customer')!.options!.map((o) => [o.name, o.type])).toEqual([
      ['lookup', 1],
      ['list', 1],
      ['note', 1],
      ['import', 1],
    ]);
    // `/callback` itself cannot run beside `/callback done`: it is `/callback new`.
    expect(payload.find((c) => c.name === 'callback')!.options!.map((o) => o.name)).toEqual(['new', 'done', 'snooze']);
    expect([...commandRoutes(COMMANDS).entries()]).toContainEqual(['callback new', 'callback']);
  });

  it('does register every declared option with its name, type, required flag, choices and autocomplete', () => {
    const routes = commandRoutes(COMMANDS);
    for (const [path, route] of routes) {
      const info = COMMANDS.find((c) => c.name === route)!;
      const registered = optionsAt(payload, path);
      expect(registered.map((o) => o.name).sort(), path).toEqual(info.options.map((o) => o.name).sort());
      for (const spec of info.options) {
        const option = registered.find((o) => o.name === spec.name)!;
        const context = `${path} ${spec.name}`;
        expect(option.type, context).toBe(OPTION_TYPE[spec.type]);
        expect(option.required, context).toBe(spec.required === true);
        expect(option.autocomplete === true, context).toBe(spec.type === 'customer' || spec.type === 'rep' || spec.autocomplete === true);
        expect(option.choices?.map((c) => c.value), context).toEqual(spec.type === 'choice' ? spec.choices : undefined);
        if (spec.type === 'number') expect([option.min_value, option.max_value], context).toEqual([spec.min, spec.max]);
        expect(option.description.length, context).toBeGreaterThan(0);
        expect(option.description.length, context).toBeLessThanOrEqual(100);
      }
      // Discord refuses a required option after an optional one.
      const firstOptional = registered.findIndex((o) => !o.required);
      expect(registered.slice(Math.max(firstOptional, 0)).some((o) => o.required) && firstOptional >= 0, path).toBe(false);
    }
  });

  it('does describe commands in en-US and zh-CN from the catalogues, within 100 characters', () => {
    const lookup = optionsAt(payload, 'customer').find((o) => o.name === 'lookup')!;
    expect(lookup.description).toBe('Show a customer card: tier, scores, churn risk, spend, owner, next callback and the next step.');
    expect(lookup.description_localizations).toEqual({
      'en-US': lookup.description,
      'zh-CN': '查看客户卡片：分层、评分、流失风险、消费、负责人、下次回访和建议行动。',
    });
    const customer = payload.find((c) => c.name === 'customer')!;
    expect(customer.description).toBe('Customers: look up, list, log notes, assign');
    expect(customer.name_localizations).toEqual({ 'en-US': 'customer', 'zh-CN': '客户' });
    const who = optionsAt(payload, 'customer lookup')[0]!;
    expect(who.description_localizations['zh-CN']).toBe('姓名（或其中一部分）、邮箱、电话或外部编号。');
    const all = JSON.stringify(payload);
    for (const match of all.matchAll(/"description":"([^"]*)"/g)) expect(match[1]!.length).toBeLessThanOrEqual(100);
  });

  it('does make global commands usable in DMs with the bot, and leave contexts out for one server', () => {
    expect(payload.every((c) => JSON.stringify((c as unknown as { contexts: number[] }).contexts) === '[0,1]')).toBe(true);
    const guild = applicationCommands(COMMANDS, 'guild');
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
    runDiscordRegister(args, {
      commands: COMMANDS,
      discord,
      stdout: sink((t) => (out += t)),
      stderr: sink((t) => (err += t)),
    });

  it('does bulk-overwrite the commands in one server, leaving the same commands when run twice', async () => {
    expect(await run(['--guild', '290926798626357999'])).toBe(0);
    expect(await run(['--guild', '290926798626357999'])).toBe(0);
    const puts = fake.matching({ method: 'PUT', path: /^\/applications\/\d+\/guilds\/290926798626357999\/commands$/ });
    expect(puts).toHaveLength(2);
    expect(puts[1]!.body).toEqual(puts[0]!.body);
    expect(puts[0]!.body).toEqual(JSON.parse(JSON.stringify(applicationCommands(COMMANDS, 'guild'))));
    expect(puts[0]!.headers.authorization).toBe('Bot fake-bot-token');
    expect(fake.registeredCommands('290926798626357999')!.map((c) => (c as { name: string }).name)).toEqual(['customer', 'callback', 'callbacks', 'digest', 'rapport', 'help']);
    expect(out).toBe('Registered 6 commands with 8 subcommands in server 290926798626357999.\n'.repeat(2));
  });

  it('does register globally without a guild', async () => {
    expect(await run([])).toBe(0);
    expect(fake.registeredCommands()).toHaveLength(6);
    expect(out).toBe('Registered 6 commands with 8 subcommands globally (every server and DMs with the bot).\n');
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
    expect(await runDiscordRegister([], { commands: COMMANDS, discord: undefined, stdout: sink(() => undefined), stderr: sink((t) => (err += t)) })).toBe(2);
    expect(err).toBe('rapport discord:register: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID first (see README "Discord")\n');
  });

  it('does exit 1 with Discord’s reason when it refuses the commands', async () => {
    fake.errorNext({ method: 'PUT', path: /commands$/ }, 400, 50035, 'Invalid Form Body');
    expect(await run([])).toBe(1);
    expect(err).toMatch(/^rapport discord:register: .*Invalid Form Body/);
  });
});
