/** Where a person talks to Rapport. The console identifies reps by email or id. */
export const PLATFORMS = ['console', 'slack', 'discord'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The chat platforms a rep or a team can be linked to. */
export const CHAT_PLATFORMS = ['slack', 'discord'] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/** How to reach someone on each chat platform: a user id for a rep, a channel id for a team. */
export type Addresses = Partial<Record<ChatPlatform, string>>;

/** How /help is typed on each platform: Slack reserves /help, so there it is /rapport help. */
export const HELP_COMMAND: Readonly<Record<Platform, string>> = { console: '/help', slack: '/rapport help', discord: '/help' };

export function isChatPlatform(value: string): value is ChatPlatform {
  return (CHAT_PLATFORMS as readonly string[]).includes(value);
}
