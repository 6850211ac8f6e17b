import type { BackgroundJobs } from '../background/background-jobs.js';
import type { DigestService, OutboxView } from '../commands/ports.js';
import { createOutboxStore } from '../db/stores/outbox-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { weeklyDigestReply, type DigestBuilder, type DigestScope } from './weekly-digest.js';

/**
 * Digests built by `jobs`: the bot's background worker keeps a big team's digest and its chart
 * off the event loop. Here, not beside the jobs, so that answering a line loads none of them.
 */
export function digestsOn(jobs: BackgroundJobs): DigestBuilder {
  return ({ scope, now, timeZone, locale }) => jobs.run({ kind: 'digest', scope, now, timeZone, locale });
}

/** /digest: the same digest the Monday nudge sends, built now for the asker's scope (by `build`: the background worker in the bot). */
export function createDigestService(db: StoreHandle, build: DigestBuilder): DigestService {
  const teamName = async (id: number) => (await db.kysely.selectFrom('Team').select('name').where('id', '=', id).executeTakeFirst())?.name ?? '';
  return {
    async weeklyDigest(actor, now, reader) {
      const scope: DigestScope =
        actor.role === 'admin' || actor.teamId === null ? { kind: 'all' } : { kind: 'team', teamId: actor.teamId, teamName: await teamName(actor.teamId) };
      return weeklyDigestReply(build, scope, now, reader);
    },
  };
}

export function createOutboxView(db: StoreHandle): OutboxView {
  const outbox = createOutboxStore(db);
  return {
    counts: () => outbox.countsByStatus(),
    async attention(limit) {
      return (await outbox.list(['pending', 'claimed', 'dead'], limit)).map((r) => ({
        id: r.id, kind: r.kind, dueAt: new Date(r.dueAt), status: r.status, attempts: r.attempts, lastError: r.lastError,
      }));
    },
  };
}
