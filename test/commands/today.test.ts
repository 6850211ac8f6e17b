import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, buttonsOf, commandHarness, LI_NA, LIU_YANG, textOf, ZHANG_WEI, type CommandHarness } from './helpers.js';

let h: CommandHarness;
beforeAll(async () => {
  h = await commandHarness();
});
afterAll(async () => h.cleanup());

describe('/rapport today and the home screen', () => {
  it('does show a rep their due callbacks with Done and Snooze, birthdays this week and who is most at risk', async () => {
    const id = Number(/#(\d+)/.exec(textOf(await h.say(ZHANG_WEI, '/callback 王芳 in 2 hours call back')))![1]);
    await h.say(ZHANG_WEI, '/callback 王芳 in 3 days later on');
    const zhang = h.db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(ZHANG_WEI) as number;
    // A customer of 张伟 with a birthday in two days (the demo's today is 2026-11-23 in Shanghai).
    const birthday = h.db.sqlite.prepare('SELECT id, name FROM Customer WHERE ownerId = ? ORDER BY id LIMIT 1 OFFSET 1').get(zhang) as { id: number; name: string };
    h.db.sqlite.prepare('UPDATE Customer SET birthdayMonth = 11, birthdayDay = 25, greetingOptOut = 0 WHERE id = ?').run(birthday.id);
    const reply = await h.say(ZHANG_WEI, '/rapport today');
    const text = textOf(reply);
    expect(text).toContain('call back');
    expect(text).not.toContain('later on');
    expect(text).toContain(birthday.name);
    expect(text).toMatch(/最值得马上挽回/);
    expect(buttonsOf(reply).filter((b) => b.invocation.options.id === id).map((b) => b.invocation.command)).toEqual(['callback done', 'callback snooze']);
    // Only the rep's own book, and no team figures for a rep.
    const others = h.db.sqlite.prepare('SELECT externalId FROM Customer WHERE ownerId IS NOT ?').pluck().all(zhang) as string[];
    for (const externalId of others) expect(text).not.toContain(`(${externalId})`);
    expect(reply.blocks.some((b) => b.type === 'card')).toBe(false);
    expect(await h.app.home({ platform: 'console', userId: ZHANG_WEI })).toEqual(reply);
  });

  it('does add the team’s risk in figures for a manager', async () => {
    const reply = await h.say(LI_NA, '/rapport today');
    expect(reply.blocks.at(-1)).toMatchObject({ type: 'card', title: '你的团队' });
  });
});

describe('linking a chat user by the email the platform vouches for', () => {
  it('does link an unknown user once, audited, and change nothing otherwise', async () => {
    const link = (userId: string, email: string) => h.app.linkByEmail({ platform: 'slack', userId, email });
    expect(await link('U0LIU', 'Liu.Yang@rapport.demo')).toBe('linked');
    expect((await h.say('U0LIU', '/rapport whoami', 'slack')).blocks[0]).toMatchObject({ title: '你是 刘洋' });
    expect(await link('U0LIU', 'liu.yang@rapport.demo')).toBe('already-linked');
    expect(await link('U0OTHER', 'liu.yang@rapport.demo')).toBe('rep-linked-to-someone-else');
    expect(await link('U0NOBODY', 'nobody@example.com')).toBe('no-rep-with-email');
    // An email name alone is not an email the platform vouched for.
    expect(await link('U0NOBODY', 'liu.yang')).toBe('no-rep-with-email');
    expect(auditRows(h.db).filter((r) => r.action === 'rep.autolink')).toHaveLength(1);
    expect(await h.app.linkByEmail({ platform: 'console', userId: 'x', email: LIU_YANG })).toBe('no-rep-with-email');
  });
});
