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
  /**
   * Gateway mode with several replicas: one holds the gateway at a time (a lease in the database,
   * src/scheduler/leases.ts); the others stand by and connect when it is theirs. Absent: this
   * process always holds it.
   */
  gatewayLeadership?: GatewayLeadership;
  uploadLimitBytes?: number;
}

/**
 * Keeps trying to hold the gateway role, calling `onChange` when this process gains or loses it;
 * `renewNow` resolves with whether it holds it now, `stop` gives it up.
 */
export type GatewayLeadership = (onChange: (held: boolean) => void) => { renewNow(): Promise<boolean>; stop(): Promise<void> };

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

  // REST of its own, not the gateway client's: the notifier sends whether or not this replica holds the gateway.
  const api = new DiscordApi(createRest(config.botToken, config.apiUrl), config.applicationId);
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

  /** The gateway connection while this process holds it (a new client each time: a destroyed one is not reused). */
  let gateway: Client | null = null;
  const connectGateway = async () => {
    const connecting = new Client({ intents: GATEWAY_INTENTS, rest: restOptions(config.apiUrl) });
    connecting.rest.setToken(config.botToken);
    try {
      await startGateway(connecting);
    } catch (error) {
      await connecting.destroy();
      throw error;
    }
    gateway = connecting;
  };
  const disconnectGateway = async () => {
    const closing = gateway;
    gateway = null;
    await closing?.destroy();
  };
  let leadership: ReturnType<GatewayLeadership> | null = null;
  /** Gateway connects and disconnects one after the other, in the order the lease changed. */
  let handover: Promise<void> = Promise.resolve();
  let takeoverError: unknown = null;
  const follow = (held: boolean) => {
    handover = handover.then(async () => {
      if (held === (gateway !== null)) return;
      if (!held) {
        log.info('Discord gateway handed over to another replica');
        return disconnectGateway();
      }
      takeoverError = null;
      await connectGateway().catch(async (error: unknown) => {
        takeoverError = error;
        // Given up, so a replica that can connect takes the gateway instead of none holding it.
        log.error({ err: error }, 'Discord gateway login failed; this replica gives the gateway up to the others');
        await leadership?.stop();
      });
    });
  };

  const startGateway = async (client: Client) => {
    client.ws.on(GatewayDispatchEvents.InteractionCreate, (payload: { id: string; token: string }) => {
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
    client.on(Events.ShardResume, back);
    client.on(Events.ShardReady, back);
    client.on(Events.ShardError, (error) => lost(error.message));
    client.on(Events.ShardDisconnect, (event) => log.error({ reason: closeReason(event.code) }, 'Discord gateway closed for good; restart the bot after fixing the cause'));
    accepting = true;
    try {
      await client.login(config.botToken);
    } catch (error) {
      accepting = false;
      throw new Error(`Discord login failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const shard of client.ws.shards.values()) shard.on(WebSocketShardEvents.Close, (event: { code: number }) => lost(closeReason(event.code)));
    log.info({ user: client.user?.tag, intents: GATEWAY_INTENTS }, 'Discord gateway connected');
  };

  return {
    platform: 'discord',
    notifier: createDiscordNotifier(api, options.defaultLocale ?? 'en'),

    async start() {
      if (!httpMode && !options.gatewayLeadership) return connectGateway();
      if (!httpMode) {
        accepting = true;
        leadership = options.gatewayLeadership!(follow);
        if (!(await leadership.renewNow())) log.info('another replica holds the Discord gateway; standing by');
        await handover;
        // At start a refused login stops the bot, as without a lease: every replica would fail the same way.
        if (takeoverError) throw takeoverError;
        return;
      }
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
      await leadership?.stop();
      await handover;
      await disconnectGateway();
    },
  };
}
