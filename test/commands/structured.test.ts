import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptionValues } from '../../src/commands/options.js';
import { commands } from '../../src/commands/registry.js';
import { ADMIN, commandHarness, LI_NA, textOf, ZHANG_WEI, type CommandHarness } from './helpers.js';

/**
 * The same request typed (console, Slack) and as a command with options (Discord, buttons,
 * forms) must give the same reply: one schema and one handler per command. Each path runs on
 * its own copy of the same database, so commands that change data see the same state.
 */
const requests: { as: string; typed: string; command: string; options: OptionValues; before?: string }[] = [
  { as: ZHANG_WEI, typed: '/customer lookup C000001', command: 'customer lookup', options: { who: 'C000001' } },
  { as: ZHANG_WEI, typed: '/customer lookup 王', command: 'customer lookup', options: { who: '王' } },
  { as: ZHANG_WEI, typed: '/customer share C000001', command: 'customer share', options: { who: 'C000001' } },
  { as: LI_NA, typed: '/customer list tier A at-risk --page 1', command: 'customer list', options: { tier: 'A', stage: 'at-risk', page: 1 } },
  { as: LI_NA, typed: '/customer list rep @liu.yang', command: 'customer list', options: { rep: '@liu.yang' } },
  { as: ZHANG_WEI, typed: '/customer at-risk --page 2', command: 'customer at-risk', options: { page: 2 } },
  {
    as: LI_NA,
    typed: '/customer list stage active region 上海 tail head age 18-70 category 护肤',
    command: 'customer list',
    options: { stage: 'active', region: '上海', tail: 'head', age: '18-70', category: '护肤' },
  },
  { as: ZHANG_WEI, typed: '/customer history C000001 --page 1', command: 'customer history', options: { who: 'C000001', page: 1 } },
  { as: LI_NA, typed: '/customer export region 上海 low-profit', command: 'customer export', options: { region: '上海', profit: 'low-profit' } },
  { as: ZHANG_WEI, typed: '/customer tag C000001 +vip -coffee', command: 'customer tag', options: { who: 'C000001', tags: '+vip -coffee' } },
  { as: ZHANG_WEI, typed: '/customer note C000001 called back --kind call', command: 'customer note', options: { who: 'C000001', text: 'called back', kind: 'call' } },
  {
    as: ZHANG_WEI,
    typed: '/customer note C000001 called, all good --satisfaction 4',
    command: 'customer note',
    options: { who: 'C000001', text: 'called, all good', satisfaction: 4 },
  },
  { as: ZHANG_WEI, typed: '/customer note C000001 --complaint late delivery', command: 'customer note', options: { who: 'C000001', text: 'late delivery', complaint: true } },
  {
    as: ZHANG_WEI,
    typed: '/callback "王芳" tomorrow 10am check the refill',
    command: 'callback',
    options: { who: '王芳', when: 'tomorrow 10am', note: 'check the refill' },
  },
  { as: ZHANG_WEI, typed: '/callbacks', command: 'callbacks', options: {}, before: '/callback C000001 tomorrow 10am' },
  // {id}: the callback the `before` line created (the same id on both copies).
  { as: ZHANG_WEI, typed: '/callback done {id}', command: 'callback done', options: { id: '{id}' }, before: '/callback C000001 tomorrow 10am' },
  { as: ZHANG_WEI, typed: '/callback snooze {id} in 3 hours', command: 'callback snooze', options: { id: '{id}', when: 'in 3 hours' }, before: '/callback C000001 tomorrow 10am' },
  { as: ZHANG_WEI, typed: '/callback cancel {id}', command: 'callback cancel', options: { id: '{id}' }, before: '/callback C000001 tomorrow 10am' },
  { as: LI_NA, typed: '/digest', command: 'digest', options: {} },
  { as: ZHANG_WEI, typed: '/rapport whoami', command: 'rapport whoami', options: {} },
  { as: LI_NA, typed: '/rapport today', command: 'rapport today', options: {} },
  { as: ZHANG_WEI, typed: '/rapport prefs language en timezone Europe/Berlin', command: 'rapport prefs', options: { language: 'en', timezone: 'Europe/Berlin' } },
  { as: ADMIN, typed: '/rapport settings cadence A 10 --team 上海旗舰店', command: 'rapport settings', options: { setting: 'cadence', value: 'A 10', team: '上海旗舰店' } },
  { as: ADMIN, typed: '/rapport link slack U024BE7LH zhang.wei', command: 'rapport link', options: { platform: 'slack', user: 'U024BE7LH', rep: 'zhang.wei' } },
  { as: ADMIN, typed: '/rapport as zhang.wei@rapport.demo', command: 'rapport as', options: { rep: 'zhang.wei@rapport.demo' } },
  { as: ADMIN, typed: '/rapport outbox', command: 'rapport outbox', options: {} },
  { as: ADMIN, typed: '/rapport model', command: 'rapport model', options: {} },
  { as: ZHANG_WEI, typed: '/help customer note', command: 'help', options: { command: 'customer note' } },
  // Last: it moves 张伟's customer the requests above use.
  { as: LI_NA, typed: '/customer assign C000001 @liu.yang', command: 'customer assign', options: { who: 'C000001', rep: '@liu.yang' } },
];

let typed: CommandHarness;
let structured: CommandHarness;
beforeAll(async () => {
  typed = await commandHarness();
  structured = await commandHarness();
});
afterAll(async () => Promise.all([typed.cleanup(), structured.cleanup()]));

describe('typed and structured requests', () => {
  it('does cover every command of the registry', () => {
    expect(new Set(requests.map((r) => r.command))).toEqual(new Set(commands.map((c) => c.name)));
  });

  it.each(requests.map((r) => [r.typed, r] as const))('does give the same reply for %s', async (_, request) => {
    const session = { switchUser: () => {} };
    let id = '';
    if (request.before) {
      id = /#(\d+)/.exec(textOf(await typed.say(request.as, request.before)))![1]!;
      expect(textOf(await structured.say(request.as, request.before))).toContain(`#${id}`);
    }
    const options = Object.fromEntries(Object.entries(request.options).map(([k, v]) => [k, v === '{id}' ? Number(id) : v]));
    const byText = await typed.app.dispatch({ platform: 'console', userId: request.as, text: request.typed.replace('{id}', id), session });
    const byOptions = await structured.app.dispatch({ platform: 'console', userId: request.as, command: request.command, options, session });
    expect(byOptions).toEqual(byText);
    // A request that only fails on both paths would prove nothing.
    expect(byText.blocks.some((b) => b.type === 'text' && b.tone === 'error')).toBe(false);
  });
});
