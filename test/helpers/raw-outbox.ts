import type { Sqlite } from '../../src/db/database.js';
import { NUDGE_STATUSES, type NudgeStatus } from '../../src/domain/schedule/nudge-status.js';
import { CARRIED_KINDS, CARRY_GRACE_MS, type NudgeRow, type Outbox } from '../../src/scheduler/outbox.js';

/**
 * The outbox written directly on better-sqlite3, as it was before the stores: the outbox bench's
 * raw limit beside the store, and a second implementation the store's contract tests hold to.
 * The bot uses `createOutboxStore` (src/db/stores/outbox-store.ts).
 *
 * A claim is one UPDATE … RETURNING, which SQLite runs under its single
 * writer lock, so two workers never claim the same row; every later write checks the claim
 * token, so a worker whose lease ran out cannot overwrite the row's new owner.
 */
export function createRawOutbox(sqlite: Sqlite): Outbox {
  let outbox = outboxes.get(sqlite);
  if (!outbox) outboxes.set(sqlite, (outbox = prepareOutbox(sqlite)));
  return outbox;
}

/** Statements are prepared once per connection. */
const outboxes = new WeakMap<Sqlite, Outbox>();

function prepareOutbox(sqlite: Sqlite): Outbox {
  const insert = sqlite.prepare(`INSERT INTO Nudge (kind, dedupeKey, dueAt, targetKind, targetId, customerId, payload, status, attempts, late, createdAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?) ON CONFLICT(dedupeKey) DO NOTHING`);
  const claim = sqlite.prepare(`UPDATE Nudge SET status = 'claimed', claimedBy = @token, claimedAt = @now, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM Nudge
      WHERE (status = 'pending' AND dueAt <= @now AND (nextAttemptAt IS NULL OR nextAttemptAt <= @now)
             AND (kind NOT IN (${CARRIED_KINDS.map((k) => `'${k}'`).join(', ')}) OR (dueAt <= @now - ${CARRY_GRACE_MS}
               AND NOT EXISTS (SELECT 1 FROM Nudge a WHERE a.kind = 'agenda' AND a.targetKind = Nudge.targetKind AND a.targetId = Nudge.targetId
                 AND a.status IN ('pending', 'claimed') AND a.dueAt <= Nudge.dueAt))))
         OR (status = 'claimed' AND claimedAt <= @leaseExpired)
      ORDER BY dueAt, id LIMIT @limit)
    RETURNING *`);
  const owned = "WHERE id = @id AND claimedBy = @token AND status = 'claimed'";
  const sent = sqlite.prepare(`UPDATE Nudge SET status = 'sent', sentAt = @now, late = @late, lastError = NULL,
    messagePlatform = @platform, messageChannel = @channel, messageId = @messageId ${owned}`);
  const skipped = sqlite.prepare(`UPDATE Nudge SET status = 'skipped', sentAt = NULL, lastError = @reason, claimedAt = @now ${owned}`);
  const retry = sqlite.prepare(`UPDATE Nudge SET status = 'pending', lastError = @error, nextAttemptAt = @at ${owned}`);
  const defer = sqlite.prepare(
    `UPDATE Nudge SET status = 'pending', lastError = @error, nextAttemptAt = @at, attempts = attempts - 1 ${owned}`,
  );
  const dead = sqlite.prepare(`UPDATE Nudge SET status = 'dead', lastError = @error ${owned}`);
  const release = sqlite.prepare(
    "UPDATE Nudge SET status = 'pending', claimedBy = NULL, claimedAt = NULL, nextAttemptAt = ?, attempts = attempts - 1 WHERE claimedBy = ? AND status = 'claimed'",
  );
  const carried = sqlite.prepare(`UPDATE Nudge SET status = 'sent', sentAt = @now, carriedBy = @carrier, claimedBy = NULL,
    messagePlatform = @platform, messageChannel = @channel, messageId = @messageId WHERE id = @id AND status = 'pending'`);
  const counts = sqlite.prepare('SELECT status, COUNT(*) AS n FROM Nudge GROUP BY status');
  const byId = sqlite.prepare('SELECT * FROM Nudge WHERE id = ?');
  const showingCallback = sqlite.prepare(`SELECT n.* FROM Callback k JOIN Nudge n ON n.targetKind = 'rep' AND n.targetId = k.ownerId
    WHERE k.id = @callback AND n.status = 'sent' AND n.messageId IS NOT NULL AND (
      (n.kind = 'callback' AND n.customerId = k.customerId AND json_extract(n.payload, '$.callbackId') = k.id)
      OR (n.kind = 'agenda' AND n.dueAt >= @since))
    ORDER BY n.id`);

  return {
    insert(nudges, now) {
      let inserted = 0;
      sqlite.transaction(() => {
        for (const n of nudges) {
          inserted += insert.run(
            n.kind, n.dedupeKey, n.dueAt.getTime(), n.target.kind, n.target.id, n.customerId, JSON.stringify(n.payload), now.getTime(),
          ).changes;
        }
      })();
      return inserted;
    },
    claimDue(now, limit, token, leaseMs) {
      const rows = claim.all({ token, now: now.getTime(), leaseExpired: now.getTime() - leaseMs, limit }) as NudgeRow[];
      return rows.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    },
    markSent: (id, token, now, late, message) =>
      sent.run({
        id, token, now: now.getTime(), late: late ? 1 : 0,
        platform: message?.platform ?? null, channel: message?.channel ?? null, messageId: message?.messageId ?? null,
      }).changes === 1,
    markSkipped: (id, token, reason, now) => skipped.run({ id, token, reason, now: now.getTime() }).changes === 1,
    retryAt: (id, token, error, at) => retry.run({ id, token, error, at: at.getTime() }).changes === 1,
    deferUncounted: (id, token, error, at) => defer.run({ id, token, error, at: at.getTime() }).changes === 1,
    markDead: (id, token, error) => dead.run({ id, token, error }).changes === 1,
    release: (token, at) => release.run(at.getTime(), token).changes,
    countsByStatus() {
      const result = Object.fromEntries(NUDGE_STATUSES.map((status) => [status, 0])) as Record<NudgeStatus, number>;
      for (const row of counts.all() as { status: NudgeStatus; n: number }[]) result[row.status] = row.n;
      return result;
    },
    list(statuses, limit) {
      const marks = statuses.map(() => '?').join(', ');
      return sqlite
        .prepare(`SELECT * FROM Nudge WHERE status IN (${marks}) ORDER BY dueAt, id LIMIT ?`)
        .all(...statuses, limit) as NudgeRow[];
    },
    get: (id) => (byId.get(id) as NudgeRow | undefined) ?? null,
    messagesShowingCallback: (callbackId, since) => showingCallback.all({ callback: callbackId, since: since.getTime() }) as NudgeRow[],
    markCarried(ids, carrier, now, message) {
      let marked = 0;
      sqlite.transaction(() => {
        for (const id of ids) {
          marked += carried.run({ id, carrier, now: now.getTime(), platform: message?.platform ?? null, channel: message?.channel ?? null, messageId: message?.messageId ?? null }).changes;
        }
      })();
      return marked;
    },
  };
}
