/**
 * Team.settings as stored: a JSON object. Anything else (text that is not JSON, `null`, an array)
 * reads as no settings at all, so every field takes its default, and `problem` says what was
 * wrong, for the one log line of whoever loaded it.
 */
export function readStoredSettings(json: string | null | undefined): { raw: Record<string, unknown>; problem: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(json ?? '{}');
  } catch {
    return { raw: {}, problem: 'are not valid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { raw: {}, problem: 'are not a JSON object' };
  return { raw: raw as Record<string, unknown>, problem: null };
}
