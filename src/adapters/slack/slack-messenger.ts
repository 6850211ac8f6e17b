import http from 'node:http';
import https from 'node:https';
import { webApi } from '@slack/bolt';
import type { ImageBlock, Reply } from '../../commands/reply.js';
import { translator, type Locale, type Translate } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import { NotifierError } from '../../scheduler/notifier.js';
import { BLOCK_KIT, renderBlocks, renderMessage, type SlackBlock, type SlackMessage } from './block-kit.js';

export type SlackClient = InstanceType<typeof webApi.WebClient>;

/**
 * Web API options for every call Rapport makes: no silent retries (the outbox counts and
 * spaces its own attempts; a user waiting on a button is better told than kept waiting
 * minutes), a 429 surfaces at once with its Retry-After, and no call hangs forever.
 */
export function webClientOptions(apiUrl: string, logger: webApi.Logger): webApi.WebClientOptions {
  return { slackApiUrl: apiUrl, logger, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 15_000 };
}

/** Slack errors after which retrying cannot help: the nudge goes dead at once with this reason. */
export const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'user_not_found',
  'account_inactive',
  'invalid_auth',
  'token_revoked',
  'not_authed',
  'missing_scope',
  'cannot_dm_bot',
  'user_disabled',
  'message_not_found',
  'cant_update_message',
  'invalid_blocks',
  'msg_too_long',
]);

/** Kept-alive connections for response URLs (idle ones never hold the process open). */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * POSTs JSON to a response_url; resolves with the status. Plain node:http with a kept-alive
 * connection: every answer goes this way, and fetch costs several times more per call. A kept
 * connection the server closed just as it was reused fails before anything was sent: that one
 * is tried again, on a fresh connection.
 */
async function postJson(url: string, body: string): Promise<number> {
  try {
    return await postOnce(url, body);
  } catch (error) {
    if ((error as { reusedSocketReset?: boolean }).reusedSocketReset) return postOnce(url, body);
    throw error;
  }
}

function postOnce(url: string, body: string): Promise<number> {
  const target = new URL(url);
  const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
  const request = protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent: AGENTS[protocol], timeout: 15_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('response_url did not answer within 15 s')));
    req.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocketReset: req.reusedSocket && error.code === 'ECONNRESET' })));
    req.end(body);
  });
}

/** A Web API failure as the outbox should treat it (see `Notifier`). */
export function notifierError(error: unknown): Error {
  if (!(error instanceof Error) || !('code' in error)) return error instanceof Error ? error : new Error(String(error));
  switch (error.code) {
    case webApi.ErrorCode.RateLimitedError: {
      const seconds = (error as webApi.WebAPIRateLimitedError).retryAfter;
      return new NotifierError(`Slack rate limit: retry after ${seconds} s`, { retryAfterMs: seconds * 1000 });
    }
    case webApi.ErrorCode.PlatformError: {
      const reason = (error as webApi.WebAPIPlatformError).data.error;
      return PERMANENT_ERRORS.has(reason) ? new NotifierError(`Slack refused: ${reason}`, { permanent: true }) : new Error(`Slack error: ${reason}`);
    }
    case webApi.ErrorCode.HTTPError:
      return new Error(`Slack answered HTTP ${(error as webApi.WebAPIHTTPError).statusCode}`);
    default:
      return error;
  }
}

/** The Slack error code of a Web API failure, if it was one. */
export function slackErrorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && error.code === webApi.ErrorCode.PlatformError
    ? (error as webApi.WebAPIPlatformError).data.error
    : undefined;
}

/** How a reply answers through a response_url. */
export type ResponseMode = { replaceOriginal: true } | { replaceOriginal: false; visibility: Reply['visibility'] };

export interface SlackMessenger {
  /** Renders a reply as a message, uploading its images first (`images: 'required'` lets an upload failure throw). */
  render(reply: Reply, options?: { images?: 'required' | 'best-effort'; locale?: Locale }): Promise<SlackMessage>;
  /** Renders a reply for a modal or the Home tab (100 blocks). */
  renderView(reply: Reply): Promise<SlackBlock[]>;
  /** The bot's DM channel with a user (conversations.open, remembered). */
  dmChannel(userId: string): Promise<string>;
  post(channel: string, message: SlackMessage): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
  /** Answers through an interaction's response_url; throws when Slack refuses (expired: 404). */
  respond(responseUrl: string, message: SlackMessage, mode: ResponseMode): Promise<void>;
  /** Uploads the reply's file blocks into a conversation (files upload v2), after the message that names them. */
  shareFiles(channel: string, reply: Reply): Promise<void>;
}

export function createSlackMessenger(deps: { client: SlackClient; t: Translate; logger: Logger }): SlackMessenger {
  const { client, t, logger } = deps;
  const dmChannels = new Map<string, string>();

  /** Uploads without a channel, so the image can sit inside the message as an image block. */
  async function uploadImage(block: ImageBlock): Promise<string> {
    const result = await client.filesUploadV2({ file: Buffer.from(block.png), filename: block.fileName, alt_text: block.alt.slice(0, BLOCK_KIT.altText) });
    const fileId = (result.files as { files?: { id?: string }[] }[] | undefined)?.[0]?.files?.[0]?.id;
    if (!fileId) throw new Error(`files upload v2 returned no file id for ${block.fileName}`);
    return fileId;
  }

  async function uploadImages(reply: Reply, mode: 'required' | 'best-effort'): Promise<Map<ImageBlock, string>> {
    const images = new Map<ImageBlock, string>();
    for (const block of reply.blocks) {
      if (block.type !== 'image') continue;
      try {
        images.set(block, await uploadImage(block));
      } catch (error) {
        if (mode === 'required') throw error;
        logger.warn({ err: error, file: block.fileName }, 'Slack image upload failed; showing its text instead');
      }
    }
    return images;
  }

  return {
    async render(reply, options = {}) {
      const images = await uploadImages(reply, options.images ?? 'best-effort');
      // Slack's own lines ("…and 3 more") in the reader's language where it is known (a nudge), else the default.
      return renderMessage(reply, { t: options.locale ? translator(options.locale) : t, maxBlocks: BLOCK_KIT.messageBlocks, images });
    },
    async renderView(reply) {
      const images = await uploadImages(reply, 'best-effort');
      return renderBlocks(reply.blocks, { t, maxBlocks: BLOCK_KIT.viewBlocks, images });
    },
    async dmChannel(userId) {
      const known = dmChannels.get(userId);
      if (known) return known;
      const opened = await client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error(`conversations.open returned no channel for ${userId}`);
      dmChannels.set(userId, channel);
      return channel;
    },
    async post(channel, message) {
      const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
      if (!posted.channel || !posted.ts) throw new Error('chat.postMessage returned no channel or ts');
      return { channel: posted.channel, ts: posted.ts };
    },
    async update(channel, ts, message) {
      await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
    },
    async respond(responseUrl, message, mode) {
      const body = mode.replaceOriginal
        ? { replace_original: true, text: message.text, blocks: message.blocks }
        : {
            replace_original: false,
            response_type: mode.visibility === 'private' ? 'ephemeral' : 'in_channel',
            text: message.text,
            blocks: message.blocks,
          };
      const status = await postJson(responseUrl, JSON.stringify(body));
      if (status < 200 || status >= 300) throw new Error(`response_url answered HTTP ${status}`);
    },
    async shareFiles(channel, reply) {
      for (const block of reply.blocks) {
        if (block.type === 'file') await client.filesUploadV2({ channel_id: channel, file: Buffer.from(block.bytes), filename: block.fileName });
      }
    },
  };
}
