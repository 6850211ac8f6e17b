import { scoringSettingsFrom, type ScoringSettings } from './analytics/settings.js';
import { scheduleSettingsFrom, type ScheduleSettings } from './schedule/schedule-settings.js';
import { readStoredSettings } from './stored-settings.js';

/** A team's settings, parsed and validated once when loaded; inside, only this typed value travels. */
export interface TeamSettings {
  schedule: ScheduleSettings;
  scoring: ScoringSettings;
}

/** Team.settings JSON into typed settings; a broken value gives the defaults and says why in `problem`. */
export function parseTeamSettings(json: string | null | undefined): { settings: TeamSettings; problem: string | null } {
  const { raw, problem } = readStoredSettings(json);
  return { settings: { schedule: scheduleSettingsFrom(raw), scoring: scoringSettingsFrom(raw) }, problem };
}

export const DEFAULT_TEAM_SETTINGS: Readonly<TeamSettings> = parseTeamSettings('{}').settings;
