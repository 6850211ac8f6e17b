import type { TeamDirectory, TeamSettingsRow } from '../commands/ports.js';
import type { ChatPlatform } from '../domain/platform.js';
import { refreshCheckIns } from './check-ins.js';
import type { Sqlite } from './database.js';

const COLUMNS = 'id, name, timeZone, locale, slackChannelId, discordChannelId, settings';
/** The Team column that holds each platform's channel id. */
const CHANNEL_COLUMN = { slack: 'slackChannelId', discord: 'discordChannelId' } as const satisfies Record<ChatPlatform, string>;

type TeamRow = Omit<TeamSettingsRow, 'channels'> & { slackChannelId: string | null; discordChannelId: string | null };

function toSettingsRow({ slackChannelId, discordChannelId, ...team }: TeamRow): TeamSettingsRow {
  return { ...team, channels: { ...(slackChannelId ? { slack: slackChannelId } : {}), ...(discordChannelId ? { discord: discordChannelId } : {}) } };
}

export function createTeamDirectory(sqlite: Sqlite): TeamDirectory {
  const byId = sqlite.prepare(`SELECT ${COLUMNS} FROM Team WHERE id = ?`);
  const byName = sqlite.prepare(`SELECT ${COLUMNS} FROM Team WHERE name = ?`);
  const all = sqlite.prepare(`SELECT ${COLUMNS} FROM Team`);
  const workspacesOf = sqlite.prepare('SELECT workspaceId FROM Workspace WHERE teamId = ? AND platform = ? ORDER BY id').pluck();
  const addWorkspace = sqlite.prepare('INSERT INTO Workspace (teamId, platform, workspaceId) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const removeWorkspace = sqlite.prepare('DELETE FROM Workspace WHERE teamId = ? AND platform = ? AND workspaceId = ?');
  const listed = sqlite.prepare('SELECT EXISTS (SELECT 1 FROM Workspace WHERE platform = ? AND workspaceId = ?)').pluck();
  const anyListed = sqlite.prepare('SELECT EXISTS (SELECT 1 FROM Workspace WHERE platform = ?)').pluck();
  return {
    async get(teamId) {
      const row = byId.get(teamId) as TeamRow | undefined;
      return row ? toSettingsRow(row) : null;
    },
    async find(query) {
      const q = query.trim();
      const exact = ((/^\d+$/.test(q) ? byId.get(Number(q)) : undefined) ?? byName.get(q)) as TeamRow | undefined;
      if (exact) return toSettingsRow(exact);
      // People type "berlin b2b" for "Berlin B2B". SQLite's NOCASE folds ASCII only, and teams are few: compare here.
      const folded = q.toLowerCase();
      const matches = (all.all() as TeamRow[]).filter((team) => team.name.toLowerCase() === folded);
      return matches.length === 1 ? toSettingsRow(matches[0]!) : null;
    },
    async update(teamId, change) {
      const columns: [string, string][] = [];
      if (change.timeZone !== undefined) columns.push(['timeZone', change.timeZone]);
      if (change.locale !== undefined) columns.push(['locale', change.locale]);
      if (change.settings !== undefined) columns.push(['settings', change.settings]);
      if (change.channel !== undefined) columns.push([CHANNEL_COLUMN[change.channel.platform], change.channel.id]);
      if (columns.length === 0) return;
      sqlite.transaction(() => {
        // Column names come from the code above, never from user text.
        sqlite.prepare(`UPDATE Team SET ${columns.map(([column]) => `"${column}" = ?`).join(', ')} WHERE id = ?`).run(...columns.map(([, value]) => value), teamId);
        // New cadence days move the team's check-ins.
        if (change.settings !== undefined) refreshCheckIns(sqlite, { teamId });
      })();
    },
    async workspaces(teamId, platform) {
      return workspacesOf.all(teamId, platform) as string[];
    },
    async listWorkspace(teamId, platform, workspaceId, list) {
      const result = list ? addWorkspace.run(teamId, platform, workspaceId) : removeWorkspace.run(teamId, platform, workspaceId);
      return result.changes > 0;
    },
    async workspaceListed(platform, workspaceId) {
      return { listed: listed.get(platform, workspaceId) === 1, anyListed: anyListed.get(platform) === 1 };
    },
  };
}
