import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, commandHarness, LI_NA, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('autocomplete', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  const complete = (userId: string, command: string, option: string, prefix: string, platform: 'console' | 'slack' = 'console') =>
    h.app.complete({ platform, userId, command, option, prefix });

  /** The customer ids of a rep's book. */
  const bookOf = async (email: string) =>
    new Set(
      (await h.db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('c.id').where('r.email', '=', email).execute()).map((c) => `#${c.id}`),
    );

  describe('autocomplete', () => {
    it('does offer customers of the asker’s own book only, at most 25, by name or external id', async () => {
      const mine = await bookOf(ZHANG_WEI);
      const all = await complete(ZHANG_WEI, 'customer lookup', 'who', '');
      expect(all.length).toBe(Math.min(25, mine.size));
      for (const choice of all) expect(mine.has(String(choice.value))).toBe(true);
      const wang = await complete(ZHANG_WEI, 'callback', 'who', '王');
      expect(wang.length).toBeGreaterThan(0);
      for (const choice of wang) {
        expect(choice.label).toMatch(/王/);
        expect(mine.has(String(choice.value))).toBe(true);
      }
      expect(await complete(ZHANG_WEI, 'customer note', 'who', 'C000001')).toEqual([{ label: '王芳 (C000001)', value: '#1' }]);
      // Another rep's customer is not offered, whatever is typed.
      expect(await complete(ZHANG_WEI, 'customer lookup', 'who', 'C000002')).toEqual([]);
      expect((await complete(ADMIN, 'customer lookup', 'who', '')).length).toBe(25);
    });

    it('does hand back a value the command takes: the chosen customer opens', async () => {
      const [first] = await complete(ZHANG_WEI, 'customer lookup', 'who', '王芳');
      const reply = await h.app.dispatch({ platform: 'console', userId: ZHANG_WEI, command: 'customer lookup', options: { who: first!.value } });
      expect(reply.blocks[0]).toMatchObject({ type: 'card', title: '王芳' });
    });

    it('does offer a manager the reps of their team, and choices and presets by what is typed', async () => {
      const reps = await complete(LI_NA, 'customer assign', 'rep', '');
      expect(reps.map((r) => r.value)).toEqual(expect.arrayContaining(['zhang.wei@rapport.demo', 'liu.yang@rapport.demo']));
      expect(reps.map((r) => r.value)).not.toContain('max.weber@rapport.demo');
      expect(await complete(LI_NA, 'customer list', 'stage', 'la')).toEqual([{ label: '已沉睡', value: 'lapsed' }]);
      expect((await complete(ZHANG_WEI, 'callback', 'when', '')).map((c) => c.value)).toContain('tomorrow 9:00');
    });

    it('does offer nothing for unknown users, commands, options, or commands the asker may not run', async () => {
      expect(await complete('U0NOBODY', 'customer lookup', 'who', '', 'slack')).toEqual([]);
      expect(await complete(ZHANG_WEI, 'customer explode', 'who', '')).toEqual([]);
      expect(await complete(ZHANG_WEI, 'customer lookup', 'nope', '')).toEqual([]);
      expect(await complete(ZHANG_WEI, 'customer assign', 'rep', '')).toEqual([]);
    });
  });
});
