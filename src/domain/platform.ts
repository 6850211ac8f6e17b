/** Where a person talks to Rapport. The console identifies reps by email or id. */
export const PLATFORMS = ['console', 'slack', 'discord'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The chat platforms a rep or a team can be linked to. */
export const CHAT_PLATFORMS = ['slack', 'discord'] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/** How to reach someone on each chat platform: a user id for a rep, a channel id for a team. */
export type Addresses = Partial<Record<ChatPlatform, string>>;

export function isChatPlatform(value: string): value is ChatPlatform {
  return (CHAT_PLATFORMS as readonly string[]).includes(value);
}
