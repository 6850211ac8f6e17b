import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, auditRows, CHEN_JING, commandHarness, fieldOf, LI_NA, MAX, textOf, ZHANG_WEI, type CommandHarness } from './helpers.js';

let h: CommandHarness;
beforeAll(async () => {
  h = await commandHarness();
});
afterAll(async () => h.cleanup());

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
    expect(auditRows(h.db).filter((r) => r.action === 'rep.link')).toHaveLength(2);
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
    h.db.sqlite.prepare("UPDATE Rep SET slackUserId = 'U0ADMIN' WHERE email = ?").run(ADMIN);
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
    const team = h.db.sqlite.prepare("SELECT timeZone, locale, slackChannelId, settings FROM Team WHERE name = 'Berlin B2B'").get() as Record<string, string>;
    expect(team).toMatchObject({ timeZone: 'America/New_York', locale: 'zh-CN', slackChannelId: 'C024BE91L' });
    expect(JSON.parse(team.settings!)).toEqual({ cadenceDays: { A: 10 }, digest: { weekday: 5, hour: 17 }, winbackDays: 21 });
    expect(auditRows(h.db).filter((r) => r.action === 'team.settings').map((r) => r.detail)).toContain('cadence A 10');
  });

  it('does reject bad values, unknown settings and teams, and non-admins', async () => {
    expect(textOf(await h.say(ADMIN, '/rapport settings timezone Mars/Base'))).toBe('"Mars/Base" is not an IANA time zone such as Asia/Shanghai.');
    expect(textOf(await h.say(ADMIN, '/rapport settings cadence E 10'))).toBe('The tier is A, B, C or D.');
    expect(textOf(await h.say(ADMIN, '/rapport settings cadence A 0'))).toBe('Days are a whole number from 1 to 3650.');
    expect(textOf(await h.say(ADMIN, '/rapport settings digest funday 8'))).toMatch(/^The weekday is 1–7/);
    expect(textOf(await h.say(ADMIN, '/rapport settings digest mon 24'))).toBe('The hour is a whole number from 0 to 23.');
    expect(textOf(await h.say(ADMIN, '/rapport settings colour blue'))).toMatch(/^Unknown setting "colour"/);
    expect(textOf(await h.say(ADMIN, '/rapport settings --team Atlantis'))).toBe('There is no team "Atlantis".');
    expect(textOf(await h.say(LI_NA, '/rapport settings'))).toBe('只有管理员可以使用 /rapport settings。');
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
