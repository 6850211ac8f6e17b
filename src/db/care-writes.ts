import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { nextAgendaSlot } from '../domain/schedule/agenda.js';
import { SATISFACTION_CHECK_DAYS } from '../domain/schedule/care.js';
import { addDays, atLocalTime, localDateOf, safeZone } from '../domain/schedule/local-time.js';
import { addWorkingTime } from '../domain/schedule/working-time.js';
import { parseTeamSettings } from '../domain/team-settings.js';
import { isTier, type Tier } from '../domain/tier.js';
import { UNTIMED_HOUR } from '../domain/when.js';
import type { Schema } from './schema.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import type { Sqlite } from './sqlite.js';
import type { LoadedTeamSettings } from './team-settings.js';

/**
 * The care writes both a command and the planner make (a complaint typed in chat or imported, a
 * low rating logged either way), in one place so that both paths write the same rows. Each is
 * keyed (one ticket per complaint interaction, one follow-up per rating), so a second call
 * changes nothing.
 *
 * Each write is a sequence of steps: it yields a compiled query and is given that query's rows
 * back. So one body runs on Kysely (async, either engine: `openTicket(db, …)`) and in the
 * planner's synchronous SQLite batches (`careWritesOnSqlite`) until the planner moves to stores.
 */
type Steps<T> = Generator<CompiledQuery, T, unknown[]>;

/** One step: the query's rows, typed as the query selects them. */
function* rowsOf<R>(query: Compilable<R>): Generator<CompiledQuery, R[], unknown[]> {
  return (yield query.compile()) as R[];
}

async function runOn<T>(db: Kysely<Schema>, steps: (kysely: Kysely<Schema>) => Steps<T>): Promise<T> {
  const run = steps(db);
  let step = run.next();
  while (!step.done) step = run.next((await db.executeQuery(step.value)).rows);
  return step.value;
}

/** The owner's zone (else their team's), agenda hour, team settings and the customer's newest tier. */
const ownerOf = (kysely: Kysely<Schema>, customerId: number) =>
  rowsOf(
    kysely
      .selectFrom('Customer as c')
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .leftJoin('Team as t', 't.id', 'r.teamId')
      .select((eb) => [
        'c.ownerId',
        eb.fn.coalesce('r.timeZone', 't.timeZone').as('zone'),
        't.timeZone as teamZone',
        eb.fn.coalesce('r.agendaHour', eb.lit(9)).as('agendaHour'),
        'r.teamId',
        't.settings as teamSettings',
        eb.selectFrom('ScoreSnapshot as s').select('s.tier').whereRef('s.customerId', '=', 'c.id').orderBy('s.week', 'desc').limit(1).as('tier'),
      ])
      .where('c.id', '=', customerId),
  );

/** Unscored customers answer on the slowest tier's deadline. */
const UNSCORED: Tier = 'D';

export interface Complaint {
  interactionId: number;
  customerId: number;
  loggedBy: number | null;
  text: string;
  at: Date;
}

/** `teams`: every team's settings, loaded once by a caller opening many tickets; else the owner's team's are read with the owner. */
function* openTicketSteps(kysely: Kysely<Schema>, complaint: Complaint, teams?: LoadedTeamSettings): Steps<number | null> {
  const [owner] = yield* ownerOf(kysely, complaint.customerId);
  if (!owner) return null;
  const settings = (teams ? teams.of(owner.teamId) : parseTeamSettings(owner.teamSettings).settings).schedule;
  const tier = isTier(owner.tier) ? owner.tier : UNSCORED;
  const deadline = addWorkingTime(complaint.at, settings.complaintDeadlines[tier], settings.workingHours, safeZone(owner.teamZone ?? owner.zone));
  yield* rowsOf(
    kysely
      .insertInto('Ticket')
      .values({
        customerId: complaint.customerId,
        ownerId: owner.ownerId ?? complaint.loggedBy,
        interactionId: complaint.interactionId,
        text: complaint.text,
        tier,
        openedAt: complaint.at.getTime(),
        deadline: deadline.getTime(),
        status: 'open',
        createdAt: complaint.at.getTime(),
      })
      .onConflict((oc) => oc.column('interactionId').doNothing()),
  );
  const [ticket] = yield* rowsOf(kysely.selectFrom('Ticket').select('id').where('interactionId', '=', complaint.interactionId));
  return ticket!.id;
}

/**
 * Opens the ticket of a complaint interaction: owned by the customer's owner (else whoever
 * logged it), due by the tier's response deadline in the team's working hours. Returns its id,
 * or the existing ticket's; null when the customer does not exist.
 */
export const openTicket = (db: Kysely<Schema>, complaint: Complaint, teams?: LoadedTeamSettings) =>
  runOn(db, (kysely) => openTicketSteps(kysely, complaint, teams));

export const ratingFollowUpKey = (interactionId: number) => `rating:${interactionId}`;

/** An untimed callback keyed by `dedupeKey` (created once), and the one stored under that key. */
function* keyedCallbackSteps(
  kysely: Kysely<Schema>,
  callback: { customerId: number; ownerId: number; dueAt: Date; source: string; dedupeKey: string; at: Date },
): Steps<{ callbackId: number; dueAt: Date }> {
  yield* rowsOf(
    kysely
      .insertInto('Callback')
      .values({
        customerId: callback.customerId,
        ownerId: callback.ownerId,
        dueAt: callback.dueAt.getTime(),
        timed: false,
        note: '',
        status: 'open',
        source: callback.source,
        dedupeKey: callback.dedupeKey,
        createdAt: callback.at.getTime(),
      })
      .onConflict((oc) => oc.column('dedupeKey').doNothing()),
  );
  const [row] = yield* rowsOf(kysely.selectFrom('Callback').select(['id', 'dueAt']).where('dedupeKey', '=', callback.dedupeKey));
  return { callbackId: row!.id, dueAt: new Date(row!.dueAt) };
}

function* followUpRatingSteps(kysely: Kysely<Schema>, interactionId: number, at: Date): Steps<{ callbackId: number; dueAt: Date } | null> {
  const [interaction] = yield* rowsOf(kysely.selectFrom('Interaction').select('customerId').where('id', '=', interactionId));
  const [owner] = interaction ? yield* ownerOf(kysely, interaction.customerId) : [];
  if (!interaction || !owner || owner.ownerId === null) return null;
  const dueAt = nextAgendaSlot(safeZone(owner.zone), owner.agendaHour, at).dueAt;
  return yield* keyedCallbackSteps(kysely, {
    customerId: interaction.customerId, ownerId: owner.ownerId, dueAt, source: 'low-rating', dedupeKey: ratingFollowUpKey(interactionId), at,
  });
}

/**
 * A low rating's follow-up: an untimed callback for the customer's owner on their next agenda,
 * once per rating. Null when the customer has no owner.
 */
export const followUpRating = (db: Kysely<Schema>, interactionId: number, at: Date) => runOn(db, (kysely) => followUpRatingSteps(kysely, interactionId, at));

/** The untimed satisfaction-check callback of a resolved ticket, on the owner's day 7 days on. */
export const scheduleSatisfactionCheck = (db: Kysely<Schema>, ticketId: number, at: Date, resolvedBy: number) =>
  runOn(db, function* (kysely) {
    const [ticket] = yield* rowsOf(kysely.selectFrom('Ticket').select(['customerId', 'ownerId']).where('id', '=', ticketId));
    const [owner] = yield* ownerOf(kysely, ticket!.customerId);
    const zone = safeZone(owner?.zone);
    const dueAt = atLocalTime(addDays(localDateOf(at, zone), SATISFACTION_CHECK_DAYS), UNTIMED_HOUR, zone);
    return yield* keyedCallbackSteps(kysely, {
      customerId: ticket!.customerId, ownerId: owner?.ownerId ?? ticket!.ownerId ?? resolvedBy, dueAt, source: 'satisfaction', dedupeKey: `satisfaction:${ticketId}`, at,
    });
  });

/**
 * The same writes run synchronously on a raw SQLite handle, for the planner's write batches
 * (src/scheduler/care-planner.ts), which are synchronous until the planner moves to stores.
 */
export function careWritesOnSqlite(sqlite: Sqlite) {
  const kysely = createSqliteKysely(sqlite);
  const run = <T>(steps: Steps<T>): T => {
    let step = steps.next();
    while (!step.done) {
      const statement = sqlite.prepare(step.value.sql);
      const parameters = step.value.parameters as unknown[];
      step = steps.next(statement.reader ? statement.all(...parameters) : (statement.run(...parameters), []));
    }
    return step.value;
  };
  return {
    openTicket: (complaint: Complaint, teams?: LoadedTeamSettings) => run(openTicketSteps(kysely, complaint, teams)),
    followUpRating: (interactionId: number, at: Date) => run(followUpRatingSteps(kysely, interactionId, at)),
  };
}
