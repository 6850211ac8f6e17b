import { sql, type CompiledQuery, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { NUDGE_STATUSES, type NudgeStatus } from '../../domain/schedule/nudge-status.js';
import { CARRIED_KINDS, CARRY_GRACE_MS, type NudgeKind, type NudgeRow, type Outbox } from '../../scheduler/outbox.js';
import type { Engine } from '../database-url.js';
import type { Schema } from '../schema.js';
import type { Nudge } from '../tables.js';
import { affectedRows, compiledOnce, compiledPerRowCount, perEngine } from './compiled-queries.js';
import type { Async, StoreHandle } from './store.js';

/** The backlog: rows due and not yet sent or given up (pending, retrying, or claimed by a worker). */
export interface OutboxDepth {
  due: number;
  /** dueAt (epoch ms) of the oldest of them, null when there are none. */
  oldestDueAt: number | null;
}

/** The outbox of src/scheduler/outbox.ts, async and on either engine, plus what the metrics read. */
export type OutboxStore = Async<Outbox> & { depth(now: Date): Promise<OutboxDepth> };

/** A nudge as its row is inserted (the values that differ from row to row). */
type NewNudgeRow = { kind: string; dedupeKey: string; dueAt: number; targetKind: string; targetId: number; customerId: number | null; payload: string; createdAt: number };

/** A claimed row's, checked against the claim token: a worker whose lease ran out cannot overwrite the row's new owner. */
const owned = (id: never, token: never) => (eb: ExpressionBuilder<Schema, 'Nudge'>) => eb.and([eb('id', '=', id), eb('claimedBy', '=', token), eb('status', '=', 'claimed')]);

/**
 * The outbox's statements, compiled once (compiled-queries.ts): planning inserts thousands of
 * rows a run, delivery claims every few seconds and marks each message it sends.
 */
const compiledOutbox = perEngine((kysely, engine) => ({
  insert: compiledPerRowCount<NewNudgeRow>(['kind', 'dedupeKey', 'dueAt', 'targetKind', 'targetId', 'customerId', 'payload', 'createdAt'], (rows) =>
    kysely
      .insertInto('Nudge')
      .values(rows.map((n) => ({ ...n, status: 'pending', attempts: 0, late: false })))
      .onConflict((oc) => oc.column('dedupeKey').doNothing()),
  ),
  claim: compiledOnce(5, (at, leaseExpired, carriedDueBy, limit, token) => claimQuery(kysely, engine, { at, leaseExpired, carriedDueBy, limit, token })),
  markSent: compiledOnce(7, (id, token, sentAt, late, platform, channel, messageId) =>
    kysely
      .updateTable('Nudge')
      .set({ status: 'sent', sentAt, late, lastError: null, messagePlatform: platform, messageChannel: channel, messageId })
      .where(owned(id, token)),
  ),
  markSkipped: compiledOnce(4, (id, token, reason, at) =>
    kysely.updateTable('Nudge').set({ status: 'skipped', sentAt: null, lastError: reason, claimedAt: at }).where(owned(id, token)),
  ),
  retryAt: compiledOnce(4, (id, token, error, at) => kysely.updateTable('Nudge').set({ status: 'pending', lastError: error, nextAttemptAt: at }).where(owned(id, token))),
  deferUncounted: compiledOnce(4, (id, token, error, at) =>
    kysely
      .updateTable('Nudge')
      .set((eb) => ({ status: 'pending', lastError: error, nextAttemptAt: at, attempts: eb('attempts', '-', 1) }))
      .where(owned(id, token)),
  ),
  markDead: compiledOnce(3, (id, token, error) => kysely.updateTable('Nudge').set({ status: 'dead', lastError: error }).where(owned(id, token))),
}));

/**
 * The claim: the oldest due rows, pending or with an expired lease, marked claimed by `token`.
 * Each kind of claimable row is read on its own in (status, dueAt) index order until `limit`
 * are found: one OR over both kinds reads every pending row and sorts them all on each claim
 * (SQLite: a MULTI-INDEX OR and a temporary B-tree; 20k due rows made a claim cost ~8 ms).
 * PostgreSQL also locks as it reads, skipping rows another claimer holds.
 */
function claimQuery(kysely: Kysely<Schema>, engine: Engine, { at, leaseExpired, carriedDueBy, limit, token }: Record<'at' | 'leaseExpired' | 'carriedDueBy' | 'limit' | 'token', never>) {
  const pendingDue = (eb: ExpressionBuilder<Schema, 'Nudge'>) =>
    eb.and([
      eb('Nudge.status', '=', 'pending'),
      eb('Nudge.dueAt', '<=', at),
      eb.or([eb('Nudge.nextAttemptAt', 'is', null), eb('Nudge.nextAttemptAt', '<=', at)]),
      // Kinds an agenda carries go out alone only once no agenda took them in time and none of theirs still waits to go out.
      eb.or([
        eb('Nudge.kind', 'not in', CARRIED_KINDS),
        eb.and([
          eb('Nudge.dueAt', '<=', carriedDueBy),
          eb.not(
            eb.exists(
              eb
                .selectFrom('Nudge as agenda')
                .select(sql.lit(1).as('one'))
                .where('agenda.kind', '=', 'agenda')
                .whereRef('agenda.targetKind', '=', 'Nudge.targetKind')
                .whereRef('agenda.targetId', '=', 'Nudge.targetId')
                .where('agenda.status', 'in', ['pending', 'claimed'])
                .whereRef('agenda.dueAt', '<=', 'Nudge.dueAt'),
            ),
          ),
        ]),
      ]),
    ]);
  const claimExpired = (eb: ExpressionBuilder<Schema, 'Nudge'>) => eb.and([eb('Nudge.status', '=', 'claimed'), eb('Nudge.claimedAt', '<=', leaseExpired)]);
  const claimable = (eb: ExpressionBuilder<Schema, 'Nudge'>) => eb.or([pendingDue(eb), claimExpired(eb)]);
  const claim = { status: 'claimed', claimedBy: token, claimedAt: at, attempts: sql<number>`${sql.ref('attempts')} + 1` };
  const oldest = (condition: typeof claimable) =>
    kysely.selectFrom('Nudge').select(['Nudge.id', 'Nudge.dueAt']).where(condition).orderBy('Nudge.dueAt').orderBy('Nudge.id').limit(limit);
  const postgres = engine === 'postgres';
  const due = kysely
    .with('pending', () => (postgres ? oldest(pendingDue).forUpdate().skipLocked() : oldest(pendingDue)))
    .with('expired', () => (postgres ? oldest(claimExpired).forUpdate().skipLocked() : oldest(claimExpired)))
    .with('due', (qb) => qb.selectFrom('pending').select(['id', 'dueAt']).unionAll(qb.selectFrom('expired').select(['id', 'dueAt'])).orderBy('dueAt').orderBy('id').limit(limit));
  // PostgreSQL re-checks each row under its lock (a row claimed and committed meanwhile fails it);
  // SQLite runs the whole statement under its one writer lock.
  return postgres
    ? due.updateTable('Nudge').set(claim).from('due').whereRef('Nudge.id', '=', 'due.id').where(claimable).returningAll('Nudge')
    : due
        .updateTable('Nudge')
        .set(claim)
        .where('Nudge.id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
        .returningAll();
}

/**
 * The outbox on Kysely, the same behaviour on SQLite and PostgreSQL (test/db/stores/outbox-store.engines.test.ts).
 * Every write after a claim checks the claim token, so a worker whose lease ran out cannot
 * overwrite the row's new owner. The claim is the one statement that differs:
 * - SQLite: one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING, under SQLite's single writer lock;
 * - PostgreSQL: `WITH due AS (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) UPDATE … FROM due WHERE
 *   <still due> RETURNING …` (pending and lease-expired rows each in their own locking CTE):
 *   concurrent claimers skip each other's locked rows instead of waiting or double-claiming, and
 *   a row claimed and committed meanwhile fails the re-check.
 */
export function createOutboxStore(db: StoreHandle): OutboxStore {
  const { kysely } = db;
  const compiled = compiledOutbox(db);
  const changedOne = async (query: CompiledQuery) => (await kysely.executeQuery(query)).numAffectedRows === 1n;

  return {
    async insert(nudges, now) {
      const createdAt = now.getTime();
      const rows = nudges.map((n) => ({
        kind: n.kind,
        dedupeKey: n.dedupeKey,
        dueAt: n.dueAt.getTime(),
        targetKind: n.target.kind,
        targetId: n.target.id,
        customerId: n.customerId,
        payload: JSON.stringify(n.payload),
        createdAt,
      }));
      // No transaction: every row is keyed by its dedupe key, so a crash between statements loses nothing a rerun does not add.
      return affectedRows(kysely, compiled.insert(rows));
    },

    async claimDue(now, limit, token, leaseMs) {
      const at = now.getTime();
      const { rows } = await kysely.executeQuery<Selectable<Nudge>>(compiled.claim(at, at - leaseMs, at - CARRY_GRACE_MS, limit, token));
      return rows.map(toNudgeRow).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    },

    markSent: (id, token, now, late, message) =>
      changedOne(compiled.markSent(id, token, now.getTime(), late, message?.platform ?? null, message?.channel ?? null, message?.messageId ?? null)),
    markSkipped: (id, token, reason, now) => changedOne(compiled.markSkipped(id, token, reason, now.getTime())),
    retryAt: (id, token, error, at) => changedOne(compiled.retryAt(id, token, error, at.getTime())),
    deferUncounted: (id, token, error, at) => changedOne(compiled.deferUncounted(id, token, error, at.getTime())),
    markDead: (id, token, error) => changedOne(compiled.markDead(id, token, error)),
    async release(token, at) {
      const result = await kysely
        .updateTable('Nudge')
        .set((eb) => ({ status: 'pending', claimedBy: null, claimedAt: null, nextAttemptAt: at.getTime(), attempts: eb('attempts', '-', 1) }))
        .where('claimedBy', '=', token)
        .where('status', '=', 'claimed')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async markCarried(ids, carrier, now, message) {
      if (ids.length === 0) return 0;
      const result = await kysely
        .updateTable('Nudge')
        .set({
          status: 'sent',
          sentAt: now.getTime(),
          carriedBy: carrier,
          claimedBy: null,
          messagePlatform: message?.platform ?? null,
          messageChannel: message?.channel ?? null,
          messageId: message?.messageId ?? null,
        })
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async countsByStatus() {
      const result = Object.fromEntries(NUDGE_STATUSES.map((status) => [status, 0])) as Record<NudgeStatus, number>;
      const rows = await kysely.selectFrom('Nudge').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      for (const row of rows) result[row.status as NudgeStatus] = Number(row.n);
      return result;
    },
    async list(statuses, limit) {
      if (statuses.length === 0) return [];
      const rows = await kysely.selectFrom('Nudge').selectAll().where('status', 'in', statuses).orderBy('dueAt').orderBy('id').limit(limit).execute();
      return rows.map(toNudgeRow);
    },
    async get(id) {
      const row = await kysely.selectFrom('Nudge').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toNudgeRow(row) : null;
    },
    async messagesShowingCallback(callbackId, since) {
      // The payload is JSON text on both engines; each has its own way into it.
      const payloadCallbackId =
        db.engine === 'postgres'
          ? sql<SqlBool>`(${sql.ref('n.payload')}::jsonb ->> 'callbackId') = ${sql.ref('k.id')}::text`
          : sql<SqlBool>`json_extract(${sql.ref('n.payload')}, '$.callbackId') = ${sql.ref('k.id')}`;
      const rows = await kysely
        .selectFrom('Callback as k')
        .innerJoin('Nudge as n', (join) => join.on('n.targetKind', '=', 'rep').onRef('n.targetId', '=', 'k.ownerId'))
        .selectAll('n')
        .where('k.id', '=', callbackId)
        .where('n.status', '=', 'sent')
        .where('n.messageId', 'is not', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('n.kind', '=', 'callback'), eb('n.customerId', '=', eb.ref('k.customerId')), payloadCallbackId]),
            eb.and([eb('n.kind', '=', 'agenda'), eb('n.dueAt', '>=', since.getTime())]),
          ]),
        )
        .orderBy('n.id')
        .execute();
      return rows.map(toNudgeRow);
    },

    async depth(now) {
      const row = await kysely
        .selectFrom('Nudge')
        .select((eb) => [eb.fn.countAll<number>().as('due'), eb.fn.min('dueAt').as('oldestDueAt')])
        .where('status', 'in', ['pending', 'claimed'])
        .where('dueAt', '<=', now.getTime())
        .executeTakeFirstOrThrow();
      return { due: Number(row.due), oldestDueAt: row.oldestDueAt === null ? null : Number(row.oldestDueAt) };
    },
  };
}

/** A stored row as the scheduler knows it (`late` stays 0/1 there, as the SQLite outbox returns it). */
function toNudgeRow(row: Selectable<Nudge>): NudgeRow {
  return {
    id: row.id,
    kind: row.kind as NudgeKind,
    dedupeKey: row.dedupeKey,
    dueAt: row.dueAt,
    targetKind: row.targetKind as NudgeRow['targetKind'],
    targetId: row.targetId,
    customerId: row.customerId,
    payload: row.payload,
    status: row.status as NudgeStatus,
    attempts: row.attempts,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    claimedAt: row.claimedAt,
    claimedBy: row.claimedBy,
    sentAt: row.sentAt,
    late: row.late ? 1 : 0,
    messagePlatform: row.messagePlatform,
    messageChannel: row.messageChannel,
    messageId: row.messageId,
    carriedBy: row.carriedBy,
  };
}
