import type { BackgroundJobs } from '../background/background-jobs.js';
import type { TeamDirectory, TeamSettingsRow } from '../commands/ports.js';
import type { ChatPlatform } from '../domain/platform.js';
import type { StoreHandle } from './stores/store.js';

const COLUMNS = ['id', 'name', 'timeZone', 'locale', 'slackChannelId', 'discordChannelId', 'settings'] as const;

type TeamRow = Omit<TeamSettingsRow, 'channels'> & { slackChannelId: string | null; discordChannelId: string | null };

function toSettingsRow({ slackChannelId, discordChannelId, ...team }: TeamRow): TeamSettingsRow {
  return { ...team, channels: { ...(slackChannelId ? { slack: slackChannelId } : {}), ...(discordChannelId ? { discord: discordChannelId } : {}) } };
}

/** The Team change that sets a platform's channel column (typed, where a computed key would not be). */
function channelOf(platform: ChatPlatform, id: string): { slackChannelId: string } | { discordChannelId: string } {
  return platform === 'slack' ? { slackChannelId: id } : { discordChannelId: id };
}

/** Teams and the workspaces they list, on Kysely (either engine). */
export function createTeamDirectory({ kysely }: StoreHandle, background: BackgroundJobs): TeamDirectory {
  const teams = () => kysely.selectFrom('Team').select(COLUMNS);
  const byId = (teamId: number) => teams().where('id', '=', teamId).executeTakeFirst();
  return {
    async get(teamId) {
      const row = await byId(teamId);
      return row ? toSettingsRow(row) : null;
    },
    async find(query) {
      const q = query.trim();
      const exact = (/^\d+$/.test(q) ? await byId(Number(q)) : undefined) ?? (await teams().where('name', '=', q).executeTakeFirst());
      if (exact) return toSettingsRow(exact);
      // People type "berlin b2b" for "Berlin B2B". Engines fold case differently (SQLite's NOCASE: ASCII only), and teams are few: compare here.
      const folded = q.toLowerCase();
      const matches = (await teams().orderBy('id').execute()).filter((team) => team.name.toLowerCase() === folded);
      return matches.length === 1 ? toSettingsRow(matches[0]!) : null;
    },
    async update(teamId, change) {
      // Kysely leaves undefined values out of the SET: only what was given changes.
      const values = {
        timeZone: change.timeZone,
        locale: change.locale,
        settings: change.settings,
        ...(change.channel === undefined ? {} : channelOf(change.channel.platform, change.channel.id)),
      };
      if (Object.values(values).every((value) => value === undefined)) return;
      await kysely.updateTable('Team').set(values).where('id', '=', teamId).execute();
      // New cadence days move the team's check-ins: a whole book, so in the background worker, in slices.
      // A crash before it ends leaves some on the old days until the nightly rescoring refreshes them all.
      if (change.settings !== undefined) await background.run({ kind: 'refresh-check-ins', teamId });
    },
    async workspaces(teamId, platform) {
      const rows = await kysely.selectFrom('Workspace').select('workspaceId').where('teamId', '=', teamId).where('platform', '=', platform).orderBy('id').execute();
      return rows.map((row) => row.workspaceId);
    },
    async listWorkspace(teamId, platform, workspaceId, list) {
      if (!list) {
        const result = await kysely.deleteFrom('Workspace').where('teamId', '=', teamId).where('platform', '=', platform).where('workspaceId', '=', workspaceId).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }
      const result = await kysely
        .insertInto('Workspace')
        .values({ teamId, platform, workspaceId, createdAt: Date.now() })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    async workspaceListed(platform, workspaceId) {
      const anyOf = (workspace?: string) =>
        kysely
          .selectFrom('Workspace')
          .select('id')
          .where('platform', '=', platform)
          .$if(workspace !== undefined, (query) => query.where('workspaceId', '=', workspace!))
          .limit(1)
          .executeTakeFirst();
      const [listed, anyListed] = await Promise.all([anyOf(workspaceId), anyOf()]);
      return { listed: listed !== undefined, anyListed: anyListed !== undefined };
    },
  };
}
