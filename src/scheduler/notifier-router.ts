import type { StoreHandle } from '../db/stores/store.js';
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
export function createPlatformPauses({ kysely }: StoreHandle): PlatformPauses {
  const key = (platform: Platform) => `delivery.pausedUntil.${platform}`;
  return {
    async pausedUntil(platform, now) {
      const row = await kysely.selectFrom('AppState').select('value').where('key', '=', key(platform)).executeTakeFirst();
      const until = row === undefined ? null : new Date(Number(row.value));
      return until && until > now ? until : null;
    },
    async pause(platform, until) {
      const value = String(until.getTime());
      await kysely.insertInto('AppState').values({ key: key(platform), value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
    },
  };
}

export interface PlatformPauses {
  /** The end of the platform's pause, if it is paused at `now`. */
  pausedUntil(platform: Platform, now: Date): Promise<Date | null>;
  pause(platform: Platform, until: Date): Promise<void>;
}
