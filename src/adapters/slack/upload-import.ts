import { Readable } from 'node:stream';
import type { ChatApp } from '../../commands/app-additions.js';
import { reply } from '../../commands/reply.js';
import type { Translate } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import type { SlackMessenger } from './slack-messenger.js';

/** The largest upload Rapport imports (a 1M-row orders export is about 60 MB; split bigger ones). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** A file as Slack's `message` event lists it. */
export interface SharedFile {
  id: string;
  name?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

export interface Upload {
  userId: string;
  /** The DM the file was shared in: the answer goes there. */
  channel: string;
  text: string;
  file: SharedFile;
}

class UploadTooLarge extends Error {}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Counts bytes as they stream and stops past the limit (the declared size may be wrong). */
async function* capped(source: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) throw new UploadTooLarge(`upload exceeds ${max} bytes`);
    yield chunk;
  }
}

/**
 * Import by upload: a CSV shared in the bot's DM is downloaded with the bot token and
 * streamed into the core's import; the summary comes back in the DM, with the rejects file.
 * The token goes only to Slack's file host (or the configured API host, a proxy or test double).
 */
export function createUploadImporter(deps: {
  app: ChatApp;
  messenger: SlackMessenger;
  botToken: string;
  apiUrl: string;
  maxBytes?: number;
  t: Translate;
  logger: Logger;
}): (upload: Upload) => Promise<void> {
  const { app, messenger, t, logger } = deps;
  const maxBytes = deps.maxBytes ?? MAX_UPLOAD_BYTES;
  const fileHosts = new Set(['https://files.slack.com', new URL(deps.apiUrl).origin]);
  // Slack may deliver an event twice (a retry); one file is imported once per process.
  const imported = new Set<string>();

  const answer = async (channel: string, text: string) => messenger.post(channel, await messenger.render(reply.error(text)));

  return async ({ userId, channel, text, file }) => {
    if (imported.has(file.id)) return;
    imported.add(file.id);
    const fileName = file.name ?? file.id;
    if ((file.size ?? 0) > maxBytes) {
      await answer(channel, t('slack.upload.tooLarge', { file: fileName, size: megabytes(file.size ?? 0), max: megabytes(maxBytes) }));
      return;
    }
    const url = file.url_private_download ?? file.url_private;
    const response = url && fileHosts.has(new URL(url).origin) ? await download(url, deps.botToken) : null;
    if (!response?.body) {
      logger.warn({ fileId: file.id, url, status: response?.status }, 'could not download a file shared with the Slack bot');
      await answer(channel, t('slack.upload.downloadFailed', { file: fileName }));
      return;
    }
    try {
      const result = await app.importUpload({
        platform: 'slack',
        userId,
        fileName,
        size: file.size ?? 0,
        text,
        content: capped(Readable.fromWeb(response.body), maxBytes),
      });
      await messenger.post(channel, await messenger.render(result.reply));
      for (const extra of result.files) await messenger.shareFile(channel, extra.fileName, extra.content);
    } catch (error) {
      if (error instanceof UploadTooLarge) {
        await answer(channel, t('slack.upload.tooLarge', { file: fileName, size: `> ${megabytes(maxBytes)}`, max: megabytes(maxBytes) }));
        return;
      }
      throw error;
    }
  };
}

/** Slack answers a download without a valid token with its HTML sign-in page (status 200), not an error. */
async function download(url: string, botToken: string): Promise<Response | null> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${botToken}` }, signal: AbortSignal.timeout(10 * 60_000) });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || type.startsWith('text/html')) {
    await response.body?.cancel();
    return null;
  }
  return response;
}
