import { afterEach, beforeEach, expect, it } from 'vitest';
import type { IdentityDirectory } from '../../../src/commands/ports.js';
import { createIdentityDirectory } from '../../../src/db/identity-directory.js';
import type { Actor } from '../../../src/domain/actor.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { addRep, addTeam, repRow } from './fixtures/people.js';

describeEngines('the identity directory', (engine) => {
  let db: TestStoreDatabase;
  let identities: IdentityDirectory;
  let shanghai: number;
  let berlin: number;
  let zhang: number;
  let li: number;
  let hans: number;
  let boss: number;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    identities = createIdentityDirectory(db);
    shanghai = await addTeam(db, { name: '上海旗舰店', locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    berlin = await addTeam(db, { name: 'Berlin B2B', locale: 'de', timeZone: 'Europe/Berlin', slackChannelId: 'C1' });
    zhang = await addRep(db, { name: '张伟', email: 'zhang.wei@example.cn', teamId: shanghai, slackUserId: 'U1', timeZone: 'Asia/Urumqi' });
    li = await addRep(db, { name: 'Li Na', email: 'li.na@example.cn', role: 'manager', teamId: shanghai, discordUserId: '9001', locale: 'en' });
    hans = await addRep(db, { name: 'Hans', email: 'hans@example.de', teamId: berlin, preferredPlatform: 'discord' });
    boss = await addRep(db, { name: 'Boss', email: 'boss@example.com', role: 'admin' });
  });
  afterEach(async () => db?.cleanup());

  it('does resolve a console user by id or email in any case, with the team’s defaults under the rep’s own', async () => {
    const expected: Actor = { repId: zhang, name: '张伟', email: 'zhang.wei@example.cn', role: 'rep', teamId: shanghai, locale: 'zh-CN', timeZone: 'Asia/Urumqi' };
    expect(await identities.resolve('console', String(zhang))).toEqual(expected);
    expect(await identities.resolve('console', ' Zhang.Wei@EXAMPLE.cn ')).toEqual(expected);
    expect(await identities.resolve('console', String(li))).toMatchObject({ role: 'manager', locale: 'en', timeZone: 'Asia/Shanghai' });
    expect(await identities.resolve('console', String(boss))).toMatchObject({ role: 'admin', teamId: null, locale: null, timeZone: null });
  });

  it('does resolve nobody for an empty, unknown or inactive user, and a chat user id on the console', async () => {
    await db.kysely.updateTable('Rep').set({ active: false }).where('id', '=', hans).execute();
    for (const user of ['', '   ', '999999', '2147483648', '99999999999999999999', 'zhang.wei@example.cn\u0000', 'nobody@example.com', 'hans@example.de', String(hans), 'U1', "' OR 1=1 --"]) {
      expect(await identities.resolve('console', user), user).toBeNull();
    }
    expect(await identities.resolve('slack', 'U404')).toBeNull();
    expect(await identities.resolve('slack', 'U1\u0000')).toBeNull();
    expect(await identities.resolve('discord', 'U1')).toBeNull();
    expect(await identities.resolveRep(hans)).toBeNull();
    expect(await identities.resolveRep(424242)).toBeNull();
    expect(await identities.resolveRep(2 ** 31)).toBeNull();
  });

  it('does resolve a chat user and remember the chat platform they last used', async () => {
    expect(await identities.resolve('slack', ' U1 ')).toMatchObject({ repId: zhang, locale: 'zh-CN' });
    const first = await repRow(db, zhang);
    expect(first.lastPlatform).toBe('slack');
    expect(await identities.resolve('discord', '9001')).toMatchObject({ repId: li });
    expect((await repRow(db, li)).lastPlatform).toBe('discord');
    // The console is no chat platform: it leaves lastPlatform alone.
    await identities.resolve('console', String(li));
    expect((await repRow(db, li)).lastPlatform).toBe('discord');
    expect(await identities.resolveRep(zhang)).toMatchObject({ repId: zhang, name: '张伟' });
  });

  it('does find a rep by id, email, email name, exact name and chat mention, and nobody on a near miss', async () => {
    const found = async (query: string) => (await identities.findRep(query))?.id ?? null;
    expect(await found(String(hans))).toBe(hans);
    expect(await found('LI.NA@example.cn')).toBe(li);
    expect(await found('zhang.wei')).toBe(zhang);
    expect(await found('张伟')).toBe(zhang);
    expect(await found('@Li Na')).toBe(li);
    expect(await found('<@U1>')).toBe(zhang);
    expect(await found('<@!9001>')).toBe(li);
    expect(await found('<@U1|zhang>')).toBe(zhang);
    // Names compare exactly; the email name is no pattern (`_` and `%` are no wildcards).
    for (const miss of ['li na', 'zhang_wei', 'zhang%', 'zhang', '%', '', '  ', '2147483648', '123456789012345', '123456789012345678', 'zhang.wei\u0000', '\u0000']) expect(await found(miss), miss).toBeNull();
  });

  it('does find nobody when an email name or a name belongs to two reps', async () => {
    await addRep(db, { name: 'Anna', email: 'anna@one.example' });
    await addRep(db, { name: 'Anna', email: 'anna@two.example' });
    expect(await identities.findRep('anna')).toBeNull();
    expect(await identities.findRep('Anna')).toBeNull();
    expect((await identities.findRep('anna@two.example'))?.email).toBe('anna@two.example');
  });

  it('does summarise a rep with their team, addresses and a known preferred platform only', async () => {
    expect(await identities.rep(zhang)).toEqual({
      id: zhang, name: '张伟', email: 'zhang.wei@example.cn', role: 'rep', teamId: shanghai, teamName: '上海旗舰店', locale: null, timeZone: 'Asia/Urumqi',
      addresses: { slack: 'U1' }, preferredPlatform: null,
    });
    expect(await identities.rep(hans)).toMatchObject({ teamName: 'Berlin B2B', addresses: {}, preferredPlatform: 'discord' });
    await db.kysely.updateTable('Rep').set({ preferredPlatform: 'email' }).where('id', '=', hans).execute();
    expect((await identities.rep(hans))?.preferredPlatform).toBeNull();
    expect(await identities.rep(boss)).toMatchObject({ teamId: null, teamName: null });
    expect(await identities.rep(424242)).toBeNull();
    expect(await identities.rep(2 ** 31)).toBeNull();
  });

  it('does link a chat user, moving it from the rep who had it and leaving the other platform alone', async () => {
    expect(await identities.link(hans, 'slack', 'U2')).toEqual({ previousRepId: null });
    expect(await identities.resolve('slack', 'U2')).toMatchObject({ repId: hans });
    // The same link again moves nothing.
    expect(await identities.link(hans, 'slack', 'U2')).toEqual({ previousRepId: null });
    expect(await identities.link(li, 'slack', 'U2')).toEqual({ previousRepId: hans });
    expect(await identities.resolve('slack', 'U2')).toMatchObject({ repId: li });
    expect(await repRow(db, hans)).toMatchObject({ slackUserId: null, discordUserId: null });
    expect(await repRow(db, li)).toMatchObject({ slackUserId: 'U2', discordUserId: '9001' });
    expect((await repRow(db, hans)).updatedAt).toBeGreaterThan(0);
    // Relinked on the other platform: only that column changes hands.
    expect(await identities.link(zhang, 'discord', '9001')).toEqual({ previousRepId: li });
    expect(await repRow(db, li)).toMatchObject({ slackUserId: 'U2', discordUserId: null });
    expect(await repRow(db, zhang)).toMatchObject({ slackUserId: 'U1', discordUserId: '9001' });
  });

  it('does change only the preferences given, and clear one set to null', async () => {
    await identities.setPreferences(zhang, {});
    expect((await repRow(db, zhang)).updatedAt).toBe(0);
    await identities.setPreferences(zhang, { locale: 'en', preferredPlatform: 'slack' });
    expect(await repRow(db, zhang)).toMatchObject({ locale: 'en', timeZone: 'Asia/Urumqi', preferredPlatform: 'slack' });
    await identities.setPreferences(zhang, { timeZone: null, preferredPlatform: undefined });
    expect(await repRow(db, zhang)).toMatchObject({ locale: 'en', timeZone: null, preferredPlatform: 'slack' });
    expect((await repRow(db, zhang)).updatedAt).toBeGreaterThan(0);
    expect(await identities.resolve('console', String(zhang))).toMatchObject({ locale: 'en', timeZone: 'Asia/Shanghai' });
    // Another rep's row is untouched.
    expect(await repRow(db, li)).toMatchObject({ locale: 'en', timeZone: null, updatedAt: 0 });
  });

  it('does offer a rep only themselves, a manager their team’s active reps and an admin everyone, by name', async () => {
    const ids = async (actor: Actor | null, limit = 10) => (await identities.assignableReps(actor!, limit)).map((r) => r.id);
    const wang = await addRep(db, { name: 'Anna', email: 'anna@example.cn', teamId: shanghai });
    await addRep(db, { name: 'Gone', email: 'gone@example.cn', teamId: shanghai, active: false });
    const actorOf = (id: number) => identities.resolveRep(id);
    expect(await ids(await actorOf(zhang))).toEqual([zhang]);
    expect(await ids(await actorOf(li))).toEqual([wang, li, zhang]);
    expect(await ids(await actorOf(li), 2)).toEqual([wang, li]);
    expect(await ids(await actorOf(boss))).toEqual([wang, boss, hans, li, zhang]);
    // A manager without a team sees every active rep; two reps of one name come in id order.
    const loose = await addRep(db, { name: 'Anna', email: 'anna2@example.com', role: 'manager' });
    expect(await ids(await actorOf(loose))).toEqual([wang, loose, boss, hans, li, zhang]);
  });
});
