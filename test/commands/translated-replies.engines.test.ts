import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandHarness, LI_NA, textOf, ANNA, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('replies in the reader’s language', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  /** What i18next returns for a key it does not have: the dotted key itself. */
  const KEY_LIKE = /(?<![\w@.-])[a-z][a-zA-Z]+(?:\.[a-zA-Z_][\w-]+)+(?![\w@-])/g;

  const LINES = [
    '/help', '/help customer lookup', '/customer lookup 王芳', '/customer lookup C000001', '/customer lookup C000002', '/customer lookup 王方',
    '/customer lookup', '/customer list', '/customer list tier B lapsed', '/customer list bogus', '/customer at-risk', '/customer note C000001 ok',
    '/customer note C000001 --complaint broken', '/customer note x --satisfaction 9 y', '/customer assign C000001', '/callback C000001 tomorrow 9am',
    '/callback C000001 yesterday', '/callbacks', '/callback done 99999', '/callback snooze x', '/rapport whoami', '/rapport prefs', '/rapport as nobody',
    '/rapport settings', '/rapport link slack U1 nobody', '/digest', '/nope', 'hi', '',
  ];

  describe('replies in both languages', () => {
    it.each([
      ['en', ANNA],
      ['zh-CN', LI_NA],
    ])('does never show an untranslated key in %s', async (_, user) => {
      for (const line of LINES) {
        // Emails and domains look like keys; they are data, not text.
        const text = textOf(await h.say(user, line)).replace(/\S+@\S+/g, '');
        expect(text.match(KEY_LIKE), `${line} → ${text}`).toBeNull();
      }
      expect(h.errors).toEqual([]);
    });

    it('does catch an untranslated key (the pattern sees one)', () => {
      expect('Next: customer.card.tier'.match(KEY_LIKE)).toEqual(['customer.card.tier']);
      expect('e.g. /customer assign C000001 @liu.yang'.match(KEY_LIKE)).toBeNull();
      expect('mail wang.fang@example.cn, ¥1,234.50'.replace(/\S+@\S+/g, '').match(KEY_LIKE)).toBeNull();
    });

    it('does keep contact data out of every reply posted to a channel', async () => {
      for (const line of LINES) {
        const reply = await h.say(ANNA, line);
        if (reply.visibility === 'channel') expect(textOf(reply), line).not.toMatch(/@|\+\d{6,}/);
      }
      const card = await h.say(ANNA, '/customer lookup C000002');
      expect(card.visibility).toBe('private');
    });
  });
});
