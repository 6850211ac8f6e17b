import { afterEach, beforeEach, expect, it } from 'vitest';
import type { BackgroundJob, BackgroundJobs } from '../../../src/background/background-jobs.js';
import type { TeamDirectory } from '../../../src/commands/ports.js';
import { createTeamDirectory } from '../../../src/db/team-directory.js';
import { loadTeamSettings, loadTeamSettingsSync } from '../../../src/db/team-settings.js';
import { DEFAULT_TEAM_SETTINGS } from '../../../src/domain/team-settings.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { addTeam } from './fixtures/people.js';

describeEngines('the team directory', (engine) => {
  let db: TestStoreDatabase;
  let teams: TeamDirectory;
  let jobs: BackgroundJob[];
  let shanghai: number;
  let berlin: number;
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    jobs = [];
    // The directory only hands the job over; what the job does is the background worker's (test/db/team-settings.test.ts).
    const background = { run: async (job: BackgroundJob) => void jobs.push(job) } as BackgroundJobs;
    teams = createTeamDirectory(db, background);
    shanghai = await addTeam(db, { name: '上海旗舰店', locale: 'zh-CN', timeZone: 'Asia/Shanghai', discordChannelId: '7001' });
    berlin = await addTeam(db, { name: 'Berlin B2B', slackChannelId: 'C1', settings: '{"cadenceDays":{"A":3}}' });
  });
  afterEach(async () => db?.cleanup());

  it('does read a team with its channels per platform, and nothing for an unknown id', async () => {
    expect(await teams.get(shanghai)).toEqual({ id: shanghai, name: '上海旗舰店', timeZone: 'Asia/Shanghai', locale: 'zh-CN', channels: { discord: '7001' }, settings: '{}' });
    expect(await teams.get(berlin)).toMatchObject({ channels: { slack: 'C1' }, settings: '{"cadenceDays":{"A":3}}', timeZone: 'UTC', locale: 'en' });
    expect(await teams.get(424242)).toBeNull();
    expect(await teams.get(2 ** 31)).toBeNull();
  });

  it('does find a team by id, exact name or a name in another case, and nothing on a near miss', async () => {
    const name = async (query: string) => (await teams.find(query))?.name ?? null;
    expect(await name(String(berlin))).toBe('Berlin B2B');
    expect(await name(' berlin b2b ')).toBe('Berlin B2B');
    expect(await name('BERLIN B2B')).toBe('Berlin B2B');
    expect(await name('上海旗舰店')).toBe('上海旗舰店');
    for (const miss of ['berlin', 'Berlin  B2B', '424242', '2147483648', '99999999999999999999', 'Berlin B2B\u0000', '', "' OR 1=1 --", '%']) expect(await name(miss), miss).toBeNull();
  });

  it('does take the exact name first and refuse to guess between names that differ only in case', async () => {
    await addTeam(db, { name: 'MÜNCHEN Süd' });
    await addTeam(db, { name: 'München Süd' });
    expect(await teams.find('München Süd')).toMatchObject({ name: 'München Süd' });
    expect(await teams.find('MÜNCHEN Süd')).toMatchObject({ name: 'MÜNCHEN Süd' });
    expect(await teams.find('münchen süd')).toBeNull();
  });

  it('does change only what is given, and hand a settings change to the background jobs', async () => {
    await teams.update(berlin, {});
    await teams.update(berlin, { timeZone: 'Europe/Berlin', channel: { platform: 'discord', id: '7002' } });
    expect(await teams.get(berlin)).toMatchObject({ timeZone: 'Europe/Berlin', locale: 'en', channels: { slack: 'C1', discord: '7002' }, settings: '{"cadenceDays":{"A":3}}' });
    expect(jobs).toEqual([]);
    await teams.update(berlin, { locale: 'de', settings: '{"cadenceDays":{"A":5}}', channel: { platform: 'slack', id: 'C9' } });
    expect(await teams.get(berlin)).toMatchObject({ locale: 'de', channels: { slack: 'C9', discord: '7002' }, settings: '{"cadenceDays":{"A":5}}' });
    expect(jobs).toEqual([{ kind: 'refresh-check-ins', teamId: berlin }]);
    // Another team is untouched.
    expect(await teams.get(shanghai)).toMatchObject({ timeZone: 'Asia/Shanghai', locale: 'zh-CN', channels: { discord: '7001' }, settings: '{}' });
  });

  it('does list a workspace once per team and platform, in the order added, and say when nothing changed', async () => {
    expect(await teams.workspaceListed('discord', 'G1')).toEqual({ listed: false, anyListed: false });
    expect(await teams.listWorkspace(berlin, 'discord', 'G2', true)).toBe(true);
    expect(await teams.listWorkspace(berlin, 'discord', 'G1', true)).toBe(true);
    expect(await teams.listWorkspace(berlin, 'discord', 'G1', true)).toBe(false);
    expect(await teams.listWorkspace(shanghai, 'discord', 'G1', true)).toBe(true);
    expect(await teams.workspaces(berlin, 'discord')).toEqual(['G2', 'G1']);
    expect(await teams.workspaces(berlin, 'slack')).toEqual([]);
    expect(await teams.workspaceListed('discord', 'G1')).toEqual({ listed: true, anyListed: true });
    expect(await teams.workspaceListed('discord', 'G3')).toEqual({ listed: false, anyListed: true });
    expect(await teams.workspaceListed('slack', 'G1')).toEqual({ listed: false, anyListed: false });
    expect(await teams.listWorkspace(berlin, 'discord', 'G1', false)).toBe(true);
    expect(await teams.listWorkspace(berlin, 'discord', 'G1', false)).toBe(false);
    expect(await teams.listWorkspace(berlin, 'slack', 'G2', false)).toBe(false);
    expect(await teams.workspaces(berlin, 'discord')).toEqual(['G2']);
    // Shanghai still lists G1.
    expect(await teams.workspaceListed('discord', 'G1')).toEqual({ listed: true, anyListed: true });
    const stamps = await db.kysely.selectFrom('Workspace').select('createdAt').execute();
    for (const { createdAt } of stamps) expect(typeof createdAt === 'number' && createdAt > Date.parse('2026-01-01')).toBe(true);
  });

  it('does load every team’s settings, giving defaults and one line per team whose stored settings are broken', async () => {
    const broken = await addTeam(db, { name: 'Broken "quotes"' });
    const nothing = await addTeam(db, { name: 'Null' });
    await db.kysely.updateTable('Team').set({ settings: '{"cadenceDays": {"A": 7' }).where('id', '=', broken).execute();
    await db.kysely.updateTable('Team').set({ settings: 'null' }).where('id', '=', nothing).execute();
    const loaded = await loadTeamSettings(db);
    expect(loaded.teamIds).toEqual([shanghai, berlin, broken, nothing]);
    expect(loaded.of(berlin).schedule.cadenceDays.A).toBe(3);
    expect(loaded.of(shanghai)).toEqual(DEFAULT_TEAM_SETTINGS);
    expect(loaded.of(broken)).toEqual(DEFAULT_TEAM_SETTINGS);
    expect(loaded.of(null)).toEqual(DEFAULT_TEAM_SETTINGS);
    expect(loaded.of(424242)).toEqual(DEFAULT_TEAM_SETTINGS);
    expect(loaded.problems).toEqual([
      { teamId: broken, message: `Team ${broken} (Broken "quotes"): the stored settings are not valid JSON, so its defaults are used until a /rapport settings change writes new ones.` },
      { teamId: nothing, message: `Team ${nothing} (Null): the stored settings are not a JSON object, so its defaults are used until a /rapport settings change writes new ones.` },
    ]);
    if (db.engine === 'sqlite') {
      // The synchronous reader of the code still on prepared statements reads the same.
      const sync = loadTeamSettingsSync(db.sqlite);
      expect({ ...sync, of: undefined }).toEqual({ ...loaded, of: undefined });
      for (const id of [...loaded.teamIds, null]) expect(sync.of(id)).toEqual(loaded.of(id));
    }
  });
});
