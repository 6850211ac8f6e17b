import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/commands/reply.js';
import { translator } from '../../../src/i18n/index.js';
import { runJob } from '../../../src/scheduler/scheduler.js';
import { button, chatInput, fixture } from '../../fakes/discord/interactions.js';
import { ADMIN, customerWhere, LI_NA, ZHANG_WEI } from '../../commands/helpers.js';
import { DISCORD_USERS, GUILD, startDiscordBot, type DiscordBot } from './bot.js';
import { CALLBACK_PATH, controlled, interact } from './helpers.js';


const zh = translator('zh-CN');
const en = translator('en');

/** The callback Discord received for an interaction, by its id (the `index`-th attempt). */
const callbackOf = (bot: DiscordBot, payload: { id: string }, index = 1) =>
  bot.fake.nextRequest({ method: 'POST', path: new RegExp(`^/interactions/${payload.id}/[^/]+/callback$`) }, index);

describe('Discord against the real core, when things go wrong', () => {
  let bot: DiscordBot;
  afterEach(async () => bot?.stop());

  it('does defer a slow command in time and edit in the reply when the core has it', async () => {
    const gate = controlled<void>();
    bot = await startDiscordBot({
      deferAfterMs: 50,
      services: (services) => ({
        ...services,
        digests: { weeklyDigest: async (...args) => (await gate.promise, services.digests.weeklyDigest(...args)) },
      }),
    });
    const payload = chatInput('digest', {}, { userId: DISCORD_USERS[LI_NA] });
    const deferral = await interact(bot.fake, payload);
    // Deferred while the core is still working: nothing released it yet.
    expect(deferral.body).toEqual({ type: 5, data: { flags: 64 } });
    gate.resolve();
    const edit = await bot.fake.nextRequest({ method: 'PATCH', path: new RegExp(`/${payload.token}/messages/@original$`) });
    expect(edit.body.embeds.length).toBeGreaterThan(0);
  });

  it('does wait out a 429 on the interaction callback for as long as Discord asks, then answer', async () => {
    bot = await startDiscordBot();
    bot.fake.rateLimitNext({ method: 'POST', path: CALLBACK_PATH }, 0.3);
    const payload = chatInput('callbacks');
    bot.fake.gateway.dispatch('INTERACTION_CREATE', payload);
    const refused = await callbackOf(bot, payload);
    const answered = await callbackOf(bot, payload, 2);
    expect([refused.status, answered.status]).toEqual([429, 204]);
    expect(answered.at - refused.at).toBeGreaterThanOrEqual(290);
    expect(answered.body.type).toBe(4);
  });

  it('does resume after the gateway closes the socket and answer what was sent meanwhile', async () => {
    bot = await startDiscordBot();
    await bot.fake.gateway.waitForIdentify();
    bot.fake.gateway.closeConnection(4000);
    const missed = chatInput('callbacks');
    bot.fake.gateway.dispatch('INTERACTION_CREATE', missed);
    const resume = await bot.fake.gateway.waitForResume();
    expect(resume.url).toMatch(/^\/resume\?/);
    expect((await callbackOf(bot, missed)).body.type).toBe(4);
    expect(bot.fake.gateway.identifies).toHaveLength(1);
    expect(bot.lines.filter((l) => l.msg.startsWith('Discord gateway connection lost'))).toHaveLength(1);
  });

  it('does mark a nudge dead at once when Discord refuses the DM for good, and show it once in /rapport outbox', async () => {
    bot = await startDiscordBot();
    const customer = await customerWhere(bot.db, ZHANG_WEI);
    await interact(bot.fake, chatInput('callback new', { who: customer.externalId, when: 'in 1 hour' }));
    bot.fake.errorNext({ method: 'POST', path: /^\/channels\/[^/]+\/messages$/ }, 403, 50007, 'Cannot send messages to this user');
    bot.clock.advance(3_600_000);
    await runJob('plan-callbacks', bot.clock.now(), bot.scheduler);
    await runJob('deliver', bot.clock.now(), bot.scheduler);
    // Later runs do not try again.
    bot.clock.advance(3_600_000);
    await runJob('deliver', bot.clock.now(), bot.scheduler);
    expect(bot.fake.matching({ method: 'POST', path: /^\/channels\/[^/]+\/messages$/ })).toHaveLength(1);
    const outbox = await interact(bot.fake, chatInput('rapport outbox', {}, { userId: DISCORD_USERS[ADMIN] }));
    const shown = JSON.stringify(outbox.body.data);
    expect(shown.match(/Cannot send messages to this user/g)).toHaveLength(1);
    expect(shown).toContain(en('scheduler.outbox.statuses.dead'));
  });

  it('does hold back Discord deliveries, stored, when Discord asks for longer than discord.js waits', async () => {
    bot = await startDiscordBot();
    const customer = await customerWhere(bot.db, ZHANG_WEI);
    await interact(bot.fake, chatInput('callback new', { who: customer.externalId, when: 'in 1 hour' }));
    bot.fake.rateLimitNext({ method: 'POST', path: /^\/channels\/[^/]+\/messages$/ }, 30);
    bot.clock.advance(3_600_000);
    const now = bot.clock.now().getTime();
    await runJob('plan-callbacks', bot.clock.now(), bot.scheduler);
    await runJob('deliver', bot.clock.now(), bot.scheduler);
    // 张伟's ping (the demo's own callbacks have pings too, for reps linked nowhere).
    const ping = await bot.db.kysely
      .selectFrom('Nudge as n')
      .innerJoin('Rep as r', 'r.id', 'n.targetId')
      .select(['n.status', 'n.attempts', 'n.nextAttemptAt'])
      .where('n.kind', '=', 'callback')
      .where('r.email', '=', ZHANG_WEI)
      .executeTakeFirstOrThrow();
    expect(ping).toMatchObject({ status: 'pending', attempts: 0 });
    expect(ping.nextAttemptAt).toBeGreaterThanOrEqual(now + 30_000);
    const pausedUntil = Number((await bot.db.kysely.selectFrom('AppState').select('value').where('key', '=', 'delivery.pausedUntil.discord').executeTakeFirst())?.value);
    expect(pausedUntil).toBeGreaterThanOrEqual(now + 30_000);
    expect(bot.fake.matching({ method: 'POST', path: /^\/channels\/[^/]+\/messages$/ })).toHaveLength(1);
  });

  it('does answer bad input with one line each and keep serving: unknown commands and users, forged buttons, oversize options, other servers', async () => {
    bot = await startDiscordBot();
    await bot.app.dispatch({ platform: 'discord', userId: DISCORD_USERS[ADMIN], text: `/rapport settings guild add ${GUILD} --team 上海旗舰店` });
    const line = async (payload: unknown) => {
      const answered = await interact(bot.fake, payload as { id: string; token: string });
      expect(answered.body.type).toBe(4);
      expect(answered.body.data.flags).toBe(64);
      return answered.body.data.content as string;
    };
    expect(await line(chatInput('frobnicate now'))).toBe(`⚠️ ${zh('common.unknownCommand', { command: '/frobnicate now', help: '/help' })}`);
    expect(await line(button('x'.repeat(100)))).toBe(`⚠️ ${zh('common.staleAction', { help: '/help' })}`);
    expect(await line(button('1{"c":"customer assign","o":{"who":1,"rep":"li.na"}}'))).toMatch(/^⚠️ 只有经理可以使用 \/customer assign/);
    expect(await line(chatInput('customer lookup', { who: '王'.repeat(5000) }))).toMatch(new RegExp(`^⚠️ ${zh('common.queryTooLong')}\n`));
    // Past what Discord itself allows in a string option: refused at the edge.
    expect(await line(chatInput('customer lookup', { who: 'x'.repeat(7000) }))).toBe(en('discord.failed'));
    const stranger = await line(chatInput('callbacks', {}, { userId: '999999999999999999' }));
    expect(stranger).toContain('/rapport claim <code>');
    expect(stranger).toContain('/rapport link discord 999999999999999999 <your email>');
    expect(await line(chatInput('callbacks', {}, { guildId: '111111111111111111' }))).toBe(en('discord.guildNotSetUp', { guildId: '111111111111111111' }));
    // Still serving, in a DM as well.
    expect((await interact(bot.fake, fixture('chat-input-dm'))).body.type).toBe(4);
    expect(bot.lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('does let a new Discord user claim an invite an admin made on Discord, and then serve them', async () => {
    bot = await startDiscordBot();
    const invited = await interact(bot.fake, chatInput('rapport invite', { rep: 'max.weber@rapport.demo' }, { userId: DISCORD_USERS[ADMIN] }));
    expect(invited.body.data.flags).toBe(64);
    const code = /claim ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(invited.body.data.content)![1]!;
    const newcomer = '290926798626357555';
    const claimed = await interact(bot.fake, chatInput('rapport claim', { code }, { userId: newcomer }));
    expect(claimed.body.data.content).toBe(`✅ ${en('rapport.claim.done', { name: 'Max Weber', email: 'max.weber@rapport.demo', platform: 'Discord', help: '/help' })}`);
    const whoami: Reply = await bot.app.dispatch({ platform: 'discord', userId: newcomer, command: 'rapport whoami', options: {} });
    expect(JSON.stringify(whoami)).toContain('max.weber@rapport.demo');
  });
});
