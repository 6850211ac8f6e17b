import type { App, CommandInfo, Upload } from '../../commands/app.js';
import { reply, type Reply } from '../../commands/reply.js';
import type { Clock } from '../../clock.js';
import type { Translate } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import { slackCommands } from './slash-commands.js';

/** How long a typed `/customer import …` waits for its file in the DM. */
export const PENDING_UPLOAD_MS = 15 * 60_000;

/** A file as Slack's `message` event lists it. */
export interface SharedFile {
  id: string;
  name?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

export interface SharedUpload {
  userId: string;
  /** What the user wrote with the file: a command line (`/customer import orders --dry-run`), or anything. */
  text: string;
  file: SharedFile;
}

export interface UploadImports {
  /**
   * After the core answered a typed line: a command that takes a file (a slash command cannot
   * carry one), answered without an error, waits for the user's next upload in the DM.
   */
  typed(userId: string, line: string, answer: Reply): void;
  /** A file shared in the DM: the core's answer to the command it is for (null: seen before). */
  receive(upload: SharedUpload): Promise<Reply | null>;
}

/**
 * Import by upload: a file shared in the bot's DM is paired with the command it is for (the
 * line written with it, else the user's typed request of the last 15 minutes) and handed to the
 * core as that command's attachment. The core checks role, arguments and the declared size
 * before it reads; reading downloads the file with the bot token, and stops past
 * `limitBytes` (the declared size may be wrong). The token goes only to Slack's file host
 * (or the configured API host: a proxy or test double).
 */
export function createUploadImports(deps: {
  app: App;
  botToken: string;
  apiUrl: string;
  limitBytes: number;
  clock: Clock;
  t: Translate;
  logger: Logger;
}): UploadImports {
  const { app, clock, t, logger } = deps;
  const fileHosts = new Set(['https://files.slack.com', new URL(deps.apiUrl).origin]);
  const takesFile = slackCommands(app.commands)
    .filter((command) => command.options.some((option) => option.type === 'attachment'))
    .sort((a, b) => b.name.length - a.name.length);
  const pending = new Map<string, { line: string; until: number }>();
  // Slack may deliver an event twice (a retry); one file is imported once per process.
  const seen = new Set<string>();

  /** The command a line (with or without its slash) names, if it takes a file. */
  function commandOf(line: string): CommandInfo | undefined {
    const words = line.trim().replace(/^\//, '').toLowerCase().split(/\s+/);
    return takesFile.find((command) => command.name.split(' ').every((word, i) => words[i] === word));
  }

  /** The request a file is for: the line written with it, else the user's pending typed one. */
  function lineFor(userId: string, text: string): string | undefined {
    const waiting = pending.get(userId);
    pending.delete(userId);
    if (commandOf(text)) return `/${text.trim().replace(/^\//, '')}`;
    return waiting && waiting.until > clock.now().getTime() ? waiting.line : undefined;
  }

  /** The file as the command's attachment: read, it downloads; a failure rejects with the line the core shows. */
  function upload(file: SharedFile, name: string): Upload {
    return {
      name,
      size: file.size ?? 0,
      async read() {
        const url = file.url_private_download ?? file.url_private;
        const bytes = url && fileHosts.has(new URL(url).origin) ? await download(url, deps.botToken, deps.limitBytes + 1).catch(() => null) : null;
        if (bytes === null) {
          logger.warn({ fileId: file.id, url }, 'could not download a file shared with the Slack bot');
          throw new Error(t('slack.upload.downloadFailed', { file: name }));
        }
        if (bytes.byteLength > deps.limitBytes) throw new Error(t('customer.import.tooLarge', { name, mb: deps.limitBytes / 1024 / 1024 }));
        return bytes;
      },
    };
  }

  return {
    typed(userId, line, answer) {
      const failed = answer.blocks.some((block) => block.type === 'text' && block.tone === 'error');
      if (commandOf(line) && !failed) pending.set(userId, { line, until: clock.now().getTime() + PENDING_UPLOAD_MS });
    },

    async receive({ userId, text, file }) {
      if (seen.has(file.id)) return null;
      seen.add(file.id);
      const name = file.name ?? file.id;
      const line = lineFor(userId, text);
      const command = line ? commandOf(line) : undefined;
      if (!line || !command) {
        return reply.text(t('slack.upload.noRequest', { file: name, command: takesFile[0] ? `/${takesFile[0].name}` : '' }));
      }
      const option = command.options.find((o) => o.type === 'attachment')!.name;
      return app.dispatch({ platform: 'slack', userId, text: line, files: { [option]: upload(file, name) } });
    },
  };
}

/**
 * The file's bytes, at most `limit` of them (the declared size may be wrong), or null when
 * Slack would not give it: without a valid token it answers its HTML sign-in page (status 200).
 */
async function download(url: string, botToken: string, limit: number): Promise<Uint8Array | null> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${botToken}` }, signal: AbortSignal.timeout(10 * 60_000) });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !response.body || type.startsWith('text/html')) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    total += chunk.length;
    // Leaving the loop cancels the download.
    if (total >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}
