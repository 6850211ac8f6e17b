import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTeamDirectory } from '../../src/db/team-directory.js';
import { runNudgesCli } from '../../src/scheduler/nudges-cli.js';
import { ADMIN, backgroundJobsFor, commandHarness, textOf, type AnyEngineHarness } from '../commands/helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('team names', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  describe('team names', () => {
    it('does find a team by its name in any case, by id, and not a near miss', async () => {
      const teams = createTeamDirectory(h.db, backgroundJobsFor(h.db));
      expect((await teams.find('berlin b2b'))?.name).toBe('Berlin B2B');
      expect((await teams.find(' BERLIN B2B '))?.name).toBe('Berlin B2B');
      expect((await teams.find('上海旗舰店'))?.name).toBe('上海旗舰店');
      expect((await teams.find('1'))?.name).toBe('上海旗舰店');
      expect(await teams.find('berlin')).toBeNull();
    });

    it('does take the exact name first and refuse to guess between two that differ only in case', async () => {
      await h.db.kysely.insertInto('Team').values([{ name: 'MÜNCHEN Süd', createdAt: 0 }, { name: 'München Süd', createdAt: 0 }]).execute();
      const teams = createTeamDirectory(h.db, backgroundJobsFor(h.db));
      expect((await teams.find('München Süd'))?.name).toBe('München Süd');
      expect(await teams.find('münchen süd')).toBeNull();
    });

    it('does let an admin name the team in any case in /rapport settings', async () => {
      expect(textOf(await h.say(ADMIN, '/rapport settings --team "berlin b2b"'))).toMatch(/^Settings of Berlin B2B/);
    });

    it('does let an admin name the team in any case in the nudges preview', async () => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const code = await runNudgesCli(['--from', '2026-11-23', '--to', '2026-11-24', '--team', 'BERLIN b2b'], { db: h.db, clock: new ManualClock('2026-11-23T00:00:00Z'), out });
      expect(code).toBe(0);
      expect(text).toMatch(/^Nudges that would be planned 2026-11-23 … 2026-11-24 for Berlin B2B/);
    });
  });
});
