import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Updateable } from 'kysely';
import type { Schema } from '../../src/db/schema.js';
import { ADMIN, ANNA, auditRows, CHEN_JING, commandHarness, fieldOf, LI_NA, MAX, repByEmail, repIdOf, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/rapport', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  const setRep = (email: string, set: Updateable<Schema['Rep']>) => h.db.kysely.updateTable('Rep').set(set).where('email', '=', email).execute();
  const teamNamed = (name: string) => h.db.kysely.selectFrom('Team').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
  const setSettings = (teams: string[], settings: string) => h.db.kysely.updateTable('Team').set({ settings }).where('name', 'in', teams).execute();

  describe('identity: unknown users, /rapport link, whoami, as, prefs', () => {
    it('does give an unknown user only the ask-your-admin line, whatever they type', async () => {
      for (const text of ['/customer lookup 王芳', '/help', 'hello', '']) {
        const reply = await h.say('U0NEWUSER', text, 'slack');
        expect(reply.blocks).toHaveLength(1);
        expect(textOf(reply)).toBe('I do not know you yet. If your admin gave you an invite code, type /rapport claim <code>. Otherwise ask them for one (/rapport invite <your email>) or to link you: /rapport link slack U0NEWUSER <your email>');
      }
    });

    it('does let an admin link a Slack user, who is then that rep; linking the id again moves it', async () => {
      expect(textOf(await h.say(ADMIN, '/rapport link slack <@U0NEWUSER> zhang.wei'))).toBe('slack user U0NEWUSER is now 张伟 <zhang.wei@rapport.demo>.');
      expect((await h.say('U0NEWUSER', '/customer lookup C000001', 'slack')).blocks[0]).toMatchObject({ type: 'card', title: '王芳' });
      expect(textOf(await h.say(ADMIN, '/rapport link slack U0NEWUSER liu.yang@rapport.demo'))).toBe(
        'slack user U0NEWUSER is now 刘洋 <liu.yang@rapport.demo>. It was linked to 张伟 before.',
      );
      expect(textOf(await h.say('U0NEWUSER', '/rapport whoami', 'slack'))).toContain('你是 刘洋');
      expect((await auditRows(h.db)).filter((r) => r.action === 'rep.link')).toHaveLength(2);
    });

    it('does refuse linking to non-admins and bad ids or platforms', async () => {
      expect(textOf(await h.say(LI_NA, '/rapport link slack U0ABC zhang.wei'))).toBe('只有管理员可以使用 /rapport link。');
      expect(textOf(await h.say(ADMIN, '/rapport link discord U0ABC zhang.wei'))).toBe('"U0ABC" is not a discord user id.');
      expect(textOf(await h.say(ADMIN, '/rapport link teams U0ABC zhang.wei'))).toMatch(/^The platform is slack or discord\.\nUsage:/);
      expect(textOf(await h.say(ADMIN, '/rapport link slack U0ABC nobody'))).toBe('There is no active rep "nobody".');
      expect(textOf(await h.say(ADMIN, '/rapport link slack'))).toMatch(/^Give the chat user id or @mention, e\.g\. U024BE7LH\.\nUsage: \/rapport link slack\|discord <user id> <rep>$/);
    });

    it('does show who you are, with team defaults marked', async () => {
      const reply = await h.say(MAX, '/rapport whoami');
      expect(reply.blocks[0]).toMatchObject({ type: 'card', title: 'You are Max Weber' });
      expect(fieldOf(reply, 'Role')).toBe('rep');
      expect(fieldOf(reply, 'Team')).toBe('Berlin B2B');
      expect(fieldOf(reply, 'Time zone')).toBe('Europe/Berlin');
      expect(fieldOf(reply, 'Slack')).toBe('not linked');
    });

    it('does switch the console identity with /rapport as, and only on the console', async () => {
      let switchedTo: string | undefined;
      const reply = await h.app.dispatch({ platform: 'console', userId: ADMIN, text: '/rapport as zhang.wei@rapport.demo', session: { switchUser: (id) => (switchedTo = id) } });
      expect(switchedTo).toBe('zhang.wei@rapport.demo');
      expect(textOf(reply)).toBe('The console now acts as 张伟 (rep).');
      await setRep(ADMIN, { slackUserId: 'U0ADMIN' });
      expect(textOf(await h.say('U0ADMIN', '/rapport as zhang.wei', 'slack'))).toBe('/rapport as does not work on Slack.');
      // Slack reserves /help: there it is /rapport help, and that is what the replies say.
      expect(textOf(await h.say('U0ADMIN', '/rapport help rapport as', 'slack'))).toBe('There is no command "rapport as". Type /rapport help for the list.');
      expect(textOf(await h.say(ADMIN, '/help rapport as'))).toMatch(/^\/rapport as/);
    });

    it('does let a rep choose their own language and go back to the team default', async () => {
      // The confirmation speaks the language just chosen.
      expect(textOf(await h.say(MAX, '/rapport prefs language zh-CN timezone Asia/Shanghai'))).toBe('已保存：语言 简体中文，时区 Asia/Shanghai。');
      expect(textOf(await h.say(MAX, '/rapport whoami'))).toContain('你是 Max Weber');
      expect(textOf(await h.say(MAX, '/rapport prefs language team timezone team'))).toBe('Saved: language English, time zone Europe/Berlin.');
      expect(textOf(await h.say(MAX, '/rapport prefs language fr'))).toMatch(/^The language is en, zh-CN or team\./);
      expect(textOf(await h.say(MAX, '/rapport prefs timezone Mars/Base'))).toMatch(/^The time zone is an IANA zone/);
    });

    it('does save and confirm preferences typed on Discord as on the console', async () => {
      await setRep(CHEN_JING, { discordUserId: '290926798626357222' });
      expect(textOf(await h.say('290926798626357222', '/rapport prefs language en timezone Europe/Berlin', 'discord'))).toBe('Saved: language English, time zone Europe/Berlin.');
      expect(await repByEmail(h.db, CHEN_JING)).toMatchObject({ locale: 'en', timeZone: 'Europe/Berlin' });
    });
  });

  describe('/rapport settings', () => {
    it('does show the admin\'s team settings with the scheduler defaults', async () => {
      const reply = await h.say(ADMIN, '/rapport settings');
      expect(reply.blocks[0]).toMatchObject({ type: 'card', title: 'Settings of 上海旗舰店' });
      expect(fieldOf(reply, 'Check-in every')).toBe('A 14 d · B 30 d · C 60 d · D 90 d');
      expect(fieldOf(reply, 'Weekly digest')).toBe('Monday 08:00');
      expect(fieldOf(reply, 'Win-back deadline')).toBe('30 days');
    });

    it('does change cadences, digest time, win-back days, zone, language and channel of a named team', async () => {
      for (const line of ['cadence a 10', 'digest fri 17', 'winback 21', 'timezone America/New_York', 'language zh-CN', 'channel slack C024BE91L']) {
        expect((await h.say(ADMIN, `/rapport settings ${line} --team "Berlin B2B"`)).blocks[0], line).toMatchObject({ tone: 'success' });
      }
      const team = await teamNamed('Berlin B2B');
      expect(team).toMatchObject({ timeZone: 'America/New_York', locale: 'zh-CN', slackChannelId: 'C024BE91L' });
      expect(JSON.parse(team.settings)).toEqual({ cadenceDays: { A: 10 }, digest: { weekday: 5, hour: 17 }, winbackDays: 21 });
      expect((await auditRows(h.db)).filter((r) => r.action === 'team.settings').map((r) => r.detail)).toContain('cadence A 10');
    });

    it('does confirm a digest time as the weekday and hour, in the asker’s language, whatever way it was typed', async () => {
      expect(textOf(await h.say(ADMIN, '/rapport settings digest 周一 8')).split('\n')[0]).toMatch(/^Updated .+: digest Monday 08:00\.$/);
      const { name: team } = await h.db.kysely
        .selectFrom('Team')
        .select('name')
        .where('id', '=', (eb) => eb.selectFrom('Rep').select('teamId').where('email', '=', ADMIN))
        .executeTakeFirstOrThrow();
      await setRep(LI_NA, { role: 'admin' });
      try {
        expect(textOf(await h.say(LI_NA, `/rapport settings digest tue 9 --team "${team}"`)).split('\n')[0]).toBe(`已更新 ${team}：每周简报 周二 09:00。`);
      } finally {
        await setRep(LI_NA, { role: 'manager' });
      }
    });

    it('does reject bad values, unknown settings and teams, reps, and managers outside the reorder timing of their own team', async () => {
      expect(textOf(await h.say(ADMIN, '/rapport settings timezone Mars/Base'))).toBe('"Mars/Base" is not an IANA time zone such as Asia/Shanghai.');
      expect(textOf(await h.say(ADMIN, '/rapport settings cadence E 10'))).toBe('A cadence is set for tier A, B, C or D, or for the stage new, prospect or won-back.');
      expect(textOf(await h.say(ADMIN, '/rapport settings cadence A 0'))).toBe('Days are a whole number from 1 to 3650.');
      expect(textOf(await h.say(ADMIN, '/rapport settings digest funday 8'))).toMatch(/^The weekday is 1–7/);
      expect(textOf(await h.say(ADMIN, '/rapport settings digest mon 24'))).toBe('The hour is a whole number from 0 to 23.');
      expect(textOf(await h.say(ADMIN, '/rapport settings colour blue'))).toMatch(/^Unknown setting "colour"/);
      expect(textOf(await h.say(ADMIN, '/rapport settings --team Atlantis'))).toBe('There is no team "Atlantis".');
      expect(textOf(await h.say(ZHANG_WEI, '/rapport settings'))).toBe('只有经理可以使用 /rapport settings。');
      expect(textOf(await h.say(LI_NA, '/rapport settings cadence A 10'))).toBe('只有管理员可以修改 cadence；经理可以设置本团队的回购提醒时间，例如 /rapport settings reorder 1。');
      expect(textOf(await h.say(LI_NA, '/rapport settings --team "Berlin B2B"'))).toBe('经理只能查看和修改本团队的设置；Berlin B2B 的设置请找管理员。');
    });

    it('does let a manager set their own team’s reorder factor, audited, and show it in the settings', async () => {
      const stored = async () => JSON.parse((await teamNamed('上海旗舰店')).settings);
      await setSettings(['上海旗舰店'], '{"scoring":{"rfmWindowDays":180}}');
      const reply = await h.say(LI_NA, '/rapport settings reorder 1.25');
      expect(textOf(reply).split('\n')[0]).toBe('已更新 上海旗舰店：回购提醒改为常规购买间隔的 1.25 倍，下次评分（每晚）起生效。');
      expect(fieldOf(reply, '回购提醒')).toBe('上次购买后，客户常规购买间隔的 1.25 倍');
      // The other scoring thresholds stay.
      expect((await stored()).scoring).toEqual({ rfmWindowDays: 180, reorderFactor: 1.25 });
      const audit = (await auditRows(h.db)).at(-1)!;
      expect(audit).toMatchObject({ action: 'team.settings', detail: 'reorder 1.25' });
      expect(audit.repId).toBe(await repIdOf(h.db, LI_NA));
      expect(fieldOf(await h.say(ADMIN, '/rapport settings --team "Berlin B2B"'), 'Reorder reminder')).toBe('1 × the customer’s typical interval after the last purchase');
      // An admin sets any team's.
      expect(textOf(await h.say(ADMIN, '/rapport settings reorder 0.8 --team "Berlin B2B"')).split('\n')[0]).toBe(
        'Updated Berlin B2B: reorder reminders at 0.8 × the typical interval, from the next scoring run (nightly).',
      );
      await setSettings(['上海旗舰店', 'Berlin B2B'], '{}');
    });

    it('does refuse a reorder factor out of range or not a number with one line and a working example, and another team’s manager', async () => {
      const { settings: before } = await teamNamed('Berlin B2B');
      const audited = (await auditRows(h.db)).length;
      const bad = 'The reorder factor is a number from 0.5 to 1.5 (the team’s at-risk factor: after that the win-back takes over), e.g. /rapport settings reorder 1.2.';
      for (const value of ['0.4', '1.6', '2', 'soon', '1.2.3', '-1', '1.234', '1 2', '']) {
        const reply = await h.say(ANNA, `/rapport settings reorder ${value}`);
        expect(reply.blocks, value).toHaveLength(1);
        expect(textOf(reply), value).toBe(bad);
      }
      expect(textOf(await h.say(LI_NA, '/rapport settings reorder 0.3'))).toBe('回购提醒倍数是 0.5 到 1.5 之间的数字（1.5 是团队的流失风险倍数，再晚就由挽回接手），例如 /rapport settings reorder 1.2。');
      // The bound follows the team's own at-risk factor, and so does the example.
      await setSettings(['Berlin B2B'], '{"scoring":{"atRiskFactor":1.1}}');
      expect(textOf(await h.say(ANNA, '/rapport settings reorder 1.2'))).toBe(
        'The reorder factor is a number from 0.5 to 1.1 (the team’s at-risk factor: after that the win-back takes over), e.g. /rapport settings reorder 1.',
      );
      expect((await h.say(ANNA, '/rapport settings reorder 1')).blocks[0]).toMatchObject({ tone: 'success' });
      await setSettings(['Berlin B2B'], before);
      expect(textOf(await h.say(ANNA, '/rapport settings reorder 1.2 --team 上海旗舰店'))).toBe('Managers see and change their own team’s settings only; ask an admin about 上海旗舰店.');
      expect(textOf(await h.say(CHEN_JING, '/rapport settings reorder 1.2'))).toBe('Only managers can use /rapport settings.');
      expect((await teamNamed('上海旗舰店')).settings).toBe('{}');
      expect((await auditRows(h.db)).slice(audited).map((r) => r.detail)).toEqual(['reorder 1']);
    });

    it('does set the stage cadences beside the tiers and edit the holiday calendar, which starts from the language’s defaults', async () => {
      const shanghai = '--team 上海旗舰店';
      const stored = async () => JSON.parse((await teamNamed('上海旗舰店')).settings);
      for (const line of ['cadence new 5', 'cadence prospect 45', 'cadence won-back 10', 'holiday add 05-20 Store day', 'holiday remove 双11', 'holiday add 2027-06-01 Anniversary']) {
        expect((await h.say(ADMIN, `/rapport settings ${line} ${shanghai}`)).blocks[0], line).toMatchObject({ tone: 'success' });
      }
      expect((await stored()).cadenceDays).toEqual({ new: 5, prospect: 45, 'won-back': 10 });
      expect((await stored()).holidays).toEqual({
        builtIn: ['spring-festival', 'lantern-festival', 'womens-day', 'dragon-boat', 'mid-autumn', 'national-day'],
        custom: [{ name: 'Store day', date: '05-20' }, { name: 'Anniversary', date: '2027-06-01' }],
      });
      const list = textOf(await h.say(ADMIN, `/rapport settings holiday list ${shanghai}`));
      expect(list).toContain('Store day');
      expect(list).not.toContain('Singles');
      expect(textOf(await h.say(ADMIN, `/rapport settings holiday add 02-30 Leap ${shanghai}`))).toMatch(/^Use holiday add <MM-DD or YYYY-MM-DD> <name>/);
      expect(textOf(await h.say(ADMIN, `/rapport settings cadence newish 5 ${shanghai}`))).toBe('A cadence is set for tier A, B, C or D, or for the stage new, prospect or won-back.');
      expect(textOf(await h.say(LI_NA, '/rapport settings holiday add 05-20 Store day'))).toMatch(/^只有管理员可以修改 holiday；/);
      await setSettings(['上海旗舰店'], '{}');
    });

    it('does show and replace a stored settings value that is no JSON object instead of failing', async () => {
      for (const broken of ['null', '"x"', '[1]', '{"cadenceDays":']) {
        await setSettings(['Berlin B2B'], broken);
        expect((await h.say(ADMIN, '/rapport settings --team "Berlin B2B"')).blocks[0], broken).toMatchObject({ type: 'card' });
        expect((await h.say(ADMIN, '/rapport settings cadence B 20 --team "Berlin B2B"')).blocks[0], broken).toMatchObject({ tone: 'success' });
        expect((await teamNamed('Berlin B2B')).settings, broken).toBe('{"cadenceDays":{"B":20}}');
      }
      await setSettings(['Berlin B2B'], '{}');
    });
  });

  // 陈静 keeps English whatever the settings tests do to the Berlin team.
  describe('/help and stray input', () => {
    it('does list only the commands the asker may run', async () => {
      const names = async (user: string) => {
        const list = (await h.say(user, '/help')).blocks[0]!;
        return list.type === 'list' ? list.items.map((i) => i.primary.split(' ')[0] + (i.primary.split(' ')[1]?.match(/^[a-z-]+$/) ? ` ${i.primary.split(' ')[1]}` : '')) : [];
      };
      const rep = await names(ZHANG_WEI);
      expect(rep).toContain('/customer lookup');
      expect(rep).not.toContain('/customer assign');
      expect(rep).not.toContain('/rapport settings');
      expect(await names(ADMIN)).toEqual(expect.arrayContaining(['/customer assign', '/rapport settings', '/rapport link', '/digest']));
    });

    it('does explain one command with its usage, example and role', async () => {
      const reply = await h.say(CHEN_JING, '/help callback');
      expect(reply.blocks[0]).toMatchObject({ type: 'card', title: '/callback' });
      expect(fieldOf(reply, 'Usage')).toBe('/callback <who> <when> [note]');
      expect(fieldOf(reply, 'Who')).toBe('rep');
    });

    it('does answer garbage, a bare word and an empty line with one clear line', async () => {
      expect(textOf(await h.say(CHEN_JING, '/frobnicate now'))).toBe('Unknown command "/frobnicate". Type /help to see what I can do.');
      expect(textOf(await h.say(CHEN_JING, 'hello'))).toMatch(/^Commands start with "\/"/);
      expect(textOf(await h.say(CHEN_JING, '   '))).toMatch(/^Type a command/);
      expect(h.errors).toEqual([]);
    });
  });
});
