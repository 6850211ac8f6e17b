import crypto from 'node:crypto';
import type { Reply } from '../../commands/reply.js';
import { translator, type Locale } from '../../i18n/index.js';
import { NotifierError, type MessageRef, type Notification, type Notifier } from '../../scheduler/notifier.js';
import { classifyFailure, type DiscordApi } from './discord-api.js';
import { renderMessage } from './render-message.js';

const SNOWFLAKE = /^\d{17,20}$/;

/** Discord keeps a nonce for a few minutes and, with `enforce_nonce`, answers a repeat with the first message instead of posting twice. */
function nonceOf(dedupeKey: string): string {
  return crypto.createHash('sha256').update(dedupeKey).digest('base64url').slice(0, 25);
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const failure = classifyFailure(error);
    if (failure.kind === 'rate-limited') throw new NotifierError(failure.reason, { retryAfterMs: failure.retryAfterMs });
    if (failure.kind === 'permanent') throw new NotifierError(failure.reason, { permanent: true });
    throw error instanceof Error ? error : new Error(failure.reason);
  }
}

/**
 * Scheduled nudges on Discord: a rep's in a DM (the DM channel is opened once and remembered),
 * a team's in its channel, images as attachments shown in their embed. A rate limit that
 * outlasts discord.js's own waiting becomes `retryAfterMs`; Missing Access, Unknown Channel,
 * Cannot send messages to this user, Missing Permissions (and a revoked token) are permanent.
 */
export function createDiscordNotifier(api: DiscordApi, defaultLocale: Locale): Notifier {
  const dmChannels = new Map<string, string>();

  const channelFor = async (address: string, notification: Notification): Promise<string> => {
    if (notification.recipient.kind === 'team') return address;
    const known = dmChannels.get(address);
    if (known) return known;
    const opened = await api.openDm(address);
    dmChannels.set(address, opened);
    return opened;
  };

  return {
    platform: 'discord',

    async deliver(address: string, notification: Notification): Promise<MessageRef> {
      if (!SNOWFLAKE.test(address)) {
        const what = notification.recipient.kind === 'rep' ? 'user' : 'channel';
        throw new NotifierError(`"${address}" is not a Discord ${what} id`, { permanent: true });
      }
      return translated(async () => {
        const channel = await channelFor(address, notification);
        const { body, files } = renderMessage(notification.reply, translator(notification.locale));
        const sent = await api.createMessage(channel, { ...body, nonce: nonceOf(notification.dedupeKey), enforce_nonce: true }, files);
        return { platform: 'discord', channel, messageId: sent.id };
      });
    },

    async update(ref: MessageRef, reply: Reply): Promise<void> {
      // The reader's language is not kept with the message; only the adapter's own "more" line uses it.
      const { body, files } = renderMessage(reply, translator(defaultLocale));
      await translated(() => api.editMessage(ref.channel, ref.messageId, body, files));
    },
  };
}
