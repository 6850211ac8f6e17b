import {
  DiscordAPIError,
  RateLimitError,
  REST,
  Routes,
  type APIInteractionResponse,
  type APIMessage,
  type RESTOptions,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { DiscordFile, DiscordMessageBody } from './render-message.js';

/**
 * Rate limits up to this long are waited out inside discord.js's REST queue; a longer one
 * surfaces as a RateLimitError, so a nudge is rescheduled instead of holding the worker and an
 * interaction is not answered long after Discord gave up on it.
 */
export const LONGEST_RATE_LIMIT_WAIT_MS = 5_000;

/** Options for discord.js's REST client (and the gateway client's `rest`). */
export function restOptions(apiUrl: string | undefined): Partial<RESTOptions> {
  return {
    ...(apiUrl ? { api: apiUrl } : {}),
    rejectOnRateLimit: (limit) => limit.retryAfter > LONGEST_RATE_LIMIT_WAIT_MS,
  };
}

export function createRest(token: string, apiUrl: string | undefined): REST {
  return new REST(restOptions(apiUrl)).setToken(token);
}

/** What a message create or edit sends: the rendered body plus an idempotency nonce where wanted. */
type MessagePayload = DiscordMessageBody & { flags?: number; nonce?: string; enforce_nonce?: boolean };

/**
 * The Discord REST calls Rapport makes, over discord.js's REST client (its queue handles rate
 * limits). Interaction callbacks and webhook edits authenticate with the interaction token, not
 * the bot token.
 */
export class DiscordApi {
  constructor(
    readonly rest: REST,
    readonly applicationId: string,
  ) {}

  respond(interaction: { id: string; token: string }, response: APIInteractionResponse, files: DiscordFile[] = []): Promise<unknown> {
    return this.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: response, files, auth: false });
  }

  editOriginal(token: string, body: MessagePayload, files: DiscordFile[] = []): Promise<APIMessage> {
    return this.rest.patch(Routes.webhookMessage(this.applicationId, token, '@original'), { body, files, auth: false }) as Promise<APIMessage>;
  }

  followUp(token: string, body: MessagePayload, files: DiscordFile[] = []): Promise<APIMessage> {
    return this.rest.post(Routes.webhook(this.applicationId, token), { body, files, auth: false }) as Promise<APIMessage>;
  }

  async openDm(userId: string): Promise<string> {
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return channel.id;
  }

  createMessage(channelId: string, body: MessagePayload, files: DiscordFile[] = []): Promise<APIMessage> {
    return this.rest.post(Routes.channelMessages(channelId), { body, files }) as Promise<APIMessage>;
  }

  editMessage(channelId: string, messageId: string, body: MessagePayload, files: DiscordFile[] = []): Promise<APIMessage> {
    return this.rest.patch(Routes.channelMessage(channelId, messageId), { body, files }) as Promise<APIMessage>;
  }

  /** Replaces all commands of the scope at once: the same payload twice leaves the same commands. */
  overwriteCommands(commands: RESTPutAPIApplicationCommandsJSONBody, guildId?: string): Promise<unknown[]> {
    const route = guildId ? Routes.applicationGuildCommands(this.applicationId, guildId) : Routes.applicationCommands(this.applicationId);
    return this.rest.put(route, { body: commands }) as Promise<unknown[]>;
  }
}

/** Discord error codes after which retrying cannot help (developer docs, "JSON Error Codes"). */
export const PERMANENT_ERROR_CODES: Readonly<Record<number, string>> = {
  10003: 'Unknown Channel',
  10008: 'Unknown Message',
  10013: 'Unknown User',
  50001: 'Missing Access',
  50007: 'Cannot send messages to this user',
  50013: 'Missing Permissions',
};

/** How a failed Discord call should be treated: wait and retry, give up, or retry with backoff. */
export type DiscordFailure =
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  | { kind: 'permanent'; reason: string }
  | { kind: 'transient'; reason: string };

export function classifyFailure(error: unknown): DiscordFailure {
  if (error instanceof RateLimitError) {
    return { kind: 'rate-limited', retryAfterMs: Math.ceil(error.retryAfter), reason: `rate limited on ${error.route} for ${Math.ceil(error.retryAfter)} ms` };
  }
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : Number(error.code);
    const known = PERMANENT_ERROR_CODES[code];
    const reason = `Discord ${error.status} ${code}: ${known ?? error.message}`;
    // 401: the bot token is wrong or revoked; no retry will fix that either.
    if (known || error.status === 401) return { kind: 'permanent', reason };
    return { kind: error.status >= 500 ? 'transient' : 'permanent', reason };
  }
  return { kind: 'transient', reason: error instanceof Error ? error.message : String(error) };
}
