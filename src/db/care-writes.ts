import { nextAgendaSlot } from '../domain/schedule/agenda.js';
import { SATISFACTION_CHECK_DAYS } from '../domain/schedule/care.js';
import { addDays, atLocalTime, localDateOf, safeZone } from '../domain/schedule/local-time.js';
import { addWorkingTime } from '../domain/schedule/working-time.js';
import { isTier, type Tier } from '../domain/tier.js';
import { UNTIMED_HOUR } from '../domain/when.js';
import type { Sqlite } from './sqlite.js';
import { loadTeamSettingsSync, type LoadedTeamSettings } from './team-settings.js';

/**
 * The care writes both a command and the planner make (a complaint typed in chat or imported, a
 * low rating logged either way), in one place so that both paths write the same rows. Each is
 * keyed (one ticket per complaint interaction, one follow-up per rating), so a second call
 * changes nothing.
 */

/** The owner's zone (else their team's), agenda hour and team settings. */
function ownerOf(sqlite: Sqlite, customerId: number) {
  return sqlite
    .prepare(
      `SELECT c.ownerId, COALESCE(r.timeZone, t.timeZone) AS zone, t.timeZone AS teamZone, COALESCE(r.agendaHour, 9) AS agendaHour, r.teamId,
         (SELECT s.tier FROM ScoreSnapshot s WHERE s.customerId = c.id ORDER BY s.week DESC LIMIT 1) AS tier
       FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId LEFT JOIN Team t ON t.id = r.teamId WHERE c.id = ?`,
    )
    .get(customerId) as { ownerId: number | null; zone: string | null; teamZone: string | null; agendaHour: number; teamId: number | null; tier: string | null } | undefined;
}

/** Unscored customers answer on the slowest tier's deadline. */
const UNSCORED: Tier = 'D';

/**
 * Opens the ticket of a complaint interaction: owned by the customer's owner (else whoever
 * logged it), due by the tier's response deadline in the team's working hours. Returns its id,
 * or the existing ticket's.
 */
export function openTicket(
  sqlite: Sqlite,
  complaint: { interactionId: number; customerId: number; loggedBy: number | null; text: string; at: Date },
  teams: LoadedTeamSettings = loadTeamSettingsSync(sqlite),
): number | null {
  const owner = ownerOf(sqlite, complaint.customerId);
  if (!owner) return null;
  const settings = teams.of(owner.teamId).schedule;
  const tier = isTier(owner.tier) ? owner.tier : UNSCORED;
  const deadline = addWorkingTime(complaint.at, settings.complaintDeadlines[tier], settings.workingHours, safeZone(owner.teamZone ?? owner.zone));
  sqlite
    .prepare(
      `INSERT INTO Ticket (customerId, ownerId, interactionId, text, tier, openedAt, deadline, status, createdAt)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT(interactionId) DO NOTHING`,
    )
    .run(complaint.customerId, owner.ownerId ?? complaint.loggedBy, complaint.interactionId, complaint.text, tier, complaint.at.getTime(), deadline.getTime(), complaint.at.getTime());
  return sqlite.prepare('SELECT id FROM Ticket WHERE interactionId = ?').pluck().get(complaint.interactionId) as number;
}

export const ratingFollowUpKey = (interactionId: number) => `rating:${interactionId}`;

/**
 * A low rating's follow-up: an untimed callback for the customer's owner on their next agenda,
 * once per rating. Null when the customer has no owner.
 */
export function followUpRating(sqlite: Sqlite, interactionId: number, at: Date): { callbackId: number; dueAt: Date } | null {
  const customerId = sqlite.prepare('SELECT customerId FROM Interaction WHERE id = ?').pluck().get(interactionId) as number | undefined;
  const owner = customerId === undefined ? undefined : ownerOf(sqlite, customerId);
  if (!owner || owner.ownerId === null) return null;
  const dueAt = nextAgendaSlot(safeZone(owner.zone), owner.agendaHour, at).dueAt;
  const key = ratingFollowUpKey(interactionId);
  sqlite
    .prepare(
      `INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, dedupeKey, createdAt)
       VALUES (?, ?, ?, 0, '', 'open', 'low-rating', ?, ?) ON CONFLICT(dedupeKey) DO NOTHING`,
    )
    .run(customerId, owner.ownerId, dueAt.getTime(), key, at.getTime());
  const row = sqlite.prepare('SELECT id, dueAt FROM Callback WHERE dedupeKey = ?').get(key) as { id: number; dueAt: number };
  return { callbackId: row.id, dueAt: new Date(row.dueAt) };
}

/** The untimed satisfaction-check callback of a resolved ticket, on the owner's day 7 days on. */
export function scheduleSatisfactionCheck(sqlite: Sqlite, ticketId: number, at: Date, resolvedBy: number): { callbackId: number; dueAt: Date } {
  const ticket = sqlite.prepare('SELECT customerId, ownerId FROM Ticket WHERE id = ?').get(ticketId) as { customerId: number; ownerId: number | null };
  const owner = ownerOf(sqlite, ticket.customerId);
  const zone = safeZone(owner?.zone);
  const dueAt = atLocalTime(addDays(localDateOf(at, zone), SATISFACTION_CHECK_DAYS), UNTIMED_HOUR, zone);
  const key = `satisfaction:${ticketId}`;
  sqlite
    .prepare(
      `INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, dedupeKey, createdAt)
       VALUES (?, ?, ?, 0, '', 'open', 'satisfaction', ?, ?) ON CONFLICT(dedupeKey) DO NOTHING`,
    )
    .run(ticket.customerId, owner?.ownerId ?? ticket.ownerId ?? resolvedBy, dueAt.getTime(), key, at.getTime());
  const row = sqlite.prepare('SELECT id, dueAt FROM Callback WHERE dedupeKey = ?').get(key) as { id: number; dueAt: number };
  return { callbackId: row.id, dueAt: new Date(row.dueAt) };
}
