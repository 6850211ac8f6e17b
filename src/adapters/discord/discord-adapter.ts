import { Client, Events, GatewayCloseCodes, GatewayDispatchEvents, WebSocketShardEvents } from 'discord.js';
import type { App } from '../../commands/app.js';
import { MAX_UPLOAD_BYTES } from '../../commands/options.js';
import { systemClock, type Clock } from '../../clock.js';
import type { Locale } from '../../i18n/index.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { HttpServer } from '../http-server.js';
import { commandRoutes } from './application-commands.js';
import { createRest, DiscordApi, restOptions } from './discord-api.js';
import { createDiscordNotifier } from './discord-notifier.js';
import { interactionsEndpoint, publicKeyFromHex } from './http-interactions.js';
import { createInteractionHandler, type Responder } from './interaction-handler.js';

export const INTERACTIONS_PATH = '/discord/interactions';

/**
 * Interactions reach a bot whatever its intents, DMs with the bot included, and Rapport reads
 * no messages, members or presences: it asks for no gateway intents at all (none privileged).
 */
export const GATEWAY_INTENTS = 0;

/** Well inside Discord's 3 s to answer, leaving room for the network both ways. */
export const DEFER_AFTER_MS = 1_500;

/** The Discord part of the configuration (see `src/config.ts`). */
export type DiscordConfig = NonNullable<Config['discord']>;

export interface DiscordAdapterOptions {
  app: App;
  config: DiscordConfig;
  logger: Logger;
  /** The process's shared HTTP server; needed in HTTP interactions mode. */
  http?: HttpServer;
  clock?: Clock;
  /** The language of the adapter's own lines ("…and 3 more") where the reader's is unknown: an updated nudge. */
  defaultLocale?: Locale;
  deferAfterMs?: number;
  uploadLimitBytes?: number;
}

/** Close codes as Discord names them, for the one log line a lost connection gets. */
function closeReason(code: number): string {
  const name = (GatewayCloseCodes as Record<number, string>)[code];
  return name ? `${code} ${name}` : code === 1006 ? '1006 connection dropped' : String(code);
}

/**
 * The Discord adapter: slash commands, autocomplete, buttons, select menus and modals from
 * Discord answered by the core, and a notifier for scheduled nudges. Gateway mode (default)
 * connects with discord.js and resumes after drops; with a public key it serves
 * `POST /discord/interactions` on the shared HTTP server instead and opens no gateway, so any
 * number of replicas can run behind a load balancer. Nudges go out over REST in both modes.
 */
export function createDiscordAdapter(options: DiscordAdapterOptions): ChatAdapter {
  const { config, logger } = options;
  const log = logger.child({ platform: 'discord' });
  const clock = options.clock ?? systemClock;
  const httpMode = config.publicKey !== undefined;
  if (httpMode && !options.http) throw new Error('Discord HTTP interactions mode needs the shared HTTP server');

  const client = httpMode ? null : new Client({ intents: GATEWAY_INTENTS, rest: restOptions(config.apiUrl) });
  // The notifier may send before the gateway logs in, so the token is set up front.
  const rest = client ? client.rest.setToken(config.botToken) : createRest(config.botToken, config.apiUrl);
  const api = new DiscordApi(rest, config.applicationId);
  const handle = createInteractionHandler({
    app: options.app,
    api,
    routes: commandRoutes(options.app.commands),
    logger: log,
    deferAfterMs: options.deferAfterMs ?? DEFER_AFTER_MS,
    uploadLimitBytes: options.uploadLimitBytes ?? MAX_UPLOAD_BYTES,
  });

  const inFlight = new Set<Promise<void>>();
  let accepting = false;
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const startGateway = async (gateway: Client) => {
    gateway.ws.on(GatewayDispatchEvents.InteractionCreate, (payload: { id: string; token: string }) => {
      if (!accepting) return;
      const responder: Responder = { respond: async (response, files) => void (await api.respond(payload, response, files)) };
      track(handle(payload, responder));
    });
    // One line when the connection goes, one when it is back; discord.js retries in between.
    let lostAt: number | null = null;
    const lost = (reason: string) => {
      if (!accepting || lostAt !== null) return;
      lostAt = clock.now().getTime();
      log.warn({ reason }, 'Discord gateway connection lost; discord.js is reconnecting');
    };
    const back = () => {
      if (lostAt === null) return;
      log.info({ downMs: clock.now().getTime() - lostAt }, 'Discord gateway connection back');
      lostAt = null;
    };
    gateway.on(Events.ShardResume, back);
    gateway.on(Events.ShardReady, back);
    gateway.on(Events.ShardError, (error) => lost(error.message));
    gateway.on(Events.ShardDisconnect, (event) => log.error({ reason: closeReason(event.code) }, 'Discord gateway closed for good; restart the bot after fixing the cause'));
    accepting = true;
    try {
      await gateway.login(config.botToken);
    } catch (error) {
      accepting = false;
      throw new Error(`Discord login failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const shard of gateway.ws.shards.values()) shard.on(WebSocketShardEvents.Close, (event: { code: number }) => lost(closeReason(event.code)));
    log.info({ user: gateway.user?.tag, intents: GATEWAY_INTENTS }, 'Discord gateway connected');
  };

  return {
    platform: 'discord',
    notifier: createDiscordNotifier(api, options.defaultLocale ?? 'en'),

    async start() {
      if (client) return startGateway(client);
      options.http!.route(
        INTERACTIONS_PATH,
        interactionsEndpoint({ publicKey: publicKeyFromHex(config.publicKey!), clock, handle, api, logger: log, track, accepting: () => accepting }),
      );
      accepting = true;
      log.info({ path: INTERACTIONS_PATH }, 'Discord interactions endpoint ready (no gateway)');
    },

    async stop() {
      accepting = false;
      await Promise.allSettled([...inFlight]);
      await client?.destroy();
    },
  };
}
