import type { Kysely } from 'kysely';
import { nextAgendaSlot } from '../domain/schedule/agenda.js';
import { SATISFACTION_CHECK_DAYS } from '../domain/schedule/care.js';
import { addDays, atLocalTime, localDateOf, safeZone } from '../domain/schedule/local-time.js';
import { addWorkingTime } from '../domain/schedule/working-time.js';
import { parseTeamSettings } from '../domain/team-settings.js';
import { isTier, type Tier } from '../domain/tier.js';
import { UNTIMED_HOUR } from '../domain/when.js';
import type { Schema } from './schema.js';
import type { LoadedTeamSettings } from './team-settings.js';
import { inGroups } from './write-slices.js';

/**
 * The care writes both a command and the planner make (a complaint typed in chat or imported, a
 * low rating logged either way), in one place so that both paths write the same rows. Each is
 * keyed (one ticket per complaint interaction, one follow-up per rating), so a second call
 * changes nothing.
 */

/** Rows per statement of a batch: few enough parameters for either engine (9 a ticket row, 9 a callback row). */
const BATCH = 1_000;

/** The owner's zone (else their team's), agenda hour, team settings and newest tier of each customer, by customer id. */
async function ownersOf(kysely: Kysely<Schema>, customerIds: readonly number[]) {
  const rows = await kysely
    .selectFrom('Customer as c')
    .leftJoin('Rep as r', 'r.id', 'c.ownerId')
    .leftJoin('Team as t', 't.id', 'r.teamId')
    .select((eb) => [
      'c.id',
      'c.ownerId',
      eb.fn.coalesce('r.timeZone', 't.timeZone').as('zone'),
      't.timeZone as teamZone',
      eb.fn.coalesce('r.agendaHour', eb.lit(9)).as('agendaHour'),
      'r.teamId',
      't.settings as teamSettings',
      eb.selectFrom('ScoreSnapshot as s').select('s.tier').whereRef('s.customerId', '=', 'c.id').orderBy('s.week', 'desc').limit(1).as('tier'),
    ])
    .where('c.id', 'in', [...new Set(customerIds)])
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** Unscored customers answer on the slowest tier's deadline. */
const UNSCORED: Tier = 'D';

export interface Complaint {
  interactionId: number;
  customerId: number;
  loggedBy: number | null;
  text: string;
  at: Date;
}

/**
 * Opens the ticket of each complaint interaction: owned by the customer's owner (else whoever
 * logged it), due by the tier's response deadline in the team's working hours. Returns each one's
 * id, or the existing ticket's; null where the customer does not exist. Set-based: an import
 * brings thousands of complaints at once. `teams`: every team's settings, loaded once by a caller
 * with many batches; else each owner's team's are read with the owner.
 */
export async function openTickets(kysely: Kysely<Schema>, complaints: readonly Complaint[], teams?: LoadedTeamSettings): Promise<(number | null)[]> {
  const ids: (number | null)[] = [];
  for (const batch of inGroups(complaints, BATCH)) {
    const owners = await ownersOf(kysely, batch.map((c) => c.customerId));
    const rows = batch.flatMap((complaint) => {
      const owner = owners.get(complaint.customerId);
      if (!owner) return [];
      const settings = (teams ? teams.of(owner.teamId) : parseTeamSettings(owner.teamSettings).settings).schedule;
      const tier = isTier(owner.tier) ? owner.tier : UNSCORED;
      const deadline = addWorkingTime(complaint.at, settings.complaintDeadlines[tier], settings.workingHours, safeZone(owner.teamZone ?? owner.zone));
      return [{
        customerId: complaint.customerId, ownerId: owner.ownerId ?? complaint.loggedBy, interactionId: complaint.interactionId, text: complaint.text, tier,
        openedAt: complaint.at.getTime(), deadline: deadline.getTime(), status: 'open', createdAt: complaint.at.getTime(),
      }];
    });
    if (rows.length > 0) await kysely.insertInto('Ticket').values(rows).onConflict((oc) => oc.column('interactionId').doNothing()).execute();
    const opened = rows.length === 0 ? [] : await kysely.selectFrom('Ticket').select(['id', 'interactionId']).where('interactionId', 'in', rows.map((r) => r.interactionId)).execute();
    const byInteraction = new Map(opened.map((t) => [t.interactionId, t.id]));
    for (const complaint of batch) ids.push(owners.has(complaint.customerId) ? byInteraction.get(complaint.interactionId)! : null);
  }
  return ids;
}

export const openTicket = async (db: Kysely<Schema>, complaint: Complaint, teams?: LoadedTeamSettings) => (await openTickets(db, [complaint], teams))[0]!;

export const ratingFollowUpKey = (interactionId: number) => `rating:${interactionId}`;

interface KeyedCallback {
  customerId: number;
  ownerId: number;
  dueAt: Date;
  source: string;
  dedupeKey: string;
  at: Date;
}

/** Untimed callbacks keyed by `dedupeKey` (each created once), and the ones stored under those keys, by key. */
async function keyedCallbacks(kysely: Kysely<Schema>, callbacks: readonly KeyedCallback[]): Promise<Map<string, { callbackId: number; dueAt: Date }>> {
  if (callbacks.length === 0) return new Map();
  await kysely
    .insertInto('Callback')
    .values(callbacks.map((k) => ({
      customerId: k.customerId, ownerId: k.ownerId, dueAt: k.dueAt.getTime(), timed: false, note: '', status: 'open', source: k.source, dedupeKey: k.dedupeKey,
      createdAt: k.at.getTime(),
    })))
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute();
  const rows = await kysely.selectFrom('Callback').select(['id', 'dueAt', 'dedupeKey']).where('dedupeKey', 'in', callbacks.map((k) => k.dedupeKey)).execute();
  return new Map(rows.map((row) => [row.dedupeKey!, { callbackId: row.id, dueAt: new Date(row.dueAt) }]));
}

/**
 * Each low rating's follow-up: an untimed callback for the customer's owner on their next
 * agenda, once per rating. Null where the customer has no owner.
 */
export async function followUpRatings(kysely: Kysely<Schema>, ratings: readonly { interactionId: number; at: Date }[]): Promise<({ callbackId: number; dueAt: Date } | null)[]> {
  const followUps: ({ callbackId: number; dueAt: Date } | null)[] = [];
  for (const batch of inGroups(ratings, BATCH)) {
    const interactions = await kysely.selectFrom('Interaction').select(['id', 'customerId']).where('id', 'in', batch.map((r) => r.interactionId)).execute();
    const customerOf = new Map(interactions.map((i) => [i.id, i.customerId]));
    const owners = interactions.length === 0 ? new Map() : await ownersOf(kysely, interactions.map((i) => i.customerId));
    const callbacks = batch.flatMap(({ interactionId, at }) => {
      const customerId = customerOf.get(interactionId);
      const owner = customerId === undefined ? undefined : owners.get(customerId);
      if (customerId === undefined || !owner || owner.ownerId === null) return [];
      const dueAt = nextAgendaSlot(safeZone(owner.zone), owner.agendaHour, at).dueAt;
      return [{ customerId, ownerId: owner.ownerId, dueAt, source: 'low-rating', dedupeKey: ratingFollowUpKey(interactionId), at }];
    });
    const stored = await keyedCallbacks(kysely, callbacks);
    for (const { interactionId } of batch) followUps.push(stored.get(ratingFollowUpKey(interactionId)) ?? null);
  }
  return followUps;
}

export const followUpRating = async (db: Kysely<Schema>, interactionId: number, at: Date) => (await followUpRatings(db, [{ interactionId, at }]))[0]!;

/** The untimed satisfaction-check callback of a resolved ticket, on the owner's day 7 days on. */
export async function scheduleSatisfactionCheck(kysely: Kysely<Schema>, ticketId: number, at: Date, resolvedBy: number): Promise<{ callbackId: number; dueAt: Date }> {
  const ticket = await kysely.selectFrom('Ticket').select(['customerId', 'ownerId']).where('id', '=', ticketId).executeTakeFirstOrThrow();
  const owner = (await ownersOf(kysely, [ticket.customerId])).get(ticket.customerId);
  const zone = safeZone(owner?.zone);
  const dueAt = atLocalTime(addDays(localDateOf(at, zone), SATISFACTION_CHECK_DAYS), UNTIMED_HOUR, zone);
  const dedupeKey = `satisfaction:${ticketId}`;
  const stored = await keyedCallbacks(kysely, [{ customerId: ticket.customerId, ownerId: owner?.ownerId ?? ticket.ownerId ?? resolvedBy, dueAt, source: 'satisfaction', dedupeKey, at }]);
  return stored.get(dedupeKey)!;
}
