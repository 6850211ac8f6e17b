import type { Sqlite } from '../db/database.js';
import { CHAT_PLATFORMS, type Platform } from '../domain/platform.js';
import type { Notifier, Recipient } from './notifier.js';

/** Where one nudge goes: a running platform's notifier and the recipient's address there. */
export interface Route {
  notifier: Notifier;
  address: string;
}

/**
 * Picks the one platform a nudge is sent on: the recipient's preferred platform (a rep's own
 * choice, else the platform they last used) when they can be reached there, else the first
 * running chat platform they are linked on (Slack, then Discord), else an interactive console
 * when one runs. One platform per nudge, so nobody gets the same nudge twice.
 */
export function routeFor(recipient: Recipient, notifiers: ReadonlyMap<Platform, Notifier>): Route | null {
  const order = recipient.preferred ? [recipient.preferred, ...CHAT_PLATFORMS.filter((p) => p !== recipient.preferred)] : CHAT_PLATFORMS;
  for (const platform of order) {
    const address = recipient.addresses[platform];
    const notifier = notifiers.get(platform);
    if (address && notifier) return { notifier, address };
  }
  const console = notifiers.get('console');
  return console ? { notifier: console, address: recipient.name } : null;
}

/**
 * Rate-limit pauses per platform, stored (AppState) so they survive a restart: a Slack 429
 * holds back Slack deliveries only, and Discord's go on.
 */
export function createPlatformPauses(sqlite: Sqlite) {
  const key = (platform: Platform) => `delivery.pausedUntil.${platform}`;
  const read = sqlite.prepare('SELECT value FROM AppState WHERE key = ?').pluck();
  const write = sqlite.prepare('INSERT INTO AppState (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  return {
    /** The end of the platform's pause, if it is paused at `now`. */
    pausedUntil(platform: Platform, now: Date): Date | null {
      const value = read.get(key(platform)) as string | undefined;
      const until = value === undefined ? null : new Date(Number(value));
      return until && until > now ? until : null;
    },
    pause(platform: Platform, until: Date): void {
      write.run(key(platform), String(until.getTime()));
    },
  };
}

export type PlatformPauses = ReturnType<typeof createPlatformPauses>;
