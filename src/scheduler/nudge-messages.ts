import type { NudgeMessages } from '../commands/ports.js';
import type { Clock } from '../clock.js';
import { DAY_MS } from '../domain/calendar.js';
import type { Platform } from '../domain/platform.js';
import type { Logger } from '../logger.js';
import type { Notifier } from './notifier.js';
import type { NudgeRenderer } from './nudge-renderer.js';
import type { OutboxStore } from '../db/stores/outbox-store.js';

/**
 * Keeps sent nudges current: a button on a nudge redraws the message it was on, and a
 * callback done or moved by any path (a button elsewhere, a typed command) updates its ping
 * and today's agenda where the platform posted them (the reference stored on the nudge).
 */
export function createNudgeMessages(deps: {
  outbox: Pick<OutboxStore, 'get' | 'messagesShowingCallback'>;
  render: NudgeRenderer;
  notifiers: ReadonlyMap<Platform, Notifier>;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
}): NudgeMessages {
  return {
    async redraw(nudgeId, actor) {
      const row = await deps.outbox.get(nudgeId);
      if (!row || row.status !== 'sent') return null;
      const prepared = await deps.render(row, deps.clock.now(), false, 'redraw');
      if (prepared.action !== 'send') return null;
      // Only the message's own reader: the rep it goes to, or a member of the team whose channel has it.
      const to = prepared.notification.recipient;
      return (to.kind === 'rep' ? to.repId === actor.repId : to.teamId === actor.teamId) ? prepared.notification.reply : null;
    },

    async callbackChanged(callbackId, except) {
      const now = deps.clock.now();
      for (const row of await deps.outbox.messagesShowingCallback(callbackId, new Date(now.getTime() - DAY_MS))) {
        if (row.id === except) continue;
        const notifier = deps.notifiers.get(row.messagePlatform as Platform);
        if (!notifier || !row.messageChannel || !row.messageId) continue;
        const prepared = await deps.render(row, now, false, 'redraw');
        if (prepared.action !== 'send') continue;
        const ref = { platform: notifier.platform, channel: row.messageChannel, messageId: row.messageId };
        // The change itself is saved; a message that cannot be updated (deleted, archived) stays as it was.
        await notifier.update(ref, prepared.notification.reply).catch((error: unknown) =>
          deps.logger.warn({ err: error, nudge: row.id }, 'could not update a sent message'),
        );
      }
    },
  };
}
