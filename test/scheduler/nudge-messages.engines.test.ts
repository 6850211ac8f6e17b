import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { App } from '../../src/commands/app.js';
import { createDispatcher } from '../../src/commands/dispatcher.js';
import { encodeInvocation } from '../../src/commands/options.js';
import { commands } from '../../src/commands/registry.js';
import type { CommandAction } from '../../src/commands/reply.js';
import type { Notification } from '../../src/scheduler/notifier.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { buttonsOf, servicesFor, textOf } from '../commands/helpers.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, RecordingNotifier, deliveryDeps, demoDatabase, drain } from './helpers.js';

type Db = TestStoreDatabase;
const HOUR = 3_600_000;
/** DEMO_ASOF is Monday 00:00 UTC; Shanghai agendas go out at 01:00 UTC. */
const MORNING = new Date(DEMO_ASOF.getTime() + 2 * HOUR);

describeEngines('sent nudges stay current', (engine) => {
  let db: Db;
  let app: App;
  let zhang: number;
  let callbackId: number;
  const slack = new RecordingNotifier(undefined, 'slack');
  const clock = new ManualClock(MORNING);
  const sentTo = (kind: string) => slack.sent.find((n) => n.kind === kind && n.recipient.kind === 'rep' && n.recipient.repId === zhang)!;
  const press = (action: CommandAction) => app.handleAction({ platform: 'slack', userId: 'U0ZHANG', payload: encodeInvocation(action.invocation) });

  beforeAll(async () => {
    db = await demoDatabase(60, DEMO_ASOF, engine);
    const k = db.kysely;
    zhang = (await k.selectFrom('Rep').select('id').where('email', '=', 'zhang.wei@rapport.demo').executeTakeFirstOrThrow()).id;
    await k.updateTable('Rep').set({ slackUserId: 'U0ZHANG' }).where('id', '=', zhang).execute();
    const customers = (await k.selectFrom('Customer').select('id').where('ownerId', '=', zhang).orderBy('id').limit(2).execute()).map((c) => c.id);
    const insert = async (customerId: number, dueAt: number, note: string) =>
      (await k.insertInto('Callback').values({ customerId, ownerId: zhang, dueAt, timed: true, note, status: 'open', source: 'manual', createdAt: 0 }).returning('id').executeTakeFirstOrThrow()).id;
    // One callback on this morning's agenda and pinged at its minute, one only on the agenda.
    callbackId = await insert(customers[0]!, MORNING.getTime() + 30 * 60_000, 'the pinged one');
    await insert(customers[1]!, MORNING.getTime() + 5 * HOUR, 'later today');
    await runPlanning(db, DEMO_ASOF);
    await drain(MORNING, deliveryDeps(db, slack));
    await drain(new Date(MORNING.getTime() + HOUR), deliveryDeps(db, slack));
    app = createDispatcher({
      commands,
      services: servicesFor(db, clock, new Map([['slack', slack]])),
      clock,
      logger: { error() {} },
      defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
    });
  });
  afterAll(async () => db.cleanup());

  it('does keep where each nudge was posted', async () => {
    const refs = await db.kysely
      .selectFrom('Nudge')
      .select(['kind', 'messagePlatform', 'messageChannel', 'messageId'])
      .where('status', '=', 'sent')
      .where('targetId', '=', zhang)
      .where('targetKind', '=', 'rep')
      .orderBy('id')
      .execute();
    expect(refs).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'agenda', messagePlatform: 'slack', messageChannel: 'D-U0ZHANG' })]));
    expect(refs).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'callback', messagePlatform: 'slack' })]));
  });

  it('does redraw the agenda in place when Done is pressed on one of its items, and update the ping of that callback', async () => {
    const agenda: Notification = sentTo('agenda');
    const done = buttonsOf(agenda.reply).find((b) => b.invocation.command === 'callback done' && b.invocation.options.id === callbackId)!;
    expect(done.invocation.nudgeId).toBe(agenda.nudgeId);
    const reply = await press(done);
    expect(reply.placement).toBe('replace');
    expect(reply.blocks[0]).toMatchObject({ type: 'text', tone: 'muted', text: expect.stringMatching(new RegExp(`#${callbackId}.*已完成`)) });
    // The agenda drawn again: the done callback is gone, the other one stays with its buttons.
    const items = reply.blocks.flatMap((b) => (b.type === 'list' ? b.items : []));
    expect(items.map((i) => i.secondary ?? '').join('\n')).not.toContain('the pinged one');
    expect(items.map((i) => i.secondary ?? '').join('\n')).toContain('later today');
    // Pressing it again says so, and leaves the message alone.
    const again = await press(done);
    expect(again.placement).toBeUndefined();
    expect(textOf(again)).toBe(`回访 #${callbackId} 已经完成。`);
    // The callback's own ping, posted earlier, is updated where it was posted.
    const ping = sentTo('callback');
    const { messageId } = await db.kysely.selectFrom('Nudge').select('messageId').where('id', '=', ping.nudgeId).executeTakeFirstOrThrow();
    const update = slack.updates.find((u) => u.ref.messageId === messageId);
    expect(update?.reply.blocks).toEqual([{ type: 'text', tone: 'muted', text: `与王芳的回访 #${callbackId}：完成。` }]);
  });

  it('does not redraw a message for someone it was not sent to', async () => {
    const agenda = sentTo('agenda');
    await db.kysely.updateTable('Rep').set({ slackUserId: 'U0LIU' }).where('email', '=', 'liu.yang@rapport.demo').execute();
    const forged = encodeInvocation({ command: 'callbacks', options: {}, nudgeId: agenda.nudgeId });
    const reply = await app.handleAction({ platform: 'slack', userId: 'U0LIU', payload: forged });
    expect(reply.placement).toBe('replace');
    expect(textOf(reply)).not.toContain('later today');
  });
});
