import type { MessageRef, Notifier } from '../../scheduler/notifier.js';
import { notifierError, type SlackMessenger } from './slack-messenger.js';

/**
 * Scheduled nudges on Slack: a rep's in the bot's DM with them (`address` is their user id),
 * a team's in its channel (`address` is the channel id; the bot must be a member). The digest
 * chart goes up with files upload v2 and sits in the message. Failures come back as the outbox
 * expects: Retry-After as `retryAfterMs`, channels and users gone as permanent.
 */
export function createSlackNotifier(
  messenger: SlackMessenger,
  options: {
    /** A button on this message is being answered, and its answer replaces the message: no second update. */
    replacedByPress?: (channel: string, ts: string) => boolean;
  } = {},
): Notifier {
  return {
    platform: 'slack',
    async deliver(address, notification): Promise<MessageRef> {
      try {
        const channel = notification.recipient.kind === 'rep' ? await messenger.dmChannel(address) : address;
        const message = await messenger.render(notification.reply, { images: 'required', locale: notification.locale });
        const posted = await messenger.post(channel, message);
        return { platform: 'slack', channel: posted.channel, messageId: posted.ts };
      } catch (error) {
        throw notifierError(error);
      }
    },
    async update(ref, reply) {
      if (options.replacedByPress?.(ref.channel, ref.messageId)) return;
      try {
        await messenger.update(ref.channel, ref.messageId, await messenger.render(reply, { images: 'required' }));
      } catch (error) {
        throw notifierError(error);
      }
    },
  };
}
