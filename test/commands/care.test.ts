import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { ADMIN, ANNA, button, CHEN_JING, commandHarness, customerWhere, LI_NA, LIU_YANG, MAX, NOW, textOf, ZHANG_WEI, type CommandHarness } from './helpers.js';

let h: CommandHarness;
beforeAll(async () => {
  h = await commandHarness();
});
afterAll(async () => h.cleanup());

const isError = (reply: Awaited<ReturnType<CommandHarness['say']>>) => reply.blocks.some((b) => b.type === 'text' && b.tone === 'error');
const mine = (email: string, extra = '1 = 1') => customerWhere(h.db, `r.email = ? AND ${extra}`, email);
const withPlan = "EXISTS (SELECT 1 FROM WinbackEpisode e WHERE e.customerId = c.id AND e.status = 'open')";

describe('permission boundaries of the care commands', () => {
  it('does let a rep act on their own book only: another rep’s customer reads as missing', async () => {
    const theirs = mine(LIU_YANG, withPlan);
    for (const line of [
      `/complaint ${theirs.externalId} broken`,
      `/winback extend ${theirs.externalId} 7`,
      `/winback giveup ${theirs.externalId} price`,
      `/customer referred ${theirs.externalId} by ${mine(ZHANG_WEI).externalId}`,
      `/customer greeted ${theirs.externalId}`,
    ]) {
      expect(textOf(await h.say(ZHANG_WEI, line)), line).toContain(`你的客户中没有与“${theirs.externalId}”匹配的客户。`);
    }
    const opened = textOf(await h.say(LIU_YANG, `/complaint ${theirs.externalId} broken`));
    const id = /#(\d+)/.exec(opened)![1];
    expect(textOf(await h.say(ZHANG_WEI, `/complaint resolve ${id} fixed`))).toBe(`你负责的范围内没有投诉 #${id}。`);
    expect(textOf(await h.say(ZHANG_WEI, '/complaints all team'))).toBe('销售代表只能查看自己的客户。');
    expect(textOf(await h.say(ZHANG_WEI, '/complaints all'))).not.toContain(theirs.name);
  });

  it('does keep managers to their own team', async () => {
    const shanghai = mine(LIU_YANG);
    expect(textOf(await h.say(ANNA, `/complaint ${shanghai.externalId} broken`))).toContain('in your book');
    expect(textOf(await h.say(ANNA, '/customer assign-book @zhang.wei @liu.yang'))).toBe('You can only assign customers to reps of your own team.');
    expect(textOf(await h.say(LI_NA, '/customer assign-book @max.weber @liu.yang'))).toBe('你只能把客户分配给自己团队的销售。');
    expect(textOf(await h.say(MAX, '/customer assign-book @max.weber @sophie.mueller'))).toBe('Only managers can use /customer assign-book.');
    expect(textOf(await h.say(LI_NA, '/rapport rep deactivate @liu.yang --spread'))).toBe('只有管理员可以使用 /rapport rep deactivate。');
  });
});

describe('win-back extend and give up', () => {
  it('does let the owner extend once, a manager again, and give up with a reason that marks the customer lost', async () => {
    const c = mine(ZHANG_WEI, withPlan);
    const deadline = () => h.db.sqlite.prepare("SELECT deadline FROM WinbackEpisode WHERE customerId = ? AND status = 'open'").pluck().get(c.id) as number;
    const before = deadline();
    expect(isError(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 10`))).toBe(false);
    expect(deadline() - before).toBe(10 * 86_400_000);
    expect(textOf(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 10`))).toMatch(/已经延长过一次；再次延长请找你的经理/);
    expect(isError(await h.say(LI_NA, `/winback extend ${c.externalId} 5`))).toBe(false);
    expect(deadline() - before).toBe(15 * 86_400_000);
    expect(textOf(await h.say(ZHANG_WEI, `/winback giveup ${c.externalId} because`))).toMatch(/^原因是 price、competitor/);
    expect(isError(await h.say(ZHANG_WEI, `/winback giveup ${c.externalId} competitor`))).toBe(false);
    expect(h.db.sqlite.prepare('SELECT e.status, e.reason, c.status AS customer FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId WHERE e.customerId = ?').get(c.id)).toEqual({
      status: 'given_up', reason: 'competitor', customer: 'lost',
    });
    expect(textOf(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 5`))).toMatch(/没有进行中的挽回计划/);
  });

  it('does ask for the reason in a form when Give up is pressed', async () => {
    const c = mine(ZHANG_WEI, withPlan);
    const list = await h.say(ZHANG_WEI, '/winbacks');
    const form = await h.press(ZHANG_WEI, button(list, '放弃'));
    expect(form.blocks[0]).toMatchObject({ type: 'form', fields: [{ option: 'reason', kind: 'choice' }] });
    expect(c.id).toBeGreaterThan(0);
  });
});

describe('deactivating a rep', () => {
  it('does move customers, callbacks, tickets and plans with a handover note, and the rep gets no further nudge', async () => {
    const leaving = h.db.sqlite.prepare("SELECT id FROM Rep WHERE email = ?").pluck().get(CHEN_JING) as number;
    const taker = h.db.sqlite.prepare("SELECT id FROM Rep WHERE email = ?").pluck().get(LIU_YANG) as number;
    const c = mine(CHEN_JING);
    await h.say(CHEN_JING, `/callback ${c.externalId} tomorrow 10am`);
    await h.say(CHEN_JING, `/complaint ${c.externalId} scratched`);
    const book = h.db.sqlite.prepare('SELECT id FROM Customer WHERE ownerId = ? ORDER BY id').pluck().all(leaving) as number[];
    const reply = await h.say(ADMIN, '/rapport rep deactivate @chen.jing --to @liu.yang');
    expect(textOf(reply)).toMatch(/^陈静 is deactivated and gets no more reminders\. Moved \d+ customers with \d+ open callbacks, 1 open complaints/);
    const count = (sql: string) => h.db.sqlite.prepare(sql).pluck().get(leaving) as number;
    expect(count('SELECT COUNT(*) FROM Customer WHERE ownerId = ?')).toBe(0);
    expect(count("SELECT COUNT(*) FROM Callback WHERE ownerId = ? AND status = 'open'")).toBe(0);
    expect(count("SELECT COUNT(*) FROM Ticket WHERE ownerId = ? AND status = 'open'")).toBe(0);
    expect(h.db.sqlite.prepare("SELECT COUNT(*) FROM Interaction WHERE kind = 'handover' AND customerId IN (SELECT value FROM json_each(?))").pluck().get(JSON.stringify(book))).toBe(book.length);
    expect(h.db.sqlite.prepare('SELECT ownerId FROM Customer WHERE id = ?').pluck().get(c.id)).toBe(taker);
    // The card says where it came from; the planner plans nothing more for the rep.
    expect(textOf(await h.say(LIU_YANG, `/customer lookup ${c.externalId}`))).toContain('Handed over from 陈静 to 刘洋');
    runPlanning(h.db.sqlite, new Date(NOW.getTime() + 86_400_000));
    expect(h.db.sqlite.prepare("SELECT COUNT(*) FROM Nudge WHERE targetKind = 'rep' AND targetId = ? AND dueAt > ?").pluck().get(leaving, NOW.getTime())).toBe(0);
    expect(textOf(await h.say(CHEN_JING, '/callbacks'))).toMatch(/There is no active rep/);
  });
});
