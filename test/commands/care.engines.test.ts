import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { RecordingNotifier, deliveryDeps, drain } from '../scheduler/helpers.js';
import type { Block, Reply } from '../../src/commands/reply.js';
import {
  ADMIN, ANNA, button, CHEN_JING, commandHarness, customerWhere, fieldOf, LI_NA, LIU_YANG, MAX, NOW, repIdOf, textOf,
  ZHANG_WEI, type AnyEngineHarness, type CustomerWithOwner,
} from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('the care commands', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  const isError = (reply: Awaited<ReturnType<AnyEngineHarness['say']>>) => reply.blocks.some((b) => b.type === 'text' && b.tone === 'error');
  const mine = (email: string, where?: Parameters<typeof customerWhere>[2]) => customerWhere(h.db, email, where);
  const withPlan = (eb: CustomerWithOwner) => eb.exists(eb.selectFrom('WinbackEpisode as e').select('e.id').whereRef('e.customerId', '=', 'c.id').where('e.status', '=', 'open'));

  describe('permission boundaries of the care commands', () => {
    it('does let a rep act on their own book only: another rep’s customer reads as missing', async () => {
      const theirs = await mine(LIU_YANG, withPlan);
      for (const line of [
        `/complaint ${theirs.externalId} broken`,
        `/winback extend ${theirs.externalId} 7`,
        `/winback giveup ${theirs.externalId} price`,
        `/customer referred ${theirs.externalId} by ${(await mine(ZHANG_WEI)).externalId}`,
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
      const shanghai = await mine(LIU_YANG);
      expect(textOf(await h.say(ANNA, `/complaint ${shanghai.externalId} broken`))).toContain('in your book');
      expect(textOf(await h.say(ANNA, '/customer assign-book @zhang.wei @liu.yang'))).toBe('You can only assign customers to reps of your own team.');
      expect(textOf(await h.say(LI_NA, '/customer assign-book @max.weber @liu.yang'))).toBe('你只能把客户分配给自己团队的销售。');
      expect(textOf(await h.say(MAX, '/customer assign-book @max.weber @sophie.mueller'))).toBe('Only managers can use /customer assign-book.');
      expect(textOf(await h.say(LI_NA, '/rapport rep deactivate @liu.yang --spread'))).toBe('只有管理员可以使用 /rapport rep deactivate。');
    });
  });

  describe('permission boundaries for managers', () => {
    it('does keep a manager’s care commands to their own team: another team’s customer and complaint read as missing', async () => {
      const berlin = await mine(MAX, withPlan);
      const missing = `你的客户中没有与“${berlin.externalId}”匹配的客户。`;
      for (const line of [
        `/complaint ${berlin.externalId} broken`,
        `/winback extend ${berlin.externalId} 7`,
        `/winback giveup ${berlin.externalId} price`,
        `/customer referred ${berlin.externalId} by ${(await mine(ZHANG_WEI)).externalId}`,
        `/customer greeted ${berlin.externalId}`,
      ]) {
        expect(textOf(await h.say(LI_NA, line)), line).toContain(missing);
      }
      const opened = textOf(await h.say(ANNA, `/complaint ${berlin.externalId} broken`));
      const id = /#(\d+)/.exec(opened)![1];
      expect(textOf(await h.say(LI_NA, `/complaint resolve ${id} fixed`))).toBe(`你负责的范围内没有投诉 #${id}。`);
      expect(textOf(await h.say(LI_NA, '/complaints all team'))).not.toContain(berlin.name);
      expect(textOf(await h.say(ANNA, '/complaints all team'))).toContain(berlin.name);
      expect(textOf(await h.say(LI_NA, '/winbacks'))).not.toContain(berlin.name);
    });
  });

  describe('win-back extend and give up', () => {
    it('does let the owner extend once, a manager again, and give up with a reason that marks the customer lost', async () => {
      const c = await mine(ZHANG_WEI, withPlan);
      const deadline = async () =>
        (await h.db.kysely.selectFrom('WinbackEpisode').select('deadline').where('customerId', '=', c.id).where('status', '=', 'open').executeTakeFirstOrThrow()).deadline;
      const before = await deadline();
      expect(isError(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 10`))).toBe(false);
      expect((await deadline()) - before).toBe(10 * 86_400_000);
      expect(textOf(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 10`))).toMatch(/已经延长过一次；再次延长请找你的经理/);
      expect(isError(await h.say(LI_NA, `/winback extend ${c.externalId} 5`))).toBe(false);
      expect((await deadline()) - before).toBe(15 * 86_400_000);
      expect(textOf(await h.say(ZHANG_WEI, `/winback giveup ${c.externalId} because`))).toMatch(/^原因是 price、competitor/);
      expect(isError(await h.say(ZHANG_WEI, `/winback giveup ${c.externalId} competitor`))).toBe(false);
      expect(
        await h.db.kysely
          .selectFrom('WinbackEpisode as e')
          .innerJoin('Customer as c', 'c.id', 'e.customerId')
          .select(['e.status', 'e.reason', 'c.status as customer'])
          .where('e.customerId', '=', c.id)
          .executeTakeFirst(),
      ).toEqual({
        status: 'given_up', reason: 'competitor', customer: 'lost',
      });
      expect(textOf(await h.say(ZHANG_WEI, `/winback extend ${c.externalId} 5`))).toMatch(/没有进行中的挽回计划/);
    });

    it('does ask for the reason in a form when Give up is pressed', async () => {
      const c = await mine(ZHANG_WEI, withPlan);
      const list = await h.say(ZHANG_WEI, '/winbacks');
      const form = await h.press(ZHANG_WEI, button(list, '放弃'));
      expect(form.blocks[0]).toMatchObject({ type: 'form', fields: [{ option: 'reason', kind: 'choice' }] });
      expect(c.id).toBeGreaterThan(0);
    });
  });

  describe('deactivating a rep', () => {
    const later = new Date(NOW.getTime() + 86_400_000);
    let leaving: number;
    let taker: number;
    let c: Awaited<ReturnType<typeof mine>>;
    let book: number[];
    let queued: number[];
    const pendingForRep = async () =>
      (await h.db.kysely.selectFrom('Nudge').select('id').where('targetKind', '=', 'rep').where('targetId', '=', leaving).where('status', '=', 'pending').orderBy('id').execute()).map((n) => n.id);
    let deactivated: string;
    beforeAll(async () => {
      leaving = await repIdOf(h.db, CHEN_JING);
      taker = await repIdOf(h.db, LIU_YANG);
      c = await mine(CHEN_JING);
      await h.say(CHEN_JING, `/callback ${c.externalId} tomorrow 10am`);
      await h.say(CHEN_JING, `/complaint ${c.externalId} scratched`);
      book = (await h.db.kysely.selectFrom('Customer').select('id').where('ownerId', '=', leaving).orderBy('id').execute()).map((c) => c.id);
      // What was planned for the rep before they left: at least the complaint ping and an agenda, still pending.
      await runPlanning(h.db, NOW);
      queued = await pendingForRep();
      deactivated = textOf(await h.say(ADMIN, '/rapport rep deactivate @chen.jing --to @liu.yang'));
    });

    it('does move customers, callbacks, tickets and plans with a handover note, and plan nothing more for the rep', async () => {
      expect(queued.length).toBeGreaterThan(0);
      expect(deactivated).toMatch(/^陈静 is deactivated and gets no more reminders\. Moved \d+ customers with \d+ open callbacks, 1 open complaints/);
      const { kysely } = h.db;
      expect(await kysely.selectFrom('Customer').select('id').where('ownerId', '=', leaving).execute()).toEqual([]);
      expect(await kysely.selectFrom('Callback').select('id').where('ownerId', '=', leaving).where('status', '=', 'open').execute()).toEqual([]);
      expect(await kysely.selectFrom('Ticket').select('id').where('ownerId', '=', leaving).where('status', '=', 'open').execute()).toEqual([]);
      expect(await kysely.selectFrom('Interaction').select('id').where('kind', '=', 'handover').where('customerId', 'in', book).execute()).toHaveLength(book.length);
      expect(await kysely.selectFrom('Customer').select('ownerId').where('id', '=', c.id).execute()).toEqual([{ ownerId: taker }]);
      // The card says where it came from; the planner plans nothing more for the rep.
      expect(textOf(await h.say(LIU_YANG, `/customer lookup ${c.externalId}`))).toContain('Handed over from 陈静 to 刘洋');
      await runPlanning(h.db, later);
      expect(await pendingForRep()).toEqual(queued);
      expect(textOf(await h.say(CHEN_JING, '/callbacks'))).toMatch(/There is no active rep/);
    });

    it('does skip what was queued for the rep when it falls due, and send the moved pings to the new owner', async () => {
      const notifier = new RecordingNotifier();
      await drain(new Date(later.getTime() + 2 * 86_400_000), deliveryDeps(h.db, notifier));
      expect(notifier.sent.filter((n) => n.recipient.kind === 'rep' && n.recipient.repId === leaving)).toEqual([]);
      // Its agendas are skipped; the pings about its callback and complaint, which moved with the customer, reach the new owner.
      const outcome = await h.db.kysely.selectFrom('Nudge').select(['id', 'kind', 'status', 'lastError']).where('id', 'in', queued).orderBy('id').execute();
      expect(outcome.filter((n) => n.kind === 'agenda').map((n) => [n.status, n.lastError])).toEqual([
        ['skipped', 'the recipient no longer exists or is inactive'],
        ['skipped', 'the recipient no longer exists or is inactive'],
      ]);
      const pings = new Set(outcome.filter((n) => n.kind !== 'agenda').map((n) => n.id));
      const moved = notifier.sent.filter((n) => pings.has(n.nudgeId)).map((n) => [n.kind, n.recipient.kind === 'rep' ? n.recipient.repId : 0]);
      expect(moved.sort()).toEqual([['callback', taker], ['complaint', taker]]);
    });
  });

  describe('/customer referred', () => {
    it('does refuse a referral back to the customer who referred the referrer, and keep the first one', async () => {
      const [first, second] = await h.db.kysely
        .selectFrom('Customer as c')
        .innerJoin('Rep as r', 'r.id', 'c.ownerId')
        .select(['c.externalId', 'c.name', 'c.id'])
        .where('r.email', '=', MAX)
        .where('c.referredById', 'is', null)
        .orderBy('c.id')
        .limit(2)
        .execute();
      expect(textOf(await h.say(MAX, `/customer referred ${first!.externalId} by ${second!.externalId}`))).toBe(`${first!.name} was referred by ${second!.name}.`);
      expect(textOf(await h.say(MAX, `/customer referred ${second!.externalId} by ${first!.externalId}`))).toBe(
        `${first!.name} was referred by ${second!.name}, so ${second!.name} cannot have been referred by ${first!.name}.`,
      );
      expect(await h.db.kysely.selectFrom('Customer').select('referredById').where('id', '=', second!.id).execute()).toEqual([{ referredById: null }]);
    });
  });

  describe('the satisfaction loop on the card and the agenda', () => {
    let own: AnyEngineHarness;
    beforeAll(async () => {
      own = await commandHarness({ engine });
    });
    afterAll(async () => own.cleanup());

    const unrated = (email: string) =>
      customerWhere(own.db, email, (eb) =>
        eb.and([
          eb.not(eb.exists(eb.selectFrom('Interaction as i').select('i.id').whereRef('i.customerId', '=', 'c.id').where('i.satisfaction', 'is not', null))),
          eb('c.referredById', 'is', null),
        ]),
      );
    const agendaOf = (notifier: RecordingNotifier, repId: number) => notifier.sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === repId);
    const listOf = (reply: Reply | undefined, title: string) => reply?.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').startsWith(title));

    it('does show the last and the average rating in the card’s Care field, and a single rating without an average in either language', async () => {
      const c = await unrated(MAX);
      expect(isError(await own.say(MAX, `/customer note ${c.externalId} Slow reply --satisfaction 3`))).toBe(false);
      own.clock.advance(3_600_000);
      expect(isError(await own.say(MAX, `/customer note ${c.externalId} Sorted out --satisfaction 4`))).toBe(false);
      const care = fieldOf(await own.say(MAX, `/customer lookup ${c.externalId}`), 'Care');
      expect(care).toContain('Satisfaction: last 4/5 · average 3.5 (2 ratings)');
      const zh = await unrated(ZHANG_WEI);
      await own.say(ZHANG_WEI, `/customer note ${zh.externalId} 很满意 --satisfaction 5`);
      expect(fieldOf(await own.say(ZHANG_WEI, `/customer lookup ${zh.externalId}`), '客户关怀')).toContain('满意度: 最近 5/5（1 次评分）');
    });

    it('does show a referral on both customers’ cards when one was referred by the other', async () => {
      const referrer = await unrated(MAX);
      const referred = await customerWhere(own.db, MAX, (eb) =>
        eb.and([
          eb('c.id', '<>', referrer.id),
          eb('c.referredById', 'is', null),
          eb.not(eb.exists(eb.selectFrom('Customer as x').select('x.id').whereRef('x.referredById', '=', 'c.id'))),
        ]),
      );
      expect(textOf(await own.say(MAX, `/customer referred ${referred.externalId} by ${referrer.externalId}`))).toBe(`${referred.name} was referred by ${referrer.name}.`);
      expect(fieldOf(await own.say(MAX, `/customer lookup ${referred.externalId}`), 'Care')).toContain(`Referred by: ${referrer.name}`);
      expect(fieldOf(await own.say(MAX, `/customer lookup ${referrer.externalId}`), 'Care')).toContain(`Referred: ${referred.name}`);
    });

    it('does put a referral prompt on the owner’s next agenda when a customer rates 5, and only on that one', async () => {
      const zhang = await repIdOf(own.db, ZHANG_WEI);
      const happy = await customerWhere(own.db, ZHANG_WEI, (eb) =>
        eb.not(eb.exists(eb.selectFrom('Interaction as i').select('i.id').whereRef('i.customerId', '=', 'c.id').where('i.satisfaction', '>=', 5))),
      );
      // Monday 10:30 in Shanghai, after that morning's agenda; the prompt goes on Tuesday's.
      own.clock.set('2026-11-23T02:30:00Z');
      await own.say(ZHANG_WEI, `/customer note ${happy.externalId} 非常满意 --satisfaction 5`);
      const notifier = new RecordingNotifier();
      const tuesday = new Date('2026-11-24T01:30:00Z');
      await runPlanning(own.db, new Date('2026-11-23T03:00:00Z'));
      await drain(tuesday, deliveryDeps(own.db, notifier));
      const prompt = listOf(agendaOf(notifier, zhang)?.reply, '满意度 5 分：请客户推荐');
      const item = prompt?.items.find((i) => i.primary === happy.name);
      expect(item?.secondary).toBe('客户很满意：问问他们愿意把我们推荐给谁。');
      expect(item?.actions?.[0]?.invocation).toMatchObject({ command: 'customer referred', options: { by: happy.id } });
      const wednesday = new RecordingNotifier();
      await runPlanning(own.db, tuesday);
      await drain(new Date('2026-11-25T01:30:00Z'), deliveryDeps(own.db, wednesday));
      expect(agendaOf(wednesday, zhang)).toBeDefined();
      expect(listOf(agendaOf(wednesday, zhang)?.reply, '满意度 5 分：请客户推荐')?.items.map((i) => i.primary) ?? []).not.toContain(happy.name);
    });
  });

  describe('holiday greetings on the agenda', () => {
    let own: AnyEngineHarness;
    beforeAll(async () => {
      own = await commandHarness({ engine });
    });
    afterAll(async () => own.cleanup());

    it('does list whom to greet the day before, A and B first, with a greeting in the rep’s language and a Log greeting button that counts as a touch', async () => {
      // Wednesday 2026-11-25 is the Shanghai team's own holiday: its eve agenda is Tuesday 09:00 in Shanghai.
      const shanghai = await own.db.kysely.selectFrom('Team').select(['id', 'settings']).where('name', '=', '上海旗舰店').executeTakeFirstOrThrow();
      const settings = { ...JSON.parse(shanghai.settings || '{}'), holidays: { builtIn: [], custom: [{ name: 'Store day', date: '11-25' }] } };
      await own.db.kysely.updateTable('Team').set({ settings: JSON.stringify(settings) }).where('id', '=', shanghai.id).execute();
      const reps = new Map((await own.db.kysely.selectFrom('Rep').select(['id', 'email']).execute()).map((r) => [r.email, r.id]));
      const repId = (email: string) => reps.get(email)!;
      const notifier = new RecordingNotifier();
      for (let at = NOW.getTime(); at <= Date.parse('2026-11-24T01:00:00Z'); at += 6 * 3_600_000) await runPlanning(own.db, new Date(at));
      await drain(new Date('2026-11-24T01:30:00Z'), deliveryDeps(own.db, notifier));
      const greetingsOf = (email: string) => {
        const agenda = notifier.sent.find((n) => n.kind === 'agenda' && n.recipient.kind === 'rep' && n.recipient.repId === repId(email));
        return agenda?.reply.blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list' && (b.title ?? '').includes('Store day'));
      };
      // 陈静 reads English in a Chinese team; 张伟 reads Chinese.
      const en = greetingsOf(CHEN_JING);
      const zh = greetingsOf(ZHANG_WEI);
      expect(en?.title).toMatch(/^Greet for Store day \(.+\) \(\d+\)$/);
      expect(zh?.title).toMatch(/^Store day问候（.+） \(\d+\)$/);
      const book = await own.db.kysely
        .selectFrom('Customer as c')
        .innerJoin('ScoreSnapshot as s', 's.customerId', 'c.id')
        .select(['c.name', 's.tier'])
        .where('c.ownerId', '=', repId(CHEN_JING))
        .where('c.greetingOptOut', '=', false)
        .orderBy((eb) => eb.case().when('s.tier', '=', 'A').then(0).when('s.tier', '=', 'B').then(1).else(2).end())
        .orderBy('c.name')
        .orderBy('c.id')
        .execute();
      expect(book.some((c) => c.tier === 'A')).toBe(true);
      expect(en!.items.map((i) => i.primary)).toEqual(book.slice(0, 10).map((c) => `${c.name} · ${c.tier}`));
      const first = book[0]!;
      expect(en!.items[0]!.secondary).toBe(`Warm wishes for Store day, ${first.name}! Thank you for being with us.`);
      expect(zh!.items[0]!.secondary).toMatch(/^.+，Store day快乐！感谢您一直以来的支持。$/);
      // Pressing Log greeting on Tuesday logs a greeting: the last touch moves and the next check-in is counted from it.
      const greeted = await own.db.kysely
        .selectFrom('Customer')
        .select(['id', 'lastTouchAt', 'checkInDueAt'])
        .where('name', '=', first.name)
        .where('ownerId', '=', repId(CHEN_JING))
        .executeTakeFirstOrThrow();
      const pressedAt = new Date('2026-11-24T02:00:00Z');
      own.clock.set(pressedAt);
      const logButton = en!.items[0]!.actions![0]!;
      expect(logButton.label).toBe('Log greeting');
      expect(isError(await own.press(CHEN_JING, logButton))).toBe(false);
      const after = await own.db.kysely.selectFrom('Customer').select(['lastTouchAt', 'checkInDueAt']).where('id', '=', greeted.id).executeTakeFirstOrThrow();
      expect(after.lastTouchAt).toBe(pressedAt.getTime());
      expect(greeted.lastTouchAt).toBeLessThan(pressedAt.getTime());
      expect(after.checkInDueAt === null || after.checkInDueAt > pressedAt.getTime()).toBe(true);
      expect(await own.db.kysely.selectFrom('Interaction').select('kind').where('customerId', '=', greeted.id).orderBy('id', 'desc').limit(1).execute()).toEqual([{ kind: 'greeting' }]);
    });
  });

  describe('/complaints filters', () => {
    let own: AnyEngineHarness;
    beforeAll(async () => {
      own = await commandHarness({ engine });
    });
    afterAll(async () => own.cleanup());

    it('does list open tickets under open, only those past their deadline under overdue, and resolved ones only under all', async () => {
      const customers = (
        await own.db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('c.externalId').where('r.email', '=', ZHANG_WEI).orderBy('c.id').limit(4).execute()
      ).map((c) => c.externalId);
      expect(customers).toHaveLength(4);
      const open = async (externalId: string) => Number(/#(\d+)/.exec(textOf(await own.say(ZHANG_WEI, `/complaint ${externalId} broken`)))![1]);
      // Monday 09:30 in Shanghai: three tickets; one is resolved an hour later, inside its deadline.
      const overdue = await open(customers[0]!);
      const resolvedLate = await open(customers[1]!);
      const resolvedInTime = await open(customers[2]!);
      own.clock.set(new Date(NOW.getTime() + 3_600_000));
      expect(isError(await own.say(ZHANG_WEI, `/complaint resolve ${resolvedInTime} fixed`))).toBe(false);
      // Friday 09:30: every Monday deadline (2 working days at most) has passed; one is resolved late, a new one is opened.
      own.clock.set(new Date(NOW.getTime() + 4 * 86_400_000));
      expect(isError(await own.say(ZHANG_WEI, `/complaint resolve ${resolvedLate} fixed`))).toBe(false);
      const withinDeadline = await open(customers[3]!);
      const listedAt = new Date(NOW.getTime() + 4 * 86_400_000 + 3_600_000);
      own.clock.set(listedAt);
      const deadline = async (id: number) => (await own.db.kysely.selectFrom('Ticket').select('deadline').where('id', '=', id).executeTakeFirstOrThrow()).deadline;
      expect(await deadline(overdue)).toBeLessThan(listedAt.getTime());
      expect(await deadline(resolvedLate)).toBeLessThan(listedAt.getTime());
      expect(await deadline(withinDeadline)).toBeGreaterThan(listedAt.getTime());

      const listed = async (email: string, line: string) => {
        const list = (await own.say(email, line)).blocks.find((b): b is Extract<Block, { type: 'list' }> => b.type === 'list');
        return (list?.items ?? []).map((i) => Number(/^#(\d+)/.exec(i.primary)![1])).sort((a, b) => a - b);
      };
      const sorted = (...ids: number[]) => ids.sort((a, b) => a - b);
      for (const [email, scope] of [[ZHANG_WEI, ''], [ZHANG_WEI, ' mine'], [LI_NA, ' team']] as const) {
        expect(await listed(email, `/complaints${scope}`), `${email}${scope}`).toEqual(sorted(overdue, withinDeadline));
        expect(await listed(email, `/complaints open${scope}`), `${email} open${scope}`).toEqual(sorted(overdue, withinDeadline));
        expect(await listed(email, `/complaints overdue${scope}`), `${email} overdue${scope}`).toEqual([overdue]);
        expect(await listed(email, `/complaints all${scope}`), `${email} all${scope}`).toEqual(sorted(overdue, resolvedLate, resolvedInTime, withinDeadline));
      }
      expect(textOf(await own.say(ZHANG_WEI, '/complaints overdue'))).toMatch(/^已逾期投诉（1）\n/);
    });
  });
});
