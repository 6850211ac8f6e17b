import type { TeamDirectory, TeamSettingsRow } from '../commands/ports.js';
import { refreshCheckIns } from './check-ins.js';
import type { Sqlite } from './database.js';

const COLUMNS = 'id, name, timeZone, locale, slackChannelId, discordChannelId, settings';

export function createTeamDirectory(sqlite: Sqlite): TeamDirectory {
  const byId = sqlite.prepare(`SELECT ${COLUMNS} FROM Team WHERE id = ?`);
  const byName = sqlite.prepare(`SELECT ${COLUMNS} FROM Team WHERE name = ?`);
  const all = sqlite.prepare(`SELECT ${COLUMNS} FROM Team`);
  return {
    async get(teamId) {
      return (byId.get(teamId) as TeamSettingsRow | undefined) ?? null;
    },
    async find(query) {
      const q = query.trim();
      const exact = ((/^\d+$/.test(q) ? byId.get(Number(q)) : undefined) ?? byName.get(q)) as TeamSettingsRow | undefined;
      if (exact) return exact;
      // People type "berlin b2b" for "Berlin B2B". SQLite's NOCASE folds ASCII only, and teams are few: compare here.
      const folded = q.toLowerCase();
      const matches = (all.all() as TeamSettingsRow[]).filter((team) => team.name.toLowerCase() === folded);
      return matches.length === 1 ? matches[0]! : null;
    },
    async update(teamId, change) {
      const entries = Object.entries(change).filter(([, value]) => value !== undefined);
      if (entries.length === 0) return;
      sqlite.transaction(() => {
        // Column names come from the typed change object, never from user text.
        sqlite
          .prepare(`UPDATE Team SET ${entries.map(([column]) => `"${column}" = ?`).join(', ')} WHERE id = ?`)
          .run(...entries.map(([, value]) => value), teamId);
        // New cadence days move the team's check-ins.
        if (change.settings !== undefined) refreshCheckIns(sqlite, { teamId });
      })();
    },
  };
}
