import type { App } from '../../commands/app.js';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { SlackClient } from './slack-messenger.js';

/** After a user could not be linked, look again this much later (an admin may add their rep meanwhile). */
export const RELINK_AFTER_MS = 10 * 60 * 1000;

/**
 * Auto-linking by email: the first time this process sees a Slack user, it reads their email
 * (`users.info`, scope users:read.email) and asks the core to link them to the rep with that
 * email. The core does nothing for a user who is already linked, so one lookup per user per
 * process is all it costs; users it could not link are looked up again after a while.
 */
export class SlackIdentity {
  readonly #settledUntil = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: { app: App; client: SlackClient; clock: Clock; logger: Logger }) {}

  ensureLinked(userId: string): Promise<void> {
    const until = this.#settledUntil.get(userId);
    if (until !== undefined && until > this.deps.clock.now().getTime()) return Promise.resolve();
    const running = this.#inFlight.get(userId);
    if (running) return running;
    const lookup = this.#link(userId).finally(() => this.#inFlight.delete(userId));
    this.#inFlight.set(userId, lookup);
    return lookup;
  }

  async #link(userId: string): Promise<void> {
    const { app, client, clock, logger } = this.deps;
    const retryAt = clock.now().getTime() + RELINK_AFTER_MS;
    try {
      const info = await client.users.info({ user: userId });
      const email = info.user?.profile?.email;
      if (!email || info.user?.is_bot) {
        this.#settledUntil.set(userId, retryAt);
        return;
      }
      const outcome = await app.linkByEmail({ platform: 'slack', userId, email });
      const settled = outcome === 'linked' || outcome === 'already-linked';
      this.#settledUntil.set(userId, settled ? Number.POSITIVE_INFINITY : retryAt);
      if (outcome === 'linked') logger.info({ userId }, 'linked a Slack user to their rep by email');
    } catch (error) {
      this.#settledUntil.set(userId, retryAt);
      logger.warn({ err: error, userId }, 'could not look up a Slack user for linking by email');
    }
  }
}
