import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeScores } from '../../src/scoring/recompute.js';
import {
  ADMIN, ANNA, auditRows, buttonsOf, CHEN_JING, commandHarness, customerWhere, fieldOf, LI_NA, LIU_YANG, MAX, NOW, repIdOf, textOf,
  withContacts, ZHANG_WEI, type AnyEngineHarness,
} from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/customer', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  /** The customer's latest contact (Interaction), these columns of it. */
  const lastContactOf = (customerId: number, columns: ('kind' | 'text' | 'satisfaction')[]) =>
    h.db.kysely.selectFrom('Interaction').select(columns).where('customerId', '=', customerId).orderBy('id', 'desc').limit(1).executeTakeFirst();

  describe('/customer lookup', () => {
    it('does show the full card when the external id names a customer in the asker\'s book', async () => {
      const reply = await h.say(CHEN_JING, `/customer lookup ${(await customerWhere(h.db, CHEN_JING)).externalId}`);
      expect(reply.visibility).toBe('private');
      const card = reply.blocks[0]!;
      expect(card.type).toBe('card');
      for (const label of ['Tier', 'R / F / M', 'Stage', 'Churn risk (90 days)', 'Expected', 'Last purchases', 'Lifetime spend', 'Owner', 'Next callback', 'Last contact']) {
        expect(fieldOf(reply, label), label).toBeTruthy();
      }
      expect(card.type === 'card' && card.footer).toMatch(/^Next step: /);
    });

    it('does say how many orders are expected without a plural that a forecast of 1 would get wrong', async () => {
      const c = await customerWhere(h.db, CHEN_JING, (eb) => eb('c.id', 'in', eb.selectFrom('ScoreSnapshot').select('customerId').where('expected30', 'is not', null)));
      expect(fieldOf(await h.say(CHEN_JING, `/customer lookup ${c.externalId}`), 'Expected')).toMatch(/^orders: [\d.]+ in 30 days · [\d.]+ in 90 days/);
    });

    it('does explain the churn risk in plain words with the customer\'s own rhythm', async () => {
      const c = await customerWhere(h.db, CHEN_JING, (eb) => eb('c.id', 'in', eb.selectFrom('ScoreSnapshot').select('customerId').where('lifecycle', '=', 'at_risk')));
      const reply = await h.say(CHEN_JING, `/customer lookup ${c.externalId}`);
      expect(fieldOf(reply, 'Churn risk (90 days)')).toMatch(/^64% — usually buys every 18 days; \d+ days since the last order$/);
      expect(fieldOf(reply, 'Stage')).toBe('at risk');
      expect(reply.blocks[0]!.type === 'card' && reply.blocks[0]!.footer).toBe('Next step: start a win-back: call, offer what they usually buy, set a deadline');
    });

    it('does find a customer by email, by phone with or without the country code, and by exact name', async () => {
      const c = await customerWhere(h.db, CHEN_JING, withContacts);
      const local = c.phone!.replace(/^\+86/, '');
      for (const query of [c.email!.toUpperCase(), c.phone!, local, `${local.slice(0, 3)} ${local.slice(3, 7)} ${local.slice(7)}`]) {
        const reply = await h.say(ADMIN, `/customer lookup ${query}`);
        expect(reply.blocks[0], query).toMatchObject({ type: 'card', title: c.name, subtitle: expect.stringMatching(new RegExp(`^${c.externalId}( · |$)`)) });
      }
      expect((await h.say(ADMIN, '/customer lookup Emma Fischer')).blocks[0]).toMatchObject({ type: 'card', title: 'Emma Fischer' });
    });

    it('does list the matches, numbered, when a name matches several customers', async () => {
      const reply = await h.say(ADMIN, '/customer lookup 王芳');
      expect(reply.blocks[0]).toMatchObject({ type: 'list', numbered: true, title: '2 customers match "王芳"' });
      expect(textOf(reply)).toContain('王芳 (C000001)');
      expect(textOf(reply)).toContain('王芳 (C000004)');
      expect(textOf(reply)).toContain('Repeat with one of the IDs, e.g. /customer lookup C000001');
    });

    it('does show a rep only the namesake in their own book', async () => {
      const reply = await h.say(ZHANG_WEI, '/customer lookup 王芳');
      expect(reply.blocks[0]).toMatchObject({ type: 'card', title: '王芳', subtitle: expect.stringMatching(/^C000001 · /) });
    });

    it('does answer a rep looking up another rep\'s customer exactly as if it did not exist', async () => {
      const other = await h.say(ZHANG_WEI, '/customer lookup C000004');
      const missing = await h.say(ZHANG_WEI, '/customer lookup C999999');
      expect(textOf(other).replace('C000004', 'X')).toBe(textOf(missing).replace('C999999', 'X'));
      expect(textOf(other)).toMatch(/^你的客户中没有与“C000004”匹配的客户。/);
    });

    it('does keep a manager to their own team', async () => {
      expect(textOf(await h.say(LI_NA, '/customer lookup C000004'))).not.toContain('没有');
      expect(textOf(await h.say(LI_NA, '/customer lookup Emma Fischer'))).toMatch(/^你的客户中没有与“Emma Fischer”匹配的客户。/);
      expect((await h.say(ANNA, '/customer lookup Emma Fischer')).blocks[0]).toMatchObject({ type: 'card' });
    });

    it('does suggest the close name when a typo matches nothing', async () => {
      expect(textOf(await h.say(ADMIN, '/customer lookup 王方'))).toMatch(/^No customer matches "王方" in your book\. Did you mean: .*王芳.*\?$/);
      expect(textOf(await h.say(ADMIN, '/customer lookup Emma Fischr'))).toContain('Did you mean: Emma Fischer');
      expect(textOf(await h.say(ADMIN, '/customer lookup zzzzqqq'))).toBe(
        'No customer matches "zzzzqqq" in your book. Try part of the name, the email, the phone number or the external id.',
      );
    });

    it('does find customers by part of a name, including one Chinese character', async () => {
      const reply = await h.say(ADMIN, '/customer lookup Fisch');
      expect(textOf(reply)).toContain('Emma Fischer');
      const surname = await h.say(ADMIN, '/customer lookup 王');
      expect(surname.blocks[0]).toMatchObject({ type: 'list' });
      const { count } = await h.db.kysely.selectFrom('Customer').select((eb) => eb.fn.countAll<number>().as('count')).where('name', 'like', '%王%').executeTakeFirstOrThrow();
      expect(surname.blocks[0]!.type === 'list' && surname.blocks[0]!.title).toBe(`${count} customers match "王"`);
    });

    it('does ask for a query in one line when the query is empty', async () => {
      const reply = await h.say(ADMIN, '/customer lookup   ');
      expect(reply.blocks).toHaveLength(1);
      expect(textOf(reply)).toBe('Tell me who to look up: a name, email, phone or external id. Example: /customer lookup 王芳\nUsage: /customer lookup <name | email | phone | external id>');
    });

    it('does offer reassigning on the card only to managers and admins', async () => {
      const commandsOnCard = async (user: string) => buttonsOf(await h.say(user, '/customer lookup C000001')).map((a) => a.invocation.command);
      expect(await commandsOnCard(ZHANG_WEI)).toEqual(['callback', 'customer note', 'customer share']);
      expect(await commandsOnCard(LI_NA)).toEqual(['callback', 'customer note', 'customer assign', 'customer share']);
    });

    it('does write every lookup to the audit log, found or not', async () => {
      const before = (await auditRows(h.db)).length;
      await h.say(ZHANG_WEI, '/customer lookup C000001');
      await h.say(ZHANG_WEI, '/customer lookup C000004');
      const rows = (await auditRows(h.db)).slice(before);
      const zhang = await repIdOf(h.db, ZHANG_WEI);
      expect(rows).toEqual([
        expect.objectContaining({ repId: zhang, action: 'customer.lookup', target: 'customer:1', detail: 'C000001', at: h.clock.now().getTime() }),
        expect.objectContaining({ repId: zhang, action: 'customer.lookup', target: '', detail: 'C000004' }),
      ]);
    });
  });

  describe('/customer list and /customer at-risk', () => {
    it('does list a rep\'s own book by value at stake, paged', async () => {
      const reply = await h.say(CHEN_JING, '/customer list');
      const list = reply.blocks[0]!;
      expect(list.type).toBe('list');
      const { own } = await h.db.kysely
        .selectFrom('Customer as c')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .select((eb) => eb.fn.countAll<number>().as('own'))
        .where('r.email', '=', CHEN_JING)
        .executeTakeFirstOrThrow();
      expect(own).toBeGreaterThan(10);
      expect(list.type === 'list' && list.footer).toBe('Page 1; more follow.');
      expect(list.type === 'list' && list.paging).toMatchObject({ page: 1, next: { typed: '/customer list --page 2', invocation: { command: 'customer list', options: { page: 2 } } } });
      expect(list.type === 'list' && list.paging?.previous).toBeUndefined();
      const stakes = list.type === 'list' ? list.items.map((i) => Number(/at stake CN¥([\d,.]+)/.exec(i.secondary!)![1]!.replace(/,/g, ''))) : [];
      expect(stakes).toEqual([...stakes].sort((a, b) => b - a));
      // The last page counts them all.
      const last = (await h.say(CHEN_JING, `/customer list --page ${Math.ceil(own / 10)}`)).blocks[0]!;
      expect(last.type === 'list' && last.footer).toBe(`Page ${Math.ceil(own / 10)} of ${Math.ceil(own / 10)} · ${own} customers.`);
      expect(last.type === 'list' && last.paging?.next).toBeUndefined();
    });

    it('does filter by tier and segment', async () => {
      const reply = await h.say(ADMIN, '/customer list tier A at-risk');
      const items = reply.blocks[0]!.type === 'list' ? reply.blocks[0]!.items : [];
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.secondary).toMatch(/^Tier A · at risk · risk 64%/);
    });

    it('does let a manager list one rep of the team but not a rep of another team', async () => {
      const reply = await h.say(LI_NA, '/customer list rep @liu.yang');
      expect(textOf(reply)).toContain('刘洋');
      expect(textOf(reply)).not.toContain('张伟');
      expect(textOf(await h.say(LI_NA, '/customer list rep @max.weber'))).toBe('你只能查看本团队销售的客户。');
    });

    it('does refuse a rep the team list', async () => {
      expect(textOf(await h.say(MAX, '/customer list team'))).toBe('Reps can only list their own customers.');
    });

    it('does explain a filter it does not understand, and a bad page', async () => {
      expect(textOf(await h.say(MAX, '/customer list tier Z'))).toMatch(/^I do not understand that filter/);
      expect(textOf(await h.say(MAX, '/customer list --page 0'))).toMatch(/^The page must be a whole number from 1\./);
      expect(textOf(await h.say(MAX, '/customer list --page 9'))).toBe('There is no page 9: the list has 2 pages.');
      expect(textOf(await h.say(MAX, '/customer list tier A --page 2'))).toBe('There is no page 2: the list has 1 page.');
      expect(textOf(await h.say(ZHANG_WEI, '/customer list --page 9'))).toMatch(/^没有第 9 页：列表共 \d+ 页。$/);
    });

    it('does put at-risk and lapsed customers worth saving first', async () => {
      const reply = await h.say(CHEN_JING, '/customer at-risk');
      const items = reply.blocks[0]!.type === 'list' ? reply.blocks[0]!.items : [];
      expect(reply.blocks[0]).toMatchObject({ title: 'Worth saving now' });
      for (const item of items) expect(item.secondary).toMatch(/· (at risk|lapsed) ·/);
    });
  });

  describe('/customer note', () => {
    it('does log a note with a satisfaction score', async () => {
      const reply = await h.say(ZHANG_WEI, '/customer note C000001 回访：精华液效果很好 --satisfaction 5');
      expect(textOf(reply)).toBe('已为 王芳 记录备注。');
      expect(await lastContactOf(1, ['kind', 'text', 'satisfaction'])).toEqual({
        kind: 'note', text: '回访：精华液效果很好', satisfaction: 5,
      });
      expect(fieldOf(await h.say(ZHANG_WEI, '/customer lookup C000001'), '最近联系')).toMatch(/^备注 · .* — 回访：精华液效果很好$/);
    });

    it('does open a complaint ticket for its owner, due by the tier in working hours', async () => {
      const c = await customerWhere(h.db, CHEN_JING);
      const reply = await h.say(CHEN_JING, `/customer note ${c.externalId} --complaint Delivery was late`);
      expect(textOf(reply)).toMatch(/^Complaint #\d+ opened for .+, owned by 陈静: answer by .+\./);
      const id = Number(/#(\d+)/.exec(textOf(reply))![1]);
      const ticket = await h.db.kysely.selectFrom('Ticket').select(['customerId', 'ownerId', 'status', 'text', 'tier', 'deadline', 'interactionId']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(ticket).toMatchObject({ customerId: c.id, ownerId: c.ownerId, status: 'open', text: 'Delivery was late' });
      // Monday 09:30 in Shanghai, working hours 09–18: A 4 hours, B one working day (9 hours), C and D two.
      const due = { A: '2026-11-23T05:30:00.000Z', B: '2026-11-24T01:30:00.000Z', C: '2026-11-25T01:30:00.000Z', D: '2026-11-25T01:30:00.000Z' } as Record<string, string>;
      expect(new Date(ticket.deadline).toISOString()).toBe(due[ticket.tier]);
      expect(await h.db.kysely.selectFrom('Interaction').select('kind').where('id', '=', ticket.interactionId).execute()).toEqual([{ kind: 'complaint' }]);
    });

    it('does log a contact by its channel, and keep a complaint a complaint', async () => {
      for (const kind of ['call', 'visit', 'message', 'email']) {
        expect(textOf(await h.say(ZHANG_WEI, `/customer note C000001 跟进 --kind ${kind}`))).toBe(`已记录与 王芳 的一次${{ call: '电话', visit: '到访', message: '消息', email: '邮件' }[kind]}。`);
        expect(await lastContactOf(1, ['kind'])).toEqual({ kind });
      }
      expect(textOf(await h.say(ZHANG_WEI, '/customer note C000001 bad line --kind call --complaint'))).toMatch(/^投诉按投诉记录；请去掉 --kind。\n用法：/);
      expect(textOf(await h.say(ZHANG_WEI, '/customer note C000001 hi --kind fax'))).toMatch(/^联系方式是 call、visit、message 或 email。/);
    });

    it('does reject a satisfaction outside 1-5 and a note without text', async () => {
      expect(textOf(await h.say(MAX, '/customer note Emma --satisfaction 7 hi'))).toMatch(/^Satisfaction is a whole number from 1 to 5\.\nUsage:/);
      expect(textOf(await h.say(MAX, '/customer note C000002'))).toMatch(/^Write the note after the customer/);
    });
  });

  describe('/customer assign', () => {
    it('does move a customer within the team, with its open callbacks, and log it', async () => {
      const c = await customerWhere(h.db, LIU_YANG);
      await h.say(LIU_YANG, `/callback ${c.externalId} tomorrow 10am`);
      const reply = await h.say(LI_NA, `/customer assign ${c.externalId} @zhang.wei`);
      expect(textOf(reply)).toBe(`${c.name} 现在由 张伟 负责（原负责人：刘洋）。`);
      const zhang = await repIdOf(h.db, ZHANG_WEI);
      expect(await h.db.kysely.selectFrom('Customer').select('ownerId').where('id', '=', c.id).execute()).toEqual([{ ownerId: zhang }]);
      expect(await h.db.kysely.selectFrom('Callback').select('ownerId').distinct().where('customerId', '=', c.id).where('status', '=', 'open').execute()).toEqual([{ ownerId: zhang }]);
      expect((await auditRows(h.db)).at(-1)).toMatchObject({ action: 'customer.assign', target: `customer:${c.id}` });
    });

    it('does refuse reps, other teams\' reps and other teams\' customers', async () => {
      expect(textOf(await h.say(ZHANG_WEI, '/customer assign C000001 @liu.yang'))).toBe('只有经理可以使用 /customer assign。');
      expect(textOf(await h.say(LI_NA, '/customer assign C000001 @max.weber'))).toBe('你只能把客户分配给自己团队的销售。');
      expect(textOf(await h.say(ANNA, '/customer assign C000001 @max.weber'))).toMatch(/^No customer matches "C000001" in your book\./);
      expect(textOf(await h.say(ANNA, '/customer assign C000002 @nobody'))).toBe('There is no active rep "@nobody".');
      expect(textOf(await h.say(ANNA, '/customer assign C000002'))).toMatch(/^Say who gets the customer/);
    });
  });

  describe('/customer lookup of a customer whose orders were refunded or free', () => {
    let own: AnyEngineHarness;
    beforeAll(async () => {
      own = await commandHarness({ engine });
      const chen = await repIdOf(own.db, CHEN_JING);
      const addCustomer = async (externalId: string, name: string) =>
        (await own.db.kysely.insertInto('Customer').values({ externalId, name, ownerId: chen, createdAt: 0, updatedAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
      const order = (customerId: number, days: number, amountMinor: number) => ({ customerId, orderedAt: NOW.getTime() - days * 86_400_000, amountMinor, createdAt: 0 });
      const refunded = await addCustomer('R1', 'Refunded Buyer');
      const free = await addCustomer('Z1', 'Free Sample');
      await own.db.kysely.insertInto('Order').values([order(refunded, 60, 10_000), order(refunded, 42, -10_000), order(refunded, 10, 0), order(free, 5, 0)]).execute();
      await recomputeScores(own.db, NOW);
    });
    afterAll(async () => own.cleanup());

    it('does show the last order that was paid for as the last purchase, and say why an ordering customer is a prospect', async () => {
      const refunded = await own.say(CHEN_JING, '/customer lookup R1');
      // The refund carries no refund_of, so the paid order stays listed; the 0.00 order is no purchase.
      expect(fieldOf(refunded, 'Last purchases')).toMatch(/^[^·]* \(60 days ago\): item CN¥100\.00$/);
      expect(fieldOf(refunded, 'Lifetime spend')).toBe('CN¥0.00 · 3 orders');
      expect(fieldOf(refunded, 'Stage')).toBe('prospect (ordered, but no order was kept as a purchase: refunded in full or free of charge)');
      const free = await own.say(CHEN_JING, '/customer lookup Z1');
      expect(fieldOf(free, 'Last purchases')).toBe('never');
      expect(fieldOf(free, 'Stage')).toBe('prospect (ordered, but no order was kept as a purchase: refunded in full or free of charge)');
      expect(fieldOf(await own.say(ZHANG_WEI, `/customer lookup ${(await customerWhere(own.db, ZHANG_WEI, (eb) => eb('c.id', 'not in', eb.selectFrom('Order').select('customerId')))).externalId}`), '阶段')).toBe('潜在客户（尚未下单）');
    });
  });
});
