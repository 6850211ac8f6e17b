import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInvocation } from '../../src/commands/options.js';
import { auditRows, button, buttonsOf, CHEN_JING, commandHarness, LI_NA, LIU_YANG, MAX, repIdOf, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/callback', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  const idIn = (text: string) => Number(/#(\d+)/.exec(text)![1]);
  const callback = (id: number) =>
    h.db.kysely.selectFrom('Callback').select(['dueAt', 'timed', 'note', 'status', 'source', 'ownerId']).where('id', '=', id).executeTakeFirstOrThrow();

  describe('/callback', () => {
    it('does schedule a callback at a time in the rep\'s own time zone, with its note', async () => {
      // 张伟 is in Asia/Shanghai; now is Monday 09:30 there.
      const reply = await h.say(ZHANG_WEI, '/callback 王芳 tomorrow 10am check on the refill');
      expect(textOf(reply)).toMatch(/^已安排与 王芳 的回访 #\d+：2026年11月24日 10:00。$/);
      expect(await callback(idIn(textOf(reply)))).toMatchObject({ dueAt: Date.parse('2026-11-24T02:00:00Z'), timed: true, note: 'check on the refill', status: 'open', source: 'manual' });
    });

    it('does read Chinese times and day-only times', async () => {
      const monday = await h.say(ZHANG_WEI, '/callback C000001 下周一 10点 回访');
      expect(await callback(idIn(textOf(monday)))).toMatchObject({ dueAt: Date.parse('2026-11-30T02:00:00Z'), note: '回访' });
      const later = await h.say(CHEN_JING, `/callback ${'C000007'} in 3 days`);
      expect(textOf(later)).toMatch(/^(Callback #\d+ with .+: Nov 26, 2026, on your agenda that morning\.|No customer)/);
    });

    it('does say what is wrong with the time, the customer or the book', async () => {
      expect(textOf(await h.say(MAX, '/callback Emma Fischer yesterday 10am'))).toBe('That time has already passed; pick a time ahead.');
      expect(textOf(await h.say(MAX, '/callback "Emma Fischer" in 500 years'))).toBe('That is more than 5 years ahead; pick a nearer time.');
      expect(textOf(await h.say(MAX, '/callback "Emma Fischer" 2099-01-01 10:00'))).toBe('That is more than 5 years ahead; pick a nearer time.');
      expect(textOf(await h.say(MAX, '/callback Emma Fischer'))).toMatch(/^When\? For example/);
      expect(textOf(await h.say(MAX, '/callback tomorrow 10am'))).toMatch(/^Say who to call before the time/);
      expect(textOf(await h.say(MAX, '/callback'))).toMatch(/^Say who to call before the time/);
      expect(textOf(await h.say(MAX, '/callback 王芳 tomorrow 10am'))).toMatch(/^No customer matches "王芳" in your book\./);
    });
  });

  describe('/callbacks and done / snooze / cancel', () => {
    it('does list the rep\'s agenda in sections: overdue, today, upcoming', async () => {
      const zhang = await repIdOf(h.db, ZHANG_WEI);
      const open = (dueAt: string, note: string) => ({ customerId: 1, ownerId: zhang, dueAt: Date.parse(dueAt), timed: true, note, status: 'open', source: 'manual', createdAt: 0 });
      await h.db.kysely
        .insertInto('Callback')
        .values([open('2026-11-22T02:00:00Z', 'late one'), open('2026-11-23T07:00:00Z', 'this afternoon'), open('2026-11-26T02:00:00Z', 'later this week')])
        .execute();
      const reply = await h.say(ZHANG_WEI, '/callbacks');
      const titles = reply.blocks.filter((b) => b.type === 'list').map((b) => b.type === 'list' && b.title);
      expect(titles).toEqual(['已逾期', '今天', '未来 14 天']);
      const text = textOf(reply);
      expect(text.indexOf('late one')).toBeGreaterThan(-1);
      expect(text.indexOf('late one')).toBeLessThan(text.indexOf('this afternoon'));
      expect(text.indexOf('this afternoon')).toBeLessThan(text.indexOf('later this week'));
    });

    it('does mark done, snooze and cancel a rep\'s own callbacks and audit each', async () => {
      const id = idIn(textOf(await h.say(LIU_YANG, `/callback C000004 tomorrow 3pm`)));
      expect(textOf(await h.say(LIU_YANG, `/callback snooze ${id} 2026-12-01 14:00`))).toBe(`与 王芳 的回访 #${id} 已改到 2026年12月1日 14:00。`);
      expect((await callback(id)).dueAt).toBe(Date.parse('2026-12-01T06:00:00Z'));
      expect(textOf(await h.say(LIU_YANG, `/callback snooze ${id}`))).toMatch(/已改到 2026年11月24日 09:30/);
      expect(textOf(await h.say(LIU_YANG, `/callback done ${id}`))).toBe(`与 王芳 的回访 #${id} 已完成。`);
      expect(textOf(await h.say(LIU_YANG, `/callback cancel ${id}`))).toBe(`回访 #${id} 已经完成。`);
      expect((await auditRows(h.db)).filter((r) => r.target === `callback:${id}`).map((r) => r.action)).toEqual([
        'callback.create', 'callback.snooze', 'callback.snooze', 'callback.done',
      ]);
    });

    it('does hide another rep\'s callback but let their manager act on it', async () => {
      const id = idIn(textOf(await h.say(LIU_YANG, '/callback C000004 tomorrow 4pm')));
      expect(textOf(await h.say(ZHANG_WEI, `/callback cancel ${id}`))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      expect(textOf(await h.say(MAX, `/callback done ${id}`))).toBe(`There is no callback #${id} in your book.`);
      expect(textOf(await h.say(LI_NA, `/callback cancel ${id}`))).toBe(`与 王芳 的回访 #${id} 已取消。`);
    });

    it('does ask for a callback number when the id is missing or not a number', async () => {
      expect(textOf(await h.say(MAX, '/callback done'))).toMatch(/^Give the callback number/);
      expect(textOf(await h.say(MAX, '/callback done abc'))).toMatch(/^Give the callback number/);
      expect(textOf(await h.say(MAX, '/callback done #'))).toMatch(/^Give the callback number/);
    });

    it('does take a callback or complaint number written as /callbacks and /complaints show it (#12, ＃12)', async () => {
      const id = idIn(textOf(await h.say(LIU_YANG, '/callback C000004 tomorrow 5pm')));
      expect(textOf(await h.say(LIU_YANG, `/callback snooze #${id} 2026-12-01 14:00`))).toBe(`与 王芳 的回访 #${id} 已改到 2026年12月1日 14:00。`);
      expect(textOf(await h.say(LIU_YANG, `/callback done ＃${id}`))).toBe(`与 王芳 的回访 #${id} 已完成。`);
      const ticket = /#(\d+)/.exec(textOf(await h.say(LIU_YANG, '/complaint C000004 broken')))![1];
      expect(textOf(await h.say(LIU_YANG, `/complaint resolve #${ticket} fixed`))).not.toMatch(/编号|number/);
    });
  });

  describe('button presses', () => {
    const forged = (command: string, options: Record<string, string | number>) => encodeInvocation({ command, options });

    it('does run Done, Snooze and Reschedule presses with the same book checks as the commands', async () => {
      const id = idIn(textOf(await h.say(LIU_YANG, '/callback C000004 tomorrow 5pm')));
      const agenda = await h.say(LIU_YANG, '/callbacks');
      // Another rep pressing the same button (a forwarded payload) gets what the typed command gives.
      expect(textOf(await h.press(ZHANG_WEI, forged('callback done', { id })))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
      const snooze = buttonsOf(agenda).find((b) => b.invocation.command === 'callback snooze' && b.invocation.options.id === id && !b.invocation.form)!;
      expect(snooze.typed).toBe(`/callback snooze ${id}`);
      expect(textOf(await h.press(LIU_YANG, snooze))).toMatch(/已改到 2026年11月24日 09:30/);
      // Reschedule asks for the time in a form; submitting it runs the same command.
      const reschedule = buttonsOf(agenda).find((b) => b.invocation.command === 'callback snooze' && b.invocation.options.id === id && b.invocation.form)!;
      const form = (await h.press(LIU_YANG, reschedule)).blocks[0]!;
      expect(form).toMatchObject({ type: 'form', typed: `/callback snooze ${id} [时间]`, fields: [{ option: 'when', kind: 'datetime', required: false }] });
      if (form.type !== 'form') throw new Error('a form');
      const at = Date.parse('2026-11-25T07:00:00Z');
      const submitted = await h.app.submitForm({ platform: 'console', userId: LIU_YANG, payload: encodeInvocation(form.invocation), values: { when: at } });
      expect(textOf(submitted)).toMatch(/已改到 2026年11月25日 15:00/);
      expect((await callback(id)).dueAt).toBe(at);
      const done = buttonsOf(await h.say(LIU_YANG, '/callbacks')).find((b) => b.invocation.command === 'callback done' && b.invocation.options.id === id)!;
      expect(textOf(await h.press(LIU_YANG, done))).toBe(`与 王芳 的回访 #${id} 已完成。`);
    });

    it('does answer the card buttons with forms typed like the options, and keep reassigning to managers', async () => {
      const card = await h.say(ZHANG_WEI, '/customer lookup C000001');
      const schedule = (await h.press(ZHANG_WEI, button(card, '安排回访'))).blocks[0]!;
      expect(schedule).toMatchObject({
        type: 'form',
        typed: '/callback C000001 <时间> [备注]',
        fields: [{ option: 'when', kind: 'datetime', required: true }, { option: 'note', kind: 'multiline', required: false }],
      });
      const note = (await h.press(ZHANG_WEI, button(card, '记录备注'))).blocks[0]!;
      expect(note).toMatchObject({
        type: 'form',
        typed: '/customer note C000001 <内容> [--complaint] [--satisfaction <1-5>] [--kind call|visit|message|email]',
        fields: [
          { option: 'text', kind: 'multiline', required: true, maxLength: 4000 },
          { option: 'complaint', kind: 'checkbox' },
          { option: 'satisfaction', kind: 'rating', min: 1, max: 5 },
          { option: 'kind', kind: 'choice', required: false, choices: [{ value: 'call', label: '电话' }, { value: 'visit', label: '到访' }, { value: 'message', label: '消息' }, { value: 'email', label: '邮件' }] },
        ],
      });
      expect(textOf(await h.press(ZHANG_WEI, forged('customer assign', { who: 1 })))).toBe('只有经理可以使用 /customer assign。');
      const managerCard = await h.say(LI_NA, '/customer lookup C000001');
      const assign = (await h.press(LI_NA, button(managerCard, '重新分配'))).blocks[0]!;
      if (assign.type !== 'form') throw new Error('a form');
      // The rep select offers the manager's own team only.
      const choices = assign.fields[0]!.choices!.map((c) => c.label);
      expect(choices).toEqual(expect.arrayContaining(['张伟', '刘洋']));
      expect(choices).not.toContain('Max Weber');
      expect((await h.press(ZHANG_WEI, forged('customer lookup', { who: 1 }))).blocks[0]).toMatchObject({ type: 'card', title: '王芳' });
      expect(textOf(await h.press(ZHANG_WEI, forged('customer lookup', { who: 4 })))).toBe('你的客户中没有与“#4”匹配的客户。');
    });

    it('does refuse a malformed, forged or oversized payload and an unknown user in one line', async () => {
      const stale = '这个按钮已失效。请直接输入命令，或输入 /help。';
      expect(textOf(await h.press(ZHANG_WEI, 'not even a payload'))).toBe(stale);
      expect(textOf(await h.press(ZHANG_WEI, '1{"c":"callback done","o":{"id":{"$gt":1}}}'))).toBe(stale);
      expect(textOf(await h.press(ZHANG_WEI, `1{"c":"callback done","o":{"id":1},"x":"${'y'.repeat(200)}"}`))).toBe(stale);
      expect(textOf(await h.press(ZHANG_WEI, '9{"c":"callback done","o":{"id":1}}'))).toBe(stale);
      expect(textOf(await h.press(ZHANG_WEI, forged('callback done', { id: 'x' })))).toMatch(/^请给出回访编号/);
      expect(textOf(await h.press(ZHANG_WEI, forged('callback done', { id: 1, extra: 2 })))).toMatch(/^这些选项不适用于这个命令。/);
      expect(textOf(await h.press(ZHANG_WEI, forged('customer delete-all', {})))).toBe('没有“/customer delete-all”这个命令。输入 /help 查看可用命令。');
      expect(textOf(await h.press('U0UNKNOWN', forged('callback done', { id: 1 }), 'slack'))).toBe(
        'I do not know you yet. If your admin gave you an invite code, type /rapport claim <code>. Otherwise ask them for one (/rapport invite <your email>) or to link you: /rapport link slack U0UNKNOWN <your email>',
      );
    });
  });
});
