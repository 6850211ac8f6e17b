import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, buttonsOf, commandHarness, LI_NA, repIdOf, LIU_YANG, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('the home screen', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  describe('/rapport today and the home screen', () => {
    it('does show a rep their due callbacks with Done and Snooze, birthdays this week and who is most at risk', async () => {
      const id = Number(/#(\d+)/.exec(textOf(await h.say(ZHANG_WEI, '/callback 王芳 in 2 hours call back')))![1]);
      await h.say(ZHANG_WEI, '/callback 王芳 in 3 days later on');
      const zhang = await repIdOf(h.db, ZHANG_WEI);
      // A customer of 张伟 with a birthday in two days (the demo's today is 2026-11-23 in Shanghai).
      const birthday = await h.db.kysely.selectFrom('Customer').select(['id', 'name']).where('ownerId', '=', zhang).orderBy('id').limit(1).offset(1).executeTakeFirstOrThrow();
      await h.db.kysely.updateTable('Customer').set({ birthdayMonth: 11, birthdayDay: 25, greetingOptOut: false }).where('id', '=', birthday.id).execute();
      const reply = await h.say(ZHANG_WEI, '/rapport today');
      const text = textOf(reply);
      expect(text).toContain('call back');
      expect(text).not.toContain('later on');
      expect(text).toContain(birthday.name);
      expect(text).toMatch(/最值得马上挽回/);
      expect(buttonsOf(reply).filter((b) => b.invocation.options.id === id).map((b) => b.invocation.command)).toEqual(['callback done', 'callback snooze']);
      // Only the rep's own book, and no team figures for a rep.
      const others = (await h.db.kysely.selectFrom('Customer').select('externalId').where('ownerId', 'is distinct from', zhang).execute()).map((c) => c.externalId);
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
      expect((await auditRows(h.db)).filter((r) => r.action === 'rep.autolink')).toHaveLength(1);
      expect(await h.app.linkByEmail({ platform: 'console', userId: 'x', email: LIU_YANG })).toBe('no-rep-with-email');
    });
  });
});
