import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../src/commands/render-text.js';
import { catalogues } from '../../src/i18n/index.js';
import { commands } from '../../src/commands/registry.js';
import { ADMIN, ANNA, CHEN_JING, commandHarness, LI_NA, LIU_YANG, MAX, repByEmail, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('hostile input', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  describe('what a hostile or careless user types', () => {
    it('does read the README example and every kind of quote the same way (14.5)', async () => {
      const emma = textOf(await h.say(MAX, '/callback "Emma Fischer" tomorrow 10am check on the refill'));
      expect(emma).toMatch(/^Callback #\d+ with Emma Fischer: Nov 24, 2026, 10:00 AM\.$/);
      for (const quoted of ["'Emma Fischer'", '“Emma Fischer”', '‘Emma Fischer’', '「Emma Fischer」']) {
        expect(textOf(await h.say(MAX, `/callback ${quoted} tomorrow 10am check`))).toMatch(/^Callback #\d+ with Emma Fischer:/);
        expect(textOf(await h.say(MAX, `/customer note ${quoted} called back`))).toBe('Noted for Emma Fischer.');
      }
    });

    it('does answer a 100,000-character line at once with one clear line (14.6)', async () => {
      const started = performance.now();
      const reply = await h.say(ADMIN, `/customer lookup ${'x'.repeat(100_000)}`);
      expect(textOf(reply)).toBe('That line is too long (100017 characters); commands take at most 2000.');
      const words = await h.say(ADMIN, `/customer lookup ${'ab '.repeat(600)}`);
      expect(textOf(words)).toMatch(/^That is too long to search for; use at most 200 characters\./);
      const note = await h.say(MAX, `/customer note C000002 ${'很'.repeat(1950)}`);
      expect(textOf(note)).toBe('Noted for Emma Fischer.');
      // A note from a form may be longer than a command line, up to 4,000 characters.
      const long = (n: number) => h.app.dispatch({ platform: 'console', userId: MAX, command: 'customer note', options: { who: 'C000002', text: '长'.repeat(n) } });
      expect(textOf(await long(4000))).toBe('Noted for Emma Fischer.');
      expect(textOf(await long(4001))).toMatch(/^That text is too long; a note holds at most 4,000 characters\./);
      // Not a timing assertion: a bound that only a pathological search would break.
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('does fold full-width text, drop zero-width and bidi characters, and match commands in any case (14.13)', async () => {
      expect((await h.say(MAX, '/customer lookup Ｅｍｍａ Ｆｉｓｃｈｅｒ')).blocks[0]).toMatchObject({ type: 'card', title: 'Emma Fischer' });
      expect((await h.say(MAX, '/Customer LOOKUP Emma\u200b Fischer')).blocks[0]).toMatchObject({ type: 'card', title: 'Emma Fischer' });
      expect((await h.say(MAX, '／customer lookup C000002')).blocks[0]).toMatchObject({ type: 'card', title: 'Emma Fischer' });
      // A NUL once reached the name search and failed there (found by the fuzz test below).
      h.errors.length = 0;
      expect(textOf(await h.say(ADMIN, '/customer lookup \u0000 !'))).toMatch(/^No customer matches "!" in your book\./);
      expect(h.errors).toEqual([]);
      const echoed = textOf(await h.say(MAX, '/customer lookup evil\u202Egpj.exe'));
      expect(echoed).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
      expect(echoed).toContain('evilgpj.exe');
    });

    it('does list every command of a group, and explain /digest to those who may run it (14.13)', async () => {
      const group = textOf(await h.say(CHEN_JING, '/help customer'));
      for (const name of ['customer lookup', 'customer share', 'customer list', 'customer at-risk', 'customer note']) expect(group).toContain(`/${name}`);
      expect(group).not.toContain('/customer assign');
      expect(textOf(await h.say(ANNA, '/help digest'))).toContain('Get the weekly churn digest for your team now.');
      expect(textOf(await h.say(CHEN_JING, '/help digest'))).toBe('There is no command "digest". Type /help for the list.');
    });

    it('does refuse conflicting filters and a page past the end, and answer reps alike for any other rep (14.14)', async () => {
      expect(textOf(await h.say(ADMIN, '/customer list at-risk lapsed'))).toMatch(/^"stage" is given twice \(at-risk and lapsed\); choose one\./);
      expect(textOf(await h.say(ADMIN, '/customer list tier A tier B'))).toMatch(/^"tier" is given twice \(A and B\); choose one\./);
      expect(textOf(await h.say(ADMIN, '/customer list mine rep @max.weber'))).toMatch(/^Choose mine, team or one rep, not several\./);
      expect(textOf(await h.say(CHEN_JING, '/customer list --page 99'))).toMatch(/^There is no page 99: the list has \d+ pages?\.$/);
      // No probing of rep names: an unknown rep and another rep's name answer the same.
      const nobody = textOf(await h.say(CHEN_JING, '/customer list rep @nobody'));
      expect(textOf(await h.say(CHEN_JING, '/customer list rep @max.weber'))).toBe(nobody);
      expect(textOf(await h.say(LI_NA, '/customer list rep @max.weber'))).toBe('你只能查看本团队销售的客户。');
    });
  });

  /** Ids the help texts use as examples ("e.g. /customer note C000001 …"): showing them leaks nothing. */
  const EXAMPLES = JSON.stringify(catalogues);

  /** External ids, emails and phones of the customers outside an actor's book: none may ever appear in their replies. */
  async function outsideBook(email: string): Promise<string[]> {
    const actor = await repByEmail(h.db, email);
    let outside = h.db.kysely.selectFrom('Customer as c').leftJoin('Rep as r', 'r.id', 'c.ownerId').select(['c.externalId', 'c.email', 'c.phone']);
    if (actor.role === 'admin') return [];
    outside = actor.role === 'manager' ? outside.where('r.teamId', 'is distinct from', actor.teamId) : outside.where('c.ownerId', 'is distinct from', actor.id);
    const rows = await outside.execute();
    return rows.flatMap((r) => [r.externalId, r.email, r.phone].filter((v): v is string => v !== null && v.length > 0 && !EXAMPLES.includes(v)));
  }

  describe('a fuzzed dispatcher (issue 14 acceptance)', () => {
    const people = [ADMIN, LI_NA, ANNA, ZHANG_WEI, LIU_YANG, CHEN_JING, MAX];
    const names = commands.map((c) => c.name);
    const hostileWord = fc.oneof(
      fc.constantFrom('C000001', 'C000004', 'C000002', '王芳', 'Emma', '@max.weber', '@nobody', 'tier', 'A', 'at-risk', 'lapsed', 'mine', 'team', '--page', '--complaint', '--satisfaction', '9', '-1', '0', '1e9', 'NaN', 'tomorrow', '10am', 'in 500 years', 'yesterday'),
      fc.constantFrom('"', '“', '「', "'", '\u202E', '\u200B', 'Ｅｍｍａ', '=HYPERLINK("x")', '<@U123>', '${x}', '{{t}}', '%s', '\\', '\u0000', '🙂', '\r', '--', '--page=', '#1', '#999999'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    );
    const line = fc.tuple(fc.constantFrom(...names, 'customer', 'callback', 'rapport', 'nonsense'), fc.array(hostileWord, { maxLength: 8 })).map(([name, words]) => `/${name} ${words.join(' ')}`);

    it('does answer every line as every role with a bounded reply, no exception and nothing outside the book', async () => {
      const hidden = new Map(await Promise.all(people.map(async (p) => [p, await outsideBook(p)] as const)));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...people), fc.oneof(line, fc.string({ maxLength: 300 }), fc.constant('x'.repeat(5000))), async (who, text) => {
          h.errors.length = 0;
          const reply = await h.say(who, text);
          const shown = renderText(reply);
          expect(shown.length).toBeLessThan(20_000);
          expect(h.errors).toEqual([]);
          // What the asker typed may be echoed back ("No customer matches …"); anything else of another book may not.
          for (const secret of hidden.get(who)!) {
            if (shown.includes(secret) && !text.includes(secret)) throw new Error(`${who} saw ${secret} after ${JSON.stringify(text)}`);
          }
        }),
        { numRuns: 400, seed: 20261201 },
      );
    });
  });
});
