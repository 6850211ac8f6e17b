import type http from 'node:http';
import {
  App as BoltApp,
  type BlockAction,
  HTTPReceiver,
  LogLevel,
  type Logger as BoltLogger,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { App } from '../../commands/app.js';
import { encodeInvocation, MAX_PAYLOAD_LENGTH, MAX_UPLOAD_BYTES } from '../../commands/options.js';
import { reply as replies, type FormBlock, type Reply } from '../../commands/reply.js';
import { systemClock, type Clock } from '../../clock.js';
import type { Config, SlackConfig } from '../../config.js';
import { FatalError } from '../../errors.js';
import { translator } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import type { Notifier } from '../../scheduler/notifier.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { HttpServer } from '../http-server.js';
import { ACTION_ID, escapeMrkdwn } from './block-kit.js';
import { FORM_CALLBACK_ID, readSubmission, renderModal, type FormOrigin } from './modal.js';
import { createSlackMessenger, slackErrorCode, webClientOptions, type SlackClient } from './slack-messenger.js';
import { createSlackNotifier } from './slack-notifier.js';
import { SlackIdentity } from './slack-identity.js';
import { MAX_COMMAND_TEXT, slashCommandNames, typedLine } from './slash-commands.js';
import { createUploadImports, type SharedFile } from './upload-import.js';

/** Where Slack sends commands, interactivity and events alike in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack's own payloads stay far below this; a bigger body is refused with 413 before parsing. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface SlackAdapterDeps {
  app: App;
  config: Config;
  logger: Logger;
  /** The process's one HTTP server; HTTP mode routes `/slack/events` on it. */
  http: HttpServer;
  clock?: Clock;
  /** An uploaded file's download stops past this many bytes, whatever size Slack declared (default `MAX_UPLOAD_BYTES`). */
  uploadLimitBytes?: number;
}

/** Where a reply goes and what it may do there; `kind` is what asked (a modal keeps its asker's). */
interface Origin {
  kind: FormOrigin | 'upload';
  userId: string;
  responseUrl?: string;
  triggerId?: string;
  /** The message a pressed button sits on (not for ephemeral ones, which have no lasting id). */
  message?: { channel: string; ts: string };
}

const messageKey = (channel: string, ts: string) => `${channel}:${ts}`;

/**
 * Rapport in Slack: a Bolt app over the core `App`. Every command, button and form is
 * acknowledged at once and answered afterwards (ack first, then `respond`), so Slack's
 * 3-second window holds however slow the core is. HTTP mode mounts Bolt's request listener
 * at `/slack/events` on the shared HTTP server; Socket Mode (when an app-level token is set)
 * connects out instead. Requests from another workspace than the bot token's are refused.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): ChatAdapter & { readonly notifier: Notifier } {
  const slack = deps.config.slack;
  if (!slack) throw new Error('the Slack adapter needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN');
  const { app } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger.child({ platform: 'slack' });
  const t = translator(deps.config.defaultLocale);
  const boltLog = boltLogger(logger);
  const clientLog = boltLogger(logger, { warnings: 'debug' });
  const client: SlackClient = new webApi.WebClient(slack.botToken, webClientOptions(slack.apiUrl, clientLog));
  const messenger = createSlackMessenger({ client, t, logger });
  const identity = new SlackIdentity({ app, client, clock, logger });
  const uploads = createUploadImports({
    app,
    botToken: slack.botToken,
    apiUrl: slack.apiUrl,
    limitBytes: deps.uploadLimitBytes ?? MAX_UPLOAD_BYTES,
    clock,
    t,
    logger,
  });
  const inFlight = new Set<Promise<void>>();
  // Messages whose button press is being answered: the answer replaces them, so the core's
  // "callback changed" update of the same message (Notifier.update) is left out, not sent twice.
  const pressed = new Map<string, number>();
  const openRequests = new Set<http.ServerResponse>();
  let stopping = false;
  let socketReceiver: SocketModeReceiver | undefined;

  // Answers start one per turn of the event loop, each after its I/O phase: a request that
  // arrives while others are being answered is acked before the next answer's work, so a busy
  // bot still acks within Slack's window.
  let turns: Promise<void> = Promise.resolve();
  const nextTurn = (): Promise<void> => (turns = turns.then(() => new Promise<void>((resolve) => setImmediate(resolve))));

  /** Work that `stop()` waits for. */
  function track(run: Promise<void>): void {
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  /** Runs work after the ack; `stop()` waits for it. A failure is logged and told to the user. */
  function afterAck(origin: Origin, produce: () => Promise<Reply | null>): void {
    const key = origin.kind === 'button' && origin.message ? messageKey(origin.message.channel, origin.message.ts) : undefined;
    if (key) pressed.set(key, (pressed.get(key) ?? 0) + 1);
    const answer = async () => {
      await nextTurn();
      try {
        await identity.ensureLinked(origin.userId);
        const produced = await produce();
        if (produced) await deliver(produced, origin);
      } catch (error) {
        logger.error({ err: error, origin: origin.kind }, 'answering a Slack request failed');
        await deliver(replies.error(t('slack.failed')), origin).catch((again: unknown) =>
          logger.error({ err: again }, 'could not tell the user that their Slack request failed'),
        );
      }
      if (key) {
        const left = (pressed.get(key) ?? 1) - 1;
        if (left > 0) pressed.set(key, left);
        else pressed.delete(key);
      }
      if (origin.kind === 'home') await publishHome(origin.userId);
    };
    track(answer());
  }

  /** Opens a form as a modal; false when Slack would not (the trigger expired after 3 s, or the form is unfit). */
  async function openModal(form: FormBlock, origin: Origin): Promise<boolean> {
    try {
      const payload = encodeInvocation(form.invocation);
      // Uploads come without a trigger, so only commands and buttons get here.
      const asker = origin.kind === 'upload' ? 'command' : origin.kind;
      const metadata = { payload, origin: asker, ...(origin.responseUrl ? { responseUrl: origin.responseUrl } : {}), ...(origin.message ? { message: origin.message } : {}) };
      const view = renderModal(form, metadata, t);
      await client.views.open({ trigger_id: origin.triggerId!, view });
      return true;
    } catch (error) {
      logger.warn({ err: error, slackError: slackErrorCode(error) }, 'could not open a Slack modal; showing the form in the message');
      return false;
    }
  }

  /**
   * A reply where it belongs: a form opens as a modal when Slack gave a trigger; a `replace`
   * answer to a button updates the message it was on (chat.update where the message lasts, its
   * response_url for an ephemeral one); otherwise through the response_url (ephemeral for
   * `private`, in channel for `channel`); without one (Home tab, uploads) or when Slack refuses,
   * in the bot's DM with the user, which nobody else sees.
   */
  async function deliver(reply: Reply, origin: Origin): Promise<void> {
    let rest = reply;
    const form = reply.blocks.find((block): block is FormBlock => block.type === 'form');
    if (form && origin.triggerId && (await openModal(form, origin))) {
      rest = { ...reply, blocks: reply.blocks.filter((block) => block !== form) };
      if (rest.blocks.length === 0) return;
    }
    // The Home tab is published afresh after a button there: it shows what a replacement or a
    // bare "done" would say. Anything more (a card, an error) goes to the DM.
    const confirmation = rest.blocks.every((block) => block.type === 'text' && block.tone === 'success');
    if (origin.kind === 'home' && (reply.placement === 'replace' || confirmation)) return;
    const message = await messenger.render(rest);
    // Files carry personal data (an import's rejects): they go to the asker's DM, whatever the reply's visibility.
    const shareFiles = async () => {
      if (rest.blocks.some((block) => block.type === 'file')) await messenger.shareFiles(await messenger.dmChannel(origin.userId), rest);
    };
    const replace = reply.placement === 'replace' && origin.kind === 'button';
    if (replace && origin.message) {
      try {
        await messenger.update(origin.message.channel, origin.message.ts, message);
        return await shareFiles();
      } catch (error) {
        logger.warn({ err: error, slackError: slackErrorCode(error) }, 'could not update the message a button was on; answering anew');
      }
    }
    if (origin.responseUrl) {
      try {
        await messenger.respond(origin.responseUrl, message, replace && !origin.message ? { replaceOriginal: true } : { replaceOriginal: false, visibility: reply.visibility });
        return await shareFiles();
      } catch (error) {
        logger.warn({ err: error }, 'Slack refused the response_url; answering in the DM instead');
      }
    }
    await messenger.post(await messenger.dmChannel(origin.userId), message);
    await shareFiles();
  }

  async function publishHome(userId: string): Promise<void> {
    try {
      await identity.ensureLinked(userId);
      const blocks = await messenger.renderView(await app.home({ platform: 'slack', userId }));
      await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
    } catch (error) {
      logger.error({ err: error, slackError: slackErrorCode(error) }, 'could not publish the Slack Home tab');
    }
  }

  function registerListeners(bolt: BoltApp, teamId: string, slashCommands: readonly string[]): void {
    bolt.error(async (error) => {
      logger.error({ err: error }, 'Slack listener failed');
    });

    // One workspace per installation: the bot token's. Anything else is answered politely and dropped.
    bolt.use(async (args) => {
      if (args.context.teamId === teamId) return args.next();
      logger.warn({ teamId: args.context.teamId }, 'refused a Slack request from another workspace');
      if (!('ack' in args) || !args.ack) return;
      if ('command' in args) await args.ack({ response_type: 'ephemeral', text: t('slack.otherWorkspace') });
      else await (args.ack as () => Promise<void>)();
    });

    bolt.command(/.*/, async ({ command, ack }) => {
      const line = typedLine(command.command, command.text ?? '', slashCommands);
      if (!line.ok) {
        const text =
          line.reason === 'too-long'
            ? t('slack.lineTooLong', { length: line.length, max: MAX_COMMAND_TEXT })
            : t('slack.unknownCommand', { command: escapeMrkdwn(command.command.slice(0, 40)) });
        await ack({ response_type: 'ephemeral', text });
        return;
      }
      await ack();
      const userId = command.user_id;
      afterAck({ kind: 'command', userId, responseUrl: command.response_url, triggerId: command.trigger_id }, async () => {
        const answer = await app.dispatch({ platform: 'slack', userId, text: line.text });
        // A command that takes a file waits for the upload in the DM (a slash command cannot carry one).
        uploads.typed(userId, line.text, answer);
        return answer;
      });
    });

    bolt.action(/.*/, async ({ body, ack }) => {
      await ack();
      if (body.type !== 'block_actions') return;
      const press = body as BlockAction;
      const action = press.actions[0];
      if (!action || action.action_id.startsWith(ACTION_ID.link)) return;
      const userId = press.user.id;
      const onMessage = press.container?.type === 'message' && !press.container.is_ephemeral && press.container.channel_id && press.container.message_ts;
      const origin: Origin = {
        kind: press.view?.type === 'home' ? 'home' : 'button',
        userId,
        ...(press.response_url ? { responseUrl: press.response_url } : {}),
        triggerId: press.trigger_id,
        ...(onMessage ? { message: { channel: press.container.channel_id as string, ts: press.container.message_ts as string } } : {}),
      };
      const value = 'value' in action ? action.value : undefined;
      if (!action.action_id.startsWith(ACTION_ID.command)) {
        afterAck(origin, async () => replies.error(t('slack.unknownButton')));
      } else if (typeof value !== 'string' || value.length > MAX_PAYLOAD_LENGTH) {
        afterAck(origin, async () => replies.error(t('slack.staleButton')));
      } else {
        afterAck(origin, () => app.handleAction({ platform: 'slack', userId, payload: value }));
      }
    });

    bolt.view(/.*/, async ({ body, view, ack }) => {
      const userId = body.user.id;
      const submission = view.callback_id === FORM_CALLBACK_ID ? readSubmission(view, t) : ({ ok: false, errors: null } as const);
      if (!submission.ok && submission.errors) {
        await ack({ response_action: 'errors', errors: submission.errors });
        return;
      }
      await ack();
      if (!submission.ok) {
        afterAck({ kind: 'command', userId }, async () => replies.error(t('slack.staleButton')));
        return;
      }
      const { metadata, values } = submission;
      const origin: Origin = {
        kind: metadata.origin,
        userId,
        ...('trigger_id' in body ? { triggerId: body.trigger_id } : {}),
        ...(metadata.responseUrl ? { responseUrl: metadata.responseUrl } : {}),
        ...(metadata.message ? { message: metadata.message } : {}),
      };
      afterAck(origin, () => app.submitForm({ platform: 'slack', userId, payload: metadata.payload, values }));
    });

    bolt.event('app_home_opened', async ({ event }) => {
      if (event.tab === 'home') track(publishHome(event.user));
    });

    // Uploads for import: a CSV shared in the bot's DM (message.im, subtype file_share). The
    // file_shared event is not subscribed: it fires for the same upload, without the text.
    bolt.event('message', async ({ event }) => {
      if (event.subtype !== 'file_share' || event.channel_type !== 'im') return;
      const files = (event as { files?: SharedFile[] }).files ?? [];
      for (const file of files) {
        afterAck({ kind: 'upload', userId: event.user }, () => uploads.receive({ userId: event.user, text: event.text ?? '', file }));
      }
    });
  }

  function mountHttp(receiver: HTTPReceiver): void {
    deps.http.route(SLACK_EVENTS_PATH, (req, res) => {
      // While stopping, Slack is told to come back: it retries events, and a command gets an error the user can repeat.
      if (stopping) return void res.writeHead(503, { 'retry-after': '10' }).end();
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
      openRequests.add(res);
      res.on('close', () => openRequests.delete(res));
      receiver.requestListener(req, res);
    });
  }

  return {
    platform: 'slack',
    notifier: createSlackNotifier(messenger, { replacedByPress: (channel, ts) => pressed.has(messageKey(channel, ts)) }),

    async start() {
      const workspace = await verifyBotToken(client, slack.apiUrl);
      const receiver = createReceiver(slack, boltLog);
      const bolt = new BoltApp({
        token: slack.botToken,
        botId: workspace.botId,
        botUserId: workspace.botUserId,
        receiver,
        logger: boltLog,
        clientOptions: webClientOptions(slack.apiUrl, clientLog),
        // Rapport keeps no per-conversation state in Bolt; its default store costs an Error per event.
        convoStore: false,
      });
      registerListeners(bolt, workspace.teamId, slashCommandNames(app.commands));
      if (receiver instanceof SocketModeReceiver) {
        socketReceiver = receiver;
        await receiver.start();
      } else {
        mountHttp(receiver);
      }
      logger.info({ teamId: workspace.teamId, mode: slack.mode }, 'Slack adapter started');
    },

    async stop() {
      stopping = true;
      await socketReceiver?.client.disconnect();
      while (openRequests.size > 0 || inFlight.size > 0) {
        await Promise.allSettled([...inFlight, ...[...openRequests].map((res) => new Promise((resolve) => res.once('close', resolve)))]);
      }
    },
  };
}

function createReceiver(slack: SlackConfig, logger: BoltLogger): HTTPReceiver | SocketModeReceiver {
  if (slack.mode === 'socket') {
    // The Socket Mode client keeps its own retrying client for apps.connections.open (reconnects), on the same API URL.
    return new SocketModeReceiver({ appToken: slack.appToken, logger, installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } } });
  }
  return new HTTPReceiver({ signingSecret: slack.signingSecret, endpoints: SLACK_EVENTS_PATH, logger, bodyLimit: MAX_REQUEST_BYTES });
}

/** The workspace and bot behind the token; a bad token, or no Slack to ask, stops the start with one line saying why. */
async function verifyBotToken(client: SlackClient, apiUrl: string): Promise<{ teamId: string; botUserId: string; botId: string }> {
  let auth: Awaited<ReturnType<SlackClient['auth']['test']>>;
  try {
    auth = await client.auth.test();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code) throw new FatalError(`Slack refused SLACK_BOT_TOKEN (auth.test: ${code})`, { cause: error });
    // The Web API client's "A request error occurred" wraps fetch's "fetch failed", which wraps the reason.
    const original = (error as { original?: { cause?: unknown } }).original;
    const reason = original?.cause instanceof Error ? original.cause.message : (error as Error).message;
    throw new FatalError(`Could not reach Slack at ${apiUrl} to check SLACK_BOT_TOKEN: ${reason}`, { cause: error });
  }
  if (!auth.team_id || !auth.user_id || !auth.bot_id) throw new FatalError('Slack’s auth.test did not name the workspace and bot of SLACK_BOT_TOKEN');
  return { teamId: auth.team_id, botUserId: auth.user_id, botId: auth.bot_id };
}

/**
 * Bolt's and the Web API client's logs go to our logger; the level stays LOG_LEVEL's. The Web
 * API client's warnings (`http request failed …`) are debug: every failed call is handled and
 * logged, or told to the user, by the code that made it.
 */
function boltLogger(logger: Logger, options: { warnings: 'warn' | 'debug' } = { warnings: 'warn' }): BoltLogger {
  const line = (parts: unknown[]) => parts.map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part))).join(' ');
  const levels: Record<string, LogLevel> = { trace: LogLevel.DEBUG, debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN };
  return {
    debug: (...parts) => logger.isLevelEnabled('debug') && logger.debug(line(parts)),
    info: (...parts) => logger.isLevelEnabled('info') && logger.info(line(parts)),
    warn: (...parts) => (options.warnings === 'warn' ? logger.warn(line(parts)) : logger.isLevelEnabled('debug') && logger.debug(line(parts))),
    error: (...parts) => logger.error(line(parts)),
    setLevel: () => undefined,
    getLevel: () => levels[logger.level] ?? LogLevel.ERROR,
    setName: () => undefined,
  };
}
