import type { App, CommandInfo, Upload } from '../../commands/app.js';
import { reply, type Reply } from '../../commands/reply.js';
import type { Clock } from '../../clock.js';
import type { Translate } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import { slackCommands } from './slash-commands.js';

/** The largest upload Rapport imports (a 1M-row orders export is about 60 MB; split bigger ones). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
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
   * A typed line whose command takes a file (Slack's slash commands cannot carry one): it is
   * kept for the user's next upload in the DM, and the answer says so. Null: not such a command.
   */
  request(userId: string, line: string): Reply | null;
  /** A file shared in the DM: the core's answer to the command it was meant for (null: seen before). */
  receive(upload: SharedUpload): Promise<Reply | null>;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Import by upload: a file shared in the bot's DM is paired with the command it is for (the
 * line written with it, else the user's pending typed request) and handed to the core as that
 * command's attachment. The core reads it only once its checks have passed; reading downloads
 * it with the bot token, counting bytes against the size limit. The token goes only to Slack's
 * file host (or the configured API host: a proxy or test double).
 */
export function createUploadImports(deps: {
  app: App;
  botToken: string;
  apiUrl: string;
  clock: Clock;
  t: Translate;
  logger: Logger;
  maxBytes?: number;
}): UploadImports {
  const { app, clock, t, logger } = deps;
  const maxBytes = deps.maxBytes ?? MAX_UPLOAD_BYTES;
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
    if (commandOf(text)) return `/${text.trim().replace(/^\//, '')}`;
    const waiting = pending.get(userId);
    pending.delete(userId);
    return waiting && waiting.until > clock.now().getTime() ? waiting.line : undefined;
  }

  function upload(file: SharedFile, name: string, problems: string[]): Upload {
    return {
      name,
      size: file.size ?? 0,
      async read() {
        const url = file.url_private_download ?? file.url_private;
        if (!url || !fileHosts.has(new URL(url).origin)) {
          problems.push(t('slack.upload.downloadFailed', { file: name }));
          throw new Error(`refused to send the bot token to ${url ?? 'no URL'}`);
        }
        const bytes = await download(url, deps.botToken, maxBytes);
        if (bytes === 'too-large') {
          problems.push(t('slack.upload.tooLarge', { file: name, size: `> ${megabytes(maxBytes)}`, max: megabytes(maxBytes) }));
          throw new Error(`${name} is larger than ${maxBytes} bytes`);
        }
        if (bytes === null) {
          problems.push(t('slack.upload.downloadFailed', { file: name }));
          throw new Error(`could not download ${name} (${file.id})`);
        }
        return bytes;
      },
    };
  }

  return {
    request(userId, line) {
      if (!commandOf(line)) return null;
      pending.set(userId, { line, until: clock.now().getTime() + PENDING_UPLOAD_MS });
      return reply.text(t('slack.upload.waiting', { command: line, max: megabytes(maxBytes), minutes: PENDING_UPLOAD_MS / 60_000 }));
    },

    async receive({ userId, text, file }) {
      if (seen.has(file.id)) return null;
      seen.add(file.id);
      const name = file.name ?? file.id;
      const line = lineFor(userId, text);
      const command = line ? commandOf(line) : undefined;
      if (!line || !command) {
        const example = takesFile[0] ? `/${takesFile[0].name}` : '';
        return reply.text(t('slack.upload.noRequest', { file: name, command: example }));
      }
      if ((file.size ?? 0) > maxBytes) {
        return reply.error(t('slack.upload.tooLarge', { file: name, size: megabytes(file.size ?? 0), max: megabytes(maxBytes) }));
      }
      const option = command.options.find((o) => o.type === 'attachment')!.name;
      const problems: string[] = [];
      const answer = await app.dispatch({ platform: 'slack', userId, text: line, files: { [option]: upload(file, name, problems) } });
      if (problems.length === 0) return answer;
      // The core could not read the file: say why in our words rather than its generic failure.
      logger.warn({ fileId: file.id, problems }, 'a file shared with the Slack bot could not be read');
      return reply.error(problems[0]!);
    },
  };
}

/**
 * The file's bytes, 'too-large' past the limit (the declared size may be wrong), or null when
 * Slack would not give it: without a valid token it answers its HTML sign-in page (status 200).
 */
async function download(url: string, botToken: string, maxBytes: number): Promise<Uint8Array | 'too-large' | null> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${botToken}` }, signal: AbortSignal.timeout(10 * 60_000) });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !response.body || type.startsWith('text/html')) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    // Leaving the loop cancels the download.
    if (total > maxBytes) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
