// Pre-contract notifier port of the old core, parked beside the contract copy in notifier.ts (discord branch only; drop when the rebuilt core lands).
import type { Reply } from '../commands/legacy-reply.js';

/** Who a nudge goes to, with the platform ids an adapter needs to route it (null when not linked). */
export type Recipient =
  | { kind: 'rep'; repId: number; name: string; slackUserId: string | null; discordUserId: string | null }
  | { kind: 'team'; teamId: number; name: string; slackChannelId: string | null; discordChannelId: string | null };

export interface Notification {
  recipient: Recipient;
  /** Already translated into the recipient's language; a rep gets it as a DM, a team in its channel. */
  reply: Reply;
  /** Stable per nudge: an adapter may pass it to the platform as an idempotency key. */
  dedupeKey: string;
  kind: string;
  /** Delivered after its time because the bot was down or the platform pushed back. */
  late: boolean;
}

/**
 * The port every chat adapter implements for scheduled nudges. `deliver` resolves once the
 * platform accepted the message; it throws a NotifierError to say how the failure should be
 * treated (a plain Error counts as a transient failure and is retried with backoff).
 */
export interface Notifier {
  deliver(notification: Notification): Promise<void>;
}

export class NotifierError extends Error {
  /** The platform said when to come back (HTTP 429 Retry-After, Discord retry_after). */
  readonly retryAfterMs: number | undefined;
  /** Retrying cannot help (no channel configured, user not linked): the nudge goes dead at once. */
  readonly permanent: boolean;

  constructor(message: string, options: { retryAfterMs?: number; permanent?: boolean } = {}) {
    super(message);
    this.name = 'NotifierError';
    this.retryAfterMs = options.retryAfterMs;
    this.permanent = options.permanent ?? false;
  }
}
