import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_LENGTH, encodeInvocation } from '../../src/commands/options.js';
import type { Block, Reply } from '../../src/commands/reply.js';
import { ADMIN, auditRows, buttonsOf, CHEN_JING, commandHarness, customerWhere, LI_NA, MAX, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('customer segments', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
    // The harness files no won-back customer.
    await h.db.kysely.updateTable('ScoreSnapshot').set({ lifecycle: 'won_back' }).where((eb) => eb(eb('customerId', '%', 11), '=', 3)).execute();
  });
  afterAll(async () => h.cleanup());

  interface Known {
    externalId: string;
    ownerEmail: string | null;
    teamId: number | null;
    tier: string;
    lifecycle: string;
    longTail: string;
    lowMargin: boolean;
    tags: string;
    region: string | null;
    born: number | null;
    categories: string;
  }

  /** Everything a segment filters on, straight from the tables: the oracle the lists are checked against. */
  async function everyone(): Promise<Known[]> {
    const rows = await h.db.kysely
      .selectFrom('Customer as c')
      .innerJoin('ScoreSnapshot as s', 's.customerId', 'c.id')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .select(['c.externalId', 'r.email as ownerEmail', 'r.teamId', 's.tier', 's.lifecycle', 's.longTail', 's.lowMargin', 'c.tags', 'c.region', 's.categories', 'c.birthdayYear', 'c.birthdayMonth', 'c.birthdayDay'])
      .where('s.week', '=', '2026-W48')
      .execute();
    return rows.map(({ birthdayYear, birthdayMonth, birthdayDay, ...k }) => ({
      ...k,
      born: birthdayYear === null ? null : birthdayYear * 10000 + (birthdayMonth ?? 0) * 100 + (birthdayDay ?? 0),
    }));
  }

  /** Every customer a list shows, following its Next buttons to the end. */
  async function listed(asker: string, line: string): Promise<string[]> {
    const ids: string[] = [];
    let reply: Reply = await h.say(asker, line);
    for (let pages = 0; pages < 100; pages++) {
      const list = reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list');
      if (!list) {
        expect(textOf(reply)).toBe('No scored customers match. Scores are computed after imports and every night.');
        return ids;
      }
      ids.push(...list.items.map((i) => /\((\w+)\)$/.exec(i.primary)![1]!));
      if (!list.paging?.next) return ids;
      reply = await h.press(asker, list.paging.next);
    }
    throw new Error('more than 100 pages');
  }

  const external = (known: Known[]) => known.map((k) => k.externalId).sort();
  const hasTag = (k: Known, tag: string) => k.tags.split(',').some((t) => t.toLowerCase() === tag.toLowerCase());
  /** Ages 26–45 on 2026-11-23: born 1980-11-24 … 2000-11-23. */
  const aged26to45 = (k: Known) => k.born !== null && k.born >= 19801124 && k.born <= 20001123;

  describe('/customer list segments', () => {
    const cases: [string, (k: Known) => boolean][] = [
      ['tag 护肤', (k) => hasTag(k, '护肤')],
      ['tag COFFEE', (k) => hasTag(k, 'coffee')],
      ['region 上海', (k) => k.region === '上海'],
      ['region berlin', (k) => k.region === 'Berlin'],
      ['category 彩妆', (k) => k.categories.includes('|彩妆|')],
      ['category machines', (k) => k.categories.includes('|machines|')],
      ['age 26-45', aged26to45],
      ['stage active', (k) => k.lifecycle === 'active'],
      ['won-back', (k) => k.lifecycle === 'won_back'],
      ['prospect', (k) => k.lifecycle === 'prospect'],
      ['low-profit', (k) => k.lowMargin],
      ['head', (k) => k.longTail === 'head'],
      ['frequent-small', (k) => k.longTail === 'frequent-small'],
      ['rare-large', (k) => k.longTail === 'rare-large'],
      ['tier C', (k) => k.tier === 'C'],
      ['tier A at-risk', (k) => k.tier === 'A' && k.lifecycle === 'at_risk'],
      ['tag 彩妆 region 杭州', (k) => hasTag(k, '彩妆') && k.region === '杭州'],
      ['category 护肤 age 26-45', (k) => k.categories.includes('|护肤|') && aged26to45(k)],
      ['low-profit long-tail', (k) => k.lowMargin && k.longTail === 'long-tail'],
      ['stage active region 上海 category 护肤', (k) => k.lifecycle === 'active' && k.region === '上海' && k.categories.includes('|护肤|')],
    ];

    it.each(cases)('does list exactly the customers of the segment "%s", AND-combined, for an admin', async (filters, matches) => {
      const expected = external((await everyone()).filter(matches));
      expect(expected.length).toBeGreaterThan(0);
      expect((await listed(ADMIN, `/customer list ${filters}`)).sort()).toEqual(expected);
    });

    it('does list only the rare and small for long-tail, none of the head', async () => {
      const all = await everyone();
      const tail = await listed(ADMIN, '/customer list long-tail');
      expect(tail.sort()).toEqual(external(all.filter((k) => k.longTail === 'long-tail')));
      const head = new Set(external(all.filter((k) => k.longTail !== 'long-tail')));
      expect(tail.filter((id) => head.has(id))).toEqual([]);
    });

    it('does keep every segment within the asker’s book', async () => {
      const mine = external((await everyone()).filter((k) => k.ownerEmail === ZHANG_WEI && hasTag(k, '护肤')));
      expect((await listed(ZHANG_WEI, '/customer list tag 护肤')).sort()).toEqual(mine);
      const shanghai = (await everyone()).find((k) => k.ownerEmail === LI_NA)?.teamId ?? (await everyone()).find((k) => k.ownerEmail === ZHANG_WEI)!.teamId;
      expect((await listed(LI_NA, '/customer list tier B')).sort()).toEqual(external((await everyone()).filter((k) => k.teamId === shanghai && k.tier === 'B')));
    });

    it('does take a stage as a bare word or after its name, and refuse what it cannot read in one line', async () => {
      expect(await listed(ADMIN, '/customer list stage lapsed')).toEqual(await listed(ADMIN, '/customer list lapsed'));
      expect(textOf(await h.say(ADMIN, '/customer list age 40-30'))).toMatch(/^"40-30" is no age range; give whole years like age 30-40\.\nUsage:/);
      expect(textOf(await h.say(ADMIN, '/customer list age old'))).toMatch(/^"old" is no age range/);
      expect(textOf(await h.say(ADMIN, `/customer list tag ${'x'.repeat(101)}`))).toMatch(/^A tag, region or category has at most 100 characters\./);
      expect(textOf(await h.say(ADMIN, '/customer list region Mars'))).toBe('No scored customers match. Scores are computed after imports and every night.');
    });

    it('does page a filter too long for a button through a saved id, with the typed line in full', async () => {
      const long = 'x'.repeat(100);
      await h.db.kysely.updateTable('Customer').set({ region: long }).where('id', 'in', (eb) => eb.selectFrom('Customer').select('id').orderBy('id').limit(30)).execute();
      const line = `/customer list tag 彩妆 region ${long} category 香氛 age 18-99`;
      const all = await listed(ADMIN, line);
      expect(all.sort()).toEqual(external((await everyone()).filter((k) => k.region === long && hasTag(k, '彩妆') && k.categories.includes('|香氛|') && k.born !== null && k.born <= 20081123 && k.born >= 19261124)));
      expect(await listed(ADMIN, `/customer list region ${long}`)).toHaveLength(30);
      const page1 = await h.say(ADMIN, `/customer list region ${long}`);
      const button = buttonsOf(page1).find((b) => b.label === 'Next')!;
      expect(encodeInvocation(button.invocation).length).toBeLessThanOrEqual(MAX_PAYLOAD_LENGTH);
      expect(button.invocation.options).toEqual({ saved: expect.any(Number), page: 2 });
      expect(button.typed).toBe(`/customer list region ${long} --page 2`);
      // The saved filter is the asker's own: another rep pressing it gets nothing of it.
      expect(textOf(await h.press(MAX, button))).toBe('That saved list is not yours or no longer there; type the filters again.');
      expect(textOf(await h.say(ADMIN, `/customer list --saved ${button.invocation.options.saved} tier A`))).toBe('A saved list (--saved) takes no other filters, only --page.');
    });
  });

  describe('/customer tag', () => {
    it('does add and remove tags of a customer in the rep’s book, audited, and the list finds them', async () => {
      const reply = await h.say(ZHANG_WEI, '/customer tag C000001 +VIP -护肤 +首单');
      expect(textOf(reply)).toMatch(/^王芳 现在的标签：.*VIP.*首单/);
      expect(textOf(reply)).not.toContain('护肤');
      const { id } = await h.db.kysely.selectFrom('Customer').select('id').where('externalId', '=', 'C000001').executeTakeFirstOrThrow();
      expect((await auditRows(h.db)).at(-1)).toMatchObject({ action: 'customer.tag', target: `customer:${id}`, detail: JSON.stringify({ added: ['VIP', '首单'], removed: ['护肤'] }) });
      expect(await listed(ZHANG_WEI, '/customer list tag vip')).toContain('C000001');
      expect(await listed(ZHANG_WEI, '/customer list tag 护肤')).not.toContain('C000001');
      expect(textOf(await h.say(ZHANG_WEI, '/customer tag C000001 vip'))).toMatch(/^没有变化；王芳 的标签：/);
    });

    it('does answer a rep tagging another book’s customer as if it did not exist, and change nothing', async () => {
      const tagsOf = async (externalId: string) => (await h.db.kysely.selectFrom('Customer').select('tags').where('externalId', '=', externalId).executeTakeFirstOrThrow()).tags;
      const before = await tagsOf('C000004');
      const audits = (await auditRows(h.db)).length;
      expect(textOf(await h.say(ZHANG_WEI, '/customer tag C000004 +vip'))).toMatch(/^你的客户中没有与“C000004”匹配的客户。/);
      expect(await tagsOf('C000004')).toBe(before);
      expect((await auditRows(h.db)).slice(audits).filter((a) => a.action === 'customer.tag')).toEqual([]);
    });

    it('does refuse a tag an import would split, one too long, and no tag at all, naming it', async () => {
      expect(textOf(await h.say(CHEN_JING, '/customer tag Emma +a,b'))).toMatch(/^The tag "\+a,b" holds a separator/);
      expect(textOf(await h.say(MAX, `/customer tag C000002 +${'y'.repeat(51)}`))).toMatch(/is too long; a tag has at most 50 characters\./);
      expect(textOf(await h.say(MAX, '/customer tag C000002 -'))).toMatch(/^"-" names no tag/);
      expect(textOf(await h.say(MAX, '/customer tag C000002'))).toMatch(/^Say which tags to add or remove/);
    });
  });

  describe('/customer export', () => {
    const csvOf = (reply: Reply) => {
      const file = reply.blocks.find((b): b is Extract<Block, { type: 'file' }> => b.type === 'file')!;
      // ignoreBOM: keep the byte-order mark in the text, as Excel reads it.
      return { name: file.fileName, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(file.bytes) };
    };

    it('does export a segment of the asker’s book only, with a BOM, formulas escaped, and audit it', async () => {
      const theirs = await customerWhere(h.db, MAX);
      await h.db.kysely.updateTable('Customer').set({ name: '=HYPERLINK("http://x","y")', tags: '+cmd,vip', region: 'Berlin' }).where('id', '=', theirs.id).execute();
      const reply = await h.say(MAX, '/customer export region berlin');
      expect(reply.visibility).toBe('private');
      const { name, text } = csvOf(reply);
      expect(name).toMatch(/^customers-2026-11-23-\d{4}\.csv$/);
      expect(text.startsWith('\ufeffexternal_id,name,email,phone,region,tags,')).toBe(true);
      const rows = text.trim().split('\r\n').slice(1);
      const maxBook = new Set(external((await everyone()).filter((k) => k.ownerEmail === MAX)));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(maxBook.has(row.split(',')[0]!)).toBe(true);
      const escaped = rows.find((row) => row.startsWith(`${theirs.externalId},`))!;
      expect(escaped).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
      expect(escaped).toContain("'+cmd, vip");
      expect(textOf(reply)).toContain(`Exported ${rows.length} customers.`);
      expect((await auditRows(h.db)).at(-1)).toMatchObject({ action: 'customer.export', detail: JSON.stringify({ filters: { region: 'berlin' }, rows: rows.length, more: false }) });
    });

    it('does give a manager the team’s customers with their contact data, and no other team’s', async () => {
      const { text } = csvOf(await h.say(LI_NA, '/customer export'));
      const rows = text.trim().split('\r\n').slice(1);
      const team = (await everyone()).find((k) => k.ownerEmail === ZHANG_WEI)!.teamId;
      expect(rows.map((r) => r.split(',')[0]).sort()).toEqual(external((await everyone()).filter((k) => k.teamId === team)));
      expect(rows.some((r) => /@example\.cn/.test(r))).toBe(true);
    });
  });
});
