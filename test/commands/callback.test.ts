import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, CHEN_JING, commandHarness, LI_NA, LIU_YANG, MAX, textOf, ZHANG_WEI, type CommandHarness } from './helpers.js';

let h: CommandHarness;
beforeAll(async () => {
  h = await commandHarness();
});
afterAll(async () => h.cleanup());

const idIn = (text: string) => Number(/#(\d+)/.exec(text)![1]);
const callback = (id: number) => h.db.sqlite.prepare('SELECT dueAt, timed, note, status, source, ownerId FROM Callback WHERE id = ?').get(id) as {
  dueAt: number; timed: number; note: string; status: string; source: string; ownerId: number;
};

describe('/callback', () => {
  it('does schedule a callback at a time in the rep\'s own time zone, with its note', async () => {
    // 张伟 is in Asia/Shanghai; now is Monday 09:30 there.
    const reply = await h.say(ZHANG_WEI, '/callback 王芳 tomorrow 10am check on the refill');
    expect(textOf(reply)).toMatch(/^已安排与 王芳 的回访 #\d+：2026年11月24日 10:00。$/);
    expect(callback(idIn(textOf(reply)))).toMatchObject({ dueAt: Date.parse('2026-11-24T02:00:00Z'), timed: 1, note: 'check on the refill', status: 'open', source: 'manual' });
  });

  it('does read Chinese times and day-only times', async () => {
    const monday = await h.say(ZHANG_WEI, '/callback C000001 下周一 10点 回访');
    expect(callback(idIn(textOf(monday)))).toMatchObject({ dueAt: Date.parse('2026-11-30T02:00:00Z'), note: '回访' });
    const later = await h.say(CHEN_JING, `/callback ${'C000007'} in 3 days`);
    expect(textOf(later)).toMatch(/^(Callback #\d+ with .+: Nov 26, 2026, on your agenda that morning\.|No customer)/);
  });

  it('does say what is wrong with the time, the customer or the book', async () => {
    expect(textOf(await h.say(MAX, '/callback Emma Fischer yesterday 10am'))).toBe('That time has already passed; pick a time ahead.');
    expect(textOf(await h.say(MAX, '/callback Emma Fischer'))).toMatch(/^When\? For example/);
    expect(textOf(await h.say(MAX, '/callback tomorrow 10am'))).toMatch(/^Say who to call before the time/);
    expect(textOf(await h.say(MAX, '/callback'))).toMatch(/^Say who to call before the time/);
    expect(textOf(await h.say(MAX, '/callback 王芳 tomorrow 10am'))).toMatch(/^No customer matches "王芳" in your book\./);
  });
});

describe('/callbacks and done / snooze / cancel', () => {
  it('does list the rep\'s agenda in sections: overdue, today, upcoming', async () => {
    const zhang = h.db.sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck().get(ZHANG_WEI) as number;
    h.db.sqlite.prepare("INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (1, ?, ?, 1, 'late one', 'open', 'manual', 0)")
      .run(zhang, Date.parse('2026-11-22T02:00:00Z'));
    h.db.sqlite.prepare("INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (1, ?, ?, 1, 'this afternoon', 'open', 'manual', 0)")
      .run(zhang, Date.parse('2026-11-23T07:00:00Z'));
    h.db.sqlite.prepare("INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (1, ?, ?, 1, 'later this week', 'open', 'manual', 0)")
      .run(zhang, Date.parse('2026-11-26T02:00:00Z'));
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
    expect(callback(id).dueAt).toBe(Date.parse('2026-12-01T06:00:00Z'));
    expect(textOf(await h.say(LIU_YANG, `/callback snooze ${id}`))).toMatch(/已改到 2026年11月24日 09:30/);
    expect(textOf(await h.say(LIU_YANG, `/callback done ${id}`))).toBe(`与 王芳 的回访 #${id} 已完成。`);
    expect(textOf(await h.say(LIU_YANG, `/callback cancel ${id}`))).toBe(`回访 #${id} 已经完成。`);
    expect(auditRows(h.db).filter((r) => r.target === `callback:${id}`).map((r) => r.action)).toEqual([
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
  });
});

describe('button presses', () => {
  it('does run a Done press with the same book checks as the command', async () => {
    const id = idIn(textOf(await h.say(LIU_YANG, '/callback C000004 tomorrow 5pm')));
    expect(textOf(await h.press(ZHANG_WEI, { action: 'callback.done', callbackId: id }))).toBe(`你的客户中没有编号为 #${id} 的回访。`);
    expect(textOf(await h.press(LIU_YANG, { action: 'callback.snooze', callbackId: id, minutes: 60 }))).toMatch(/已改到 2026年11月23日 10:30/);
    expect(textOf(await h.press(LIU_YANG, { action: 'callback.reschedule', callbackId: id }))).toBe(`要改期回访，请输入：/callback snooze ${id} <when>`);
    expect(textOf(await h.press(LIU_YANG, { action: 'callback.done', callbackId: id }))).toBe(`与 王芳 的回访 #${id} 已完成。`);
  });

  it('does answer the card buttons with the command to type, and keep reassigning to managers', async () => {
    expect(textOf(await h.press(ZHANG_WEI, { action: 'callback.schedule', customerId: 1 }))).toBe('要安排回访，请输入：/callback C000001 <when> [note]');
    expect(textOf(await h.press(ZHANG_WEI, { action: 'customer.note', customerId: 1 }))).toBe('要记录备注，请输入：/customer note C000001 <text>');
    expect(textOf(await h.press(ZHANG_WEI, { action: 'customer.assign', customerId: 1 }))).toBe('只有经理可以使用 重新分配。');
    expect(textOf(await h.press(LI_NA, { action: 'customer.assign', customerId: 1 }))).toBe('要重新分配，请输入：/customer assign C000001 @rep');
    expect((await h.press(ZHANG_WEI, { action: 'customer.lookup', customerId: 1 })).blocks[0]).toMatchObject({ type: 'card', title: '王芳' });
    expect(textOf(await h.press(ZHANG_WEI, { action: 'customer.lookup', customerId: 4 }))).toBe('你的客户中没有与“#4”匹配的客户。');
  });

  it('does refuse a malformed payload and an unknown user in one line', async () => {
    expect(textOf(await h.press(ZHANG_WEI, { action: 'callback.done', callbackId: 'x' }))).toBe('这个按钮已失效。请直接输入命令，或输入 /help。');
    expect(textOf(await h.press(ZHANG_WEI, 'not even an object'))).toBe('这个按钮已失效。请直接输入命令，或输入 /help。');
    expect(textOf(await h.press('U0UNKNOWN', { action: 'callback.done', callbackId: 1 }, 'slack'))).toBe(
      'I do not know you yet. Ask your admin to link your account to a Rapport rep: /rapport link slack U0UNKNOWN <your email>',
    );
  });
});
