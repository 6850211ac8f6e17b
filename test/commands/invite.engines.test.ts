import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInviteCli } from '../../src/commands/rapport/invite.command.js';
import { createStorageServices } from '../../src/db/storage-services.js';
import { translator } from '../../src/i18n/index.js';
import { ADMIN, auditRows, backgroundJobsFor, CHEN_JING, commandHarness, LI_NA, repByEmail, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('invites and Discord servers', (engine) => {
  const NEWCOMER = '290926798626357111';
  const STRANGER = '290926798626357222';
  const HOUR = 3_600_000;

  let h: AnyEngineHarness;
  beforeEach(async () => {
    h = await commandHarness({ engine });
  });
  afterEach(async () => h.cleanup());

  /** An admin's invite for a rep, and the code it shows. */
  async function invite(rep = 'chen.jing@rapport.demo'): Promise<string> {
    const said = textOf(await h.say(ADMIN, `/rapport invite ${rep}`));
    const code = /claim ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(said)?.[1];
    if (!code) throw new Error(`no code in: ${said}`);
    return code;
  }

  const claim = (code: string, userId = NEWCOMER, platform: 'discord' | 'slack' = 'discord') => h.say(userId, `/rapport claim ${code}`, platform);
  const discordIdOf = async (email: string) => (await repByEmail(h.db, email)).discordUserId;

  describe('/rapport invite and /rapport claim', () => {
    it('does link a Discord user nobody linked yet to the invited rep, once, and audit it', async () => {
      const code = await invite();
      const welcome = await claim(code);
      expect(textOf(welcome)).toBe('Welcome, 陈静! This Discord account is now linked to chen.jing@rapport.demo. Type /help to see what you can do.');
      expect(await discordIdOf(CHEN_JING)).toBe(NEWCOMER);
      expect(textOf(await h.say(NEWCOMER, '/rapport whoami', 'discord'))).toContain('You are 陈静');
      const claimed = (await auditRows(h.db)).find((r) => r.action === 'rep.claim')!;
      expect(claimed).toMatchObject({ target: `rep:${claimed.repId}` });
      expect(JSON.parse(claimed.detail)).toMatchObject({ platform: 'discord', userId: NEWCOMER });
      // Single use: the same code does nothing for anyone else.
      expect(textOf(await claim(code, STRANGER))).toMatch(/^That invite code does not work/);
      expect(await discordIdOf(CHEN_JING)).toBe(NEWCOMER);
    });

    it('does keep only a hash of the code, and never write the code to the audit log', async () => {
      const code = await invite();
      const everything = JSON.stringify([await h.db.kysely.selectFrom('InviteCode').selectAll().execute(), await auditRows(h.db)]);
      expect(everything).not.toContain(code.replace('-', ''));
      expect(everything).not.toContain(code);
      expect((await auditRows(h.db)).filter((r) => r.action === 'rep.invite')).toHaveLength(1);
    });

    it('does read a code typed in lower case, with spaces, or with O for 0 and I/L for 1', async () => {
      const code = await invite();
      const sloppy = code.toLowerCase().replace('-', ' ').replace(/0/g, 'o').replace(/1/g, 'l');
      expect(textOf(await claim(sloppy, undefined, 'slack'))).toMatch(/^Welcome, 陈静! This Slack account/);
    });

    it('does refuse a code after 24 hours, and one a newer invite replaced', async () => {
      const old = await invite();
      const replacing = await invite();
      expect(textOf(await claim(old))).toMatch(/^That invite code does not work/);
      h.clock.advance(24 * HOUR + 60_000);
      expect(textOf(await claim(replacing))).toMatch(/^That invite code does not work/);
      expect(await discordIdOf(CHEN_JING)).toBeNull();
    });

    it('does stop a user guessing after 5 wrong codes in an hour, even with the right one, and not hold back others', async () => {
      const code = await invite();
      for (let i = 0; i < 5; i++) expect(textOf(await claim('ABCDE-FGHJK'))).toMatch(/^That invite code does not work/);
      expect(textOf(await claim(code))).toBe('Too many wrong codes: 5 an hour at most. Try again within the hour, or ask your admin to link you.');
      expect(textOf(await claim(code, STRANGER))).toMatch(/^Welcome, 陈静/);
      expect(await discordIdOf(CHEN_JING)).toBe(STRANGER);
    });

    it('does take claims again once the hour of wrong codes is over', async () => {
      for (let i = 0; i < 5; i++) await claim('ABCDE-FGHJK');
      h.clock.advance(HOUR - 60_000);
      expect(textOf(await claim('ABCDE-FGHJK'))).toMatch(/^Too many wrong codes/);
      h.clock.advance(60_000);
      expect(textOf(await claim(await invite()))).toMatch(/^Welcome/);
    });

    it('does tell a linked user who they are without using the code', async () => {
      await h.say(ADMIN, `/rapport link discord ${NEWCOMER} zhang.wei`);
      const code = await invite();
      expect(textOf(await claim(code))).toBe('你已关联到 张伟 <zhang.wei@rapport.demo>。');
      expect(textOf(await claim(code, STRANGER))).toMatch(/^Welcome, 陈静/);
    });

    it('does not take a rep from the account it is linked to, and leaves the code usable', async () => {
      await h.say(ADMIN, `/rapport link discord ${STRANGER} chen.jing`);
      const code = await invite();
      expect(textOf(await claim(code))).toBe(
        `That rep is already linked to another discord account. Ask your admin to move it: /rapport link discord ${NEWCOMER} <your email>`,
      );
      expect(await discordIdOf(CHEN_JING)).toBe(STRANGER);
      expect(await h.db.kysely.selectFrom('ClaimAttempt').selectAll().execute()).toEqual([]);
    });

    it('does let only admins invite, and refuse an unknown rep or a claim on the console', async () => {
      expect(textOf(await h.say(LI_NA, '/rapport invite chen.jing@rapport.demo'))).toBe('只有管理员可以使用 /rapport invite。');
      expect(textOf(await h.say(ADMIN, '/rapport invite nobody@example.com'))).toBe('There is no active rep "nobody@example.com".');
      expect(textOf(await h.say(ZHANG_WEI, '/rapport claim ABCDE-FGHJK'))).toBe('/rapport claim 不能在控制台上使用。');
      expect(textOf(await h.say(NEWCOMER, '/rapport claim', 'discord'))).toMatch(/^Give the invite code, e.g. \/rapport claim K3M9P-2XQ7T\.\nUsage: \/rapport claim <code>/);
    });

    it('does print a code on the command line, audited as the command line', async () => {
      let out = '';
      const sink = new Writable({ write: (chunk, _e, done) => ((out += String(chunk)), done()) });
      const deps = { services: createStorageServices(h.db, backgroundJobsFor(h.db)), clock: h.clock, t: translator('en'), locale: 'en' as const, timeZone: 'Asia/Shanghai', out: sink, err: sink, actor: 'cli:ops' };
      expect(await runInviteCli(['chen.jing@rapport.demo'], deps)).toBe(0);
      expect(out).toMatch(/^Invite code for 陈静 <chen\.jing@rapport\.demo>: [0-9A-Z]{5}-[0-9A-Z]{5}\nIt works once, until .*2026.*\n?/);
      const code = /claim ([0-9A-Z-]{11})/.exec(out)![1]!;
      expect(textOf(await claim(code))).toMatch(/^Welcome/);
      expect((await auditRows(h.db)).find((r) => r.action === 'rep.invite')).toMatchObject({ repId: null });
      expect(await runInviteCli([], deps)).toBe(2);
      expect(await runInviteCli(['nobody'], deps)).toBe(1);
    });
  });

  describe('the Discord servers an installation serves', () => {
    const GUILD = '290926798626357999';
    const OTHER = '290926798626357888';
    const serves = (workspaceId: string) => h.app.servesWorkspace({ platform: 'discord', workspaceId });

    it('does serve every server while none is listed, and only the listed ones after', async () => {
      expect([await serves(GUILD), await serves(OTHER)]).toEqual([true, true]);
      const added = await h.say(ADMIN, `/rapport settings guild add ${GUILD} --team 上海旗舰店`);
      expect(textOf(added)).toContain(`Updated 上海旗舰店: guild add ${GUILD}.`);
      expect(textOf(added)).toContain(`Discord servers: ${GUILD}`);
      expect([await serves(GUILD), await serves(OTHER)]).toEqual([true, false]);
      // Another platform's workspaces are not affected.
      expect(await h.app.servesWorkspace({ platform: 'slack', workspaceId: 'T0001' })).toBe(true);
      expect(textOf(await h.say(ADMIN, `/rapport settings guild add ${GUILD} --team 上海旗舰店`))).toBe(`Nothing changed: server ${GUILD} is already listed for 上海旗舰店.`);
      await h.say(ADMIN, `/rapport settings guild remove ${GUILD} --team 上海旗舰店`);
      expect(await serves(OTHER)).toBe(true);
      expect((await auditRows(h.db)).filter((r) => r.action === 'team.settings').map((r) => r.detail)).toEqual([`guild add ${GUILD}`, `guild remove ${GUILD}`]);
    });

    it('does serve only the configured server (DISCORD_GUILD_ID) and listed ones when one is configured', async () => {
      const configured = await commandHarness({ engine, workspaces: { discord: [GUILD] } });
      try {
        expect(await configured.app.servesWorkspace({ platform: 'discord', workspaceId: GUILD })).toBe(true);
        expect(await configured.app.servesWorkspace({ platform: 'discord', workspaceId: OTHER })).toBe(false);
        await configured.say(ADMIN, `/rapport settings guild add ${OTHER} --team 上海旗舰店`);
        expect(await configured.app.servesWorkspace({ platform: 'discord', workspaceId: OTHER })).toBe(true);
      } finally {
        await configured.cleanup();
      }
    });

    it('does refuse a bad guild setting with one line saying how to find the id', async () => {
      for (const value of ['add', 'add 12', 'list 290926798626357999', 'add <#290926798626357999>']) {
        expect(textOf(await h.say(ADMIN, `/rapport settings guild ${value} --team 上海旗舰店`))).toBe(
          'Say add or remove and the server id, e.g. guild add 290926798626357999 (Discord: right-click the server, Copy Server ID).',
        );
      }
    });
  });
});
