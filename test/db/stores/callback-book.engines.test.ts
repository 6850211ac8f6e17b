import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CallbackBook } from '../../../src/commands/ports.js';
import { createCallbackBook } from '../../../src/db/callback-book.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { daysAgo, NOW, seedCustomers, type CustomerFixture } from './customer-fixture.js';

const ALL = { kind: 'all' } as const;
const at = (days: number) => new Date(daysAgo(-days));

describeEngines('the callback book', (engine) => {
  let db: TestStoreDatabase;
  let fx: CustomerFixture;
  let callbacks: CallbackBook;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    fx = await seedCustomers(db);
    callbacks = createCallbackBook(db);
  });
  afterEach(async () => db?.cleanup());

  const add = (customerId: number, ownerId: number, days: number, note = '', timed = true) =>
    callbacks.create({ customerId, ownerId, dueAt: at(days), timed, note, source: 'manual' });
  const statusOf = async (id: number) => (await db.kysely.selectFrom('Callback').select(['status', 'completedAt', 'dueAt', 'timed']).where('id', '=', id).executeTakeFirstOrThrow());

  it('does create an open callback and hand it back with its customer and owner', async () => {
    const created = await add(fx.customers.annaSchmidt, fx.reps.bob, 2, 'bring the “catalogue”, 50% off', false);
    expect(created).toEqual({
      id: expect.any(Number), customerId: fx.customers.annaSchmidt, customerName: 'Anna Schmidt', customerExternalId: 'C000003', ownerId: fx.reps.bob, ownerName: 'Bob',
      dueAt: at(2), timed: false, note: 'bring the “catalogue”, 50% off', status: 'open', source: 'manual',
    });
    expect(await callbacks.get(created.id, ALL)).toEqual(created);
  });

  it('does show a callback only through its customer’s book, whoever owns the callback', async () => {
    // Bob's callback on Cai's customer: Cai's team sees it, Bob's team does not.
    const foreign = await add(fx.customers.annaSchmitz, fx.reps.bob, 1);
    expect(await callbacks.get(foreign.id, { kind: 'team', teamId: fx.teams.south })).toMatchObject({ id: foreign.id });
    expect(await callbacks.get(foreign.id, { kind: 'team', teamId: fx.teams.north })).toBeNull();
    expect(await callbacks.get(foreign.id, { kind: 'owner', repId: fx.reps.bob })).toBeNull();
    expect(await callbacks.get(foreign.id, { kind: 'owner', repId: fx.reps.cai })).toMatchObject({ id: foreign.id });
    expect(await callbacks.get(999_999, ALL)).toBeNull();
  });

  it('does list a rep’s open callbacks due before a time, soonest first, ties by id, up to a limit, within the book', async () => {
    const c = fx.customers;
    const later = await add(c.annaSchmidt, fx.reps.bob, 3, 'later');
    const first = await add(c.rabatt, fx.reps.bob, 1, 'first');
    const tie = await add(c.ecole, fx.reps.bob, 1, 'tie');
    await add(c.annaSchmidt, fx.reps.bob, 10, 'past the horizon');
    const foreign = await add(c.annaSchmitz, fx.reps.bob, 2, 'outside Bob’s team');
    await add(c.annaSchmidt, fx.reps.ann, 1, 'Ann’s');
    const open = (scope: Parameters<CallbackBook['open']>[1], limit = 10) => callbacks.open(fx.reps.bob, scope, at(5), limit).then((rows) => rows.map((r) => r.id));
    expect(await open(ALL)).toEqual([first.id, tie.id, foreign.id, later.id]);
    expect(await open({ kind: 'team', teamId: fx.teams.north })).toEqual([first.id, tie.id, later.id]);
    expect(await open({ kind: 'owner', repId: fx.reps.bob })).toEqual([first.id, tie.id, later.id]);
    expect(await open(ALL, 2)).toEqual([first.id, tie.id]);
    // Due exactly at `until` is not before it.
    expect((await callbacks.open(fx.reps.bob, ALL, at(1), 10)).map((r) => r.id)).toEqual([]);
    await callbacks.cancel(first.id);
    await callbacks.reschedule(later.id, at(0.5), false);
    expect(await open(ALL)).toEqual([later.id, tie.id, foreign.id]);
  });

  it('does cancel and reschedule a callback', async () => {
    const created = await add(fx.customers.rabatt, fx.reps.bob, 1);
    await callbacks.reschedule(created.id, at(4), false);
    expect(await statusOf(created.id)).toEqual({ status: 'open', completedAt: null, dueAt: at(4).getTime(), timed: false });
    await callbacks.cancel(created.id);
    expect(await statusOf(created.id)).toEqual({ status: 'cancelled', completedAt: null, dueAt: at(4).getTime(), timed: false });
    expect(await callbacks.get(created.id, ALL)).toMatchObject({ status: 'cancelled' });
  });

  it('does mark a callback done as a touch: the customer’s last touch moves', async () => {
    const created = await add(fx.customers.rabatt, fx.reps.bob, 1);
    const done = new Date(NOW.getTime() + 60_000);
    await callbacks.complete(created.id, done);
    expect(await statusOf(created.id)).toMatchObject({ status: 'done', completedAt: done.getTime() });
    // The done callback is the customer's last touch.
    expect((await db.kysely.selectFrom('Customer').select('lastTouchAt').where('id', '=', fx.customers.rabatt).executeTakeFirstOrThrow()).lastTouchAt).toBe(done.getTime());
    expect(await callbacks.open(fx.reps.bob, ALL, at(5), 10)).toEqual([]);
  });
});
