import { DEFAULT_TEAM_SETTINGS, parseTeamSettings, type TeamSettings } from '../domain/team-settings.js';
import type { Sqlite } from './sqlite.js';

/** Every team's settings, parsed once for one run (a planning run, a check-in refresh, a digest). */
export interface LoadedTeamSettings {
  teamIds: number[];
  /** A team's settings; no team (or one deleted since) gets the defaults. */
  of(teamId: number | null | undefined): TeamSettings;
  /** One line per team whose stored settings are broken and were replaced by the defaults: for the caller's log. */
  problems: { teamId: number; message: string }[];
}

export function loadTeamSettings(sqlite: Sqlite): LoadedTeamSettings {
  return teamSettingsOf(sqlite.prepare('SELECT id, name, settings FROM Team ORDER BY id').all() as TeamSettingsRow[]);
}

export interface TeamSettingsRow {
  id: number;
  name: string;
  settings: string | null;
}

/** Every team's settings from their rows (by id), read by whichever engine. */
export function teamSettingsOf(rows: readonly TeamSettingsRow[]): LoadedTeamSettings {
  const byTeam = new Map<number, TeamSettings>();
  const problems: LoadedTeamSettings['problems'] = [];
  for (const row of rows) {
    const { settings, problem } = parseTeamSettings(row.settings);
    byTeam.set(row.id, settings);
    if (problem) problems.push({ teamId: row.id, message: `Team ${row.id} (${row.name}): the stored settings ${problem}, so its defaults are used until a /rapport settings change writes new ones.` });
  }
  return { teamIds: rows.map((r) => r.id), of: (teamId) => (teamId == null ? undefined : byTeam.get(teamId)) ?? DEFAULT_TEAM_SETTINGS, problems };
}
