import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptionValues } from '../../src/commands/options.js';
import type { Platform } from '../../src/domain/platform.js';
import { commands } from '../../src/commands/registry.js';
import { ADMIN, commandHarness, customerWhere, LI_NA, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('structured and typed invocations', (engine) => {
  /**
   * The same request typed (console, Slack) and as a command with options (Discord, buttons,
   * forms) must give the same reply: one schema and one handler per command. Each path runs on
   * its own copy of the same database, so commands that change data see the same state.
   */
  interface Request {
    as: string;
    platform?: Platform;
    typed: string;
    command: string;
    options: OptionValues;
    /** A line said first on each copy (by `beforeAs`, default `as`); `{id}` / `{code}` in the request take what its reply named. */
    before?: string;
    beforeAs?: string;
  }

  const DISCORD_NEWCOMER = '290926798626357111';

  const requests: Request[] = [
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
    { as: ADMIN, typed: '/rapport settings guild add 290926798626357999', command: 'rapport settings', options: { setting: 'guild', value: 'add 290926798626357999' } },
    { as: ADMIN, typed: '/rapport link slack U024BE7LH zhang.wei', command: 'rapport link', options: { platform: 'slack', user: 'U024BE7LH', rep: 'zhang.wei' } },
    // The code is random: each copy claims the one its own invite gave.
    { as: ADMIN, typed: '/rapport invite chen.jing@rapport.demo', command: 'rapport invite', options: { rep: 'chen.jing@rapport.demo' } },
    {
      as: DISCORD_NEWCOMER,
      platform: 'discord',
      typed: '/rapport claim {code}',
      command: 'rapport claim',
      options: { code: '{code}' },
      before: '/rapport invite chen.jing@rapport.demo',
      beforeAs: ADMIN,
    },
    { as: ADMIN, typed: '/rapport as zhang.wei@rapport.demo', command: 'rapport as', options: { rep: 'zhang.wei@rapport.demo' } },
    { as: ADMIN, typed: '/rapport outbox', command: 'rapport outbox', options: {} },
    { as: ADMIN, typed: '/rapport model', command: 'rapport model', options: {} },
    { as: LI_NA, typed: '/customer import orders --dry-run', command: 'customer import', options: { kind: 'orders', 'dry-run': true } },
    { as: ZHANG_WEI, typed: '/help customer note', command: 'help', options: { command: 'customer note' } },
    { as: ZHANG_WEI, typed: '/complaint C000001 screen arrived broken', command: 'complaint', options: { who: 'C000001', text: 'screen arrived broken' } },
    { as: ZHANG_WEI, typed: '/complaint resolve {id} replaced the screen', command: 'complaint resolve', options: { id: '{id}', resolution: 'replaced the screen' }, before: '/complaint C000001 broken' },
    { as: LI_NA, typed: '/complaints all team --page 1', command: 'complaints', options: { status: 'all', scope: 'team', page: 1 }, before: '/complaint C000001 broken' },
    { as: ZHANG_WEI, typed: '/winbacks', command: 'winbacks', options: {} },
    // {plan}: a customer of 张伟's with an open win-back plan.
    { as: ZHANG_WEI, typed: '/winback extend {plan} 14', command: 'winback extend', options: { who: '{plan}', days: 14 } },
    { as: ZHANG_WEI, typed: '/winback giveup {plan} price', command: 'winback giveup', options: { who: '{plan}', reason: 'price' } },
    { as: ZHANG_WEI, typed: '/winback reason {plan} competitor', command: 'winback reason', options: { who: '{plan}', reason: 'competitor' } },
    { as: ZHANG_WEI, typed: '/customer referred {plan} by C000001', command: 'customer referred', options: { who: '{plan}', by: 'C000001' } },
    { as: ZHANG_WEI, typed: '/customer greeted C000001 --occasion spring-festival', command: 'customer greeted', options: { who: 'C000001', occasion: 'spring-festival' } },
    { as: LI_NA, typed: '/customer assign-book @chen.jing @liu.yang tier D', command: 'customer assign-book', options: { from: '@chen.jing', to: '@liu.yang', tier: 'D' } },
    { as: ADMIN, typed: '/rapport rep deactivate @chen.jing --to @liu.yang', command: 'rapport rep deactivate', options: { rep: '@chen.jing', to: '@liu.yang' } },
    // Last: it moves 张伟's customer the requests above use.
    { as: LI_NA, typed: '/customer assign C000001 @liu.yang', command: 'customer assign', options: { who: 'C000001', rep: '@liu.yang' } },
  ];

  let typed: AnyEngineHarness;
  let structured: AnyEngineHarness;
  let planCustomer: string;
  beforeAll(async () => {
    typed = await commandHarness({ engine });
    structured = await commandHarness({ engine });
    planCustomer = (
      await customerWhere(typed.db, ZHANG_WEI, (eb) =>
        eb.and([eb('c.externalId', '<>', 'C000001'), eb.exists(eb.selectFrom('WinbackEpisode as e').select('e.id').whereRef('e.customerId', '=', 'c.id').where('e.status', '=', 'open'))]),
      )
    ).externalId;
  });
  afterAll(async () => Promise.all([typed.cleanup(), structured.cleanup()]));

  describe('typed and structured requests', () => {
    it('does cover every command of the registry', () => {
      expect(new Set(requests.map((r) => r.command))).toEqual(new Set(commands.map((c) => c.name)));
    });

    const sameReply = async (request: Request) => {
      const session = { switchUser: () => {} };
      const platform = request.platform ?? 'console';
      // What the `before` line named on each copy: a callback id (the same on both), an invite code (not).
      const named = async (h: AnyEngineHarness) => {
        if (!request.before) return { id: '', code: '' };
        const said = textOf(await h.say(request.beforeAs ?? request.as, request.before));
        return { id: /#(\d+)/.exec(said)?.[1] ?? '', code: /claim ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(said)?.[1] ?? '' };
      };
      const [first, second] = [await named(typed), await named(structured)];
      if (request.before) expect(second.id).toBe(first.id);
      const fill = (text: string, given: { id: string; code: string }) => text.replace('{id}', given.id).replace('{code}', given.code).replace('{plan}', planCustomer);
      const options = Object.fromEntries(
        Object.entries(request.options).map(([k, v]) => [k, v === '{id}' ? Number(second.id) : typeof v === 'string' ? fill(v, second) : v]),
      );
      const byText = await typed.app.dispatch({ platform, userId: request.as, text: fill(request.typed, first), session });
      const byOptions = await structured.app.dispatch({ platform, userId: request.as, command: request.command, options, session });
      // An invite's reply shows its own random code.
      const hide = (reply: typeof byText) => JSON.parse(JSON.stringify(reply).replace(/[0-9A-Z]{5}-[0-9A-Z]{5}/g, 'CODE'));
      expect(hide(byOptions)).toEqual(hide(byText));
      // A request that only fails on both paths would prove nothing.
      expect(byText.blocks.some((b) => b.type === 'text' && b.tone === 'error')).toBe(false);
    };
    for (const request of requests) {
      const name = `does give the same reply for ${request.typed}`;
      it(name, () => sameReply(request));
    }
  });
});
