import { DEFAULT_TEAM_SETTINGS, parseTeamSettings, type TeamSettings } from '../domain/team-settings.js';
import type { Sqlite } from './sqlite.js';
import type { StoreHandle } from './stores/store.js';

/** Every team's settings, parsed once for one run (a planning run, a check-in refresh, a digest). */
export interface LoadedTeamSettings {
  teamIds: number[];
  /** A team's settings; no team (or one deleted since) gets the defaults. */
  of(teamId: number | null | undefined): TeamSettings;
  /** One line per team whose stored settings are broken and were replaced by the defaults: for the caller's log. */
  problems: { teamId: number; message: string }[];
}

export type TeamSettingsRow = { id: number; name: string; settings: string | null };

/** Every team's settings, on either engine. */
export async function loadTeamSettings({ kysely }: StoreHandle): Promise<LoadedTeamSettings> {
  return teamSettingsOf(await kysely.selectFrom('Team').select(['id', 'name', 'settings']).orderBy('id').execute());
}

/**
 * loadTeamSettings for the SQLite code still on prepared statements, which runs synchronously
 * (planning batches, scoring, check-in refreshes): it goes when its last caller moves to a store (issue 15).
 */
export function loadTeamSettingsSync(sqlite: Sqlite): LoadedTeamSettings {
  return teamSettingsOf(sqlite.prepare('SELECT id, name, settings FROM Team ORDER BY id').all() as TeamSettingsRow[]);
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
