import type { Reply } from '../commands/reply.js';
import type { Addresses, ChatPlatform, Platform } from '../domain/platform.js';
import type { Locale } from '../i18n/index.js';

/** Who a nudge goes to, with every platform address they have (a rep's user ids, a team's channels). */
export type Recipient =
  | { kind: 'rep'; repId: number; name: string; addresses: Addresses; preferred: ChatPlatform | null }
  | { kind: 'team'; teamId: number; name: string; addresses: Addresses; preferred: ChatPlatform | null };

export interface Notification {
  recipient: Recipient;
  /** Already translated into the recipient's language; a rep gets it as a DM, a team in its channel. */
  reply: Reply;
  /** Stable per nudge: an adapter may pass it to the platform as an idempotency key. */
  dedupeKey: string;
  kind: string;
  /** Delivered after its time because the bot was down or the platform pushed back. */
  late: boolean;
  /** The outbox row; buttons on the message carry it so pressing them refreshes this message. */
  nudgeId: number;
  /** The recipient's language, for any words an adapter adds itself ("…and 3 more"). */
  locale: Locale;
}

/** The message a notifier posted, kept on the nudge so a later Done/Snooze can update it. */
export interface MessageRef {
  platform: Platform;
  channel: string;
  messageId: string;
}

/**
 * The port every chat adapter implements for scheduled nudges. `deliver` posts to `address`
 * (a rep's user id: the adapter opens the DM; a team's channel id) and resolves once the
 * platform accepted it. It throws a NotifierError to say how a failure should be treated (a
 * plain Error counts as transient and is retried with backoff).
 */
export interface Notifier {
  readonly platform: Platform;
  deliver(address: string, notification: Notification): Promise<MessageRef | null>;
  /** Replaces a message posted earlier (a ping whose callback was done). */
  update(ref: MessageRef, reply: Reply): Promise<void>;
}

export class NotifierError extends Error {
  /** The platform said when to come back (HTTP 429 Retry-After, Discord retry_after). */
  readonly retryAfterMs: number | undefined;
  /** Retrying cannot help (channel gone, user not reachable, bad token): the nudge goes dead at once. */
  readonly permanent: boolean;

  constructor(message: string, options: { retryAfterMs?: number; permanent?: boolean } = {}) {
    super(message);
    this.name = 'NotifierError';
    this.retryAfterMs = options.retryAfterMs;
    this.permanent = options.permanent ?? false;
  }
}
