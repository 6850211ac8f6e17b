import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { App, Upload } from '../../commands/app.js';
import { renderText } from '../../commands/render-text.js';
import type { ChatAdapter } from '../chat-adapter.js';
import { createConsoleNotifier } from './console-notifier.js';
import { withImagesSaved } from './saved-images.js';

export interface ConsoleOptions {
  app: App;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Who the console speaks as: a rep email or id. */
  userId: string;
  /** Interactive (a terminal): a prompt, a greeting, and nudges printed as they fire; piped input gets only its answers. */
  interactive: boolean;
  greeting?: string;
  /** Where images (the digest chart) are written; the reply shows the file's path. */
  filesDir: string;
}

const PROMPT = 'rapport> ';

/** The console's attachments are files on this machine, named by path (whoever runs the console can read them anyway). */
function openFile(file: string): Upload | null {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return null;
    return { name: path.basename(file), size: stat.size, read: async () => new Uint8Array(await fs.promises.readFile(file)) };
  } catch {
    return null;
  }
}
const QUIT = new Set(['exit', 'quit', '/exit', '/quit']);

/**
 * The text adapter: one line in, one rendered reply out, in order. Piped input is answered
 * line by line and `finished` resolves at end of input; a terminal gets a prompt. Buttons
 * and forms show as the command to type (the core's text renderer).
 */
export function createConsoleAdapter(options: ConsoleOptions): ChatAdapter {
  const { app, output } = options;
  let userId = options.userId;
  let rl: readline.Interface | undefined;
  let markFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => (markFinished = resolve));

  async function converse(lines: readline.Interface): Promise<void> {
    if (options.interactive) {
      if (options.greeting) output.write(`${options.greeting}\n`);
      lines.prompt();
    }
    for await (const raw of lines) {
      const line = raw.trim();
      if (QUIT.has(line.toLowerCase())) break;
      if (line === '' && !options.interactive) continue;
      // /rapport as: the console speaks as another rep from the next line on.
      const reply = await app.dispatch({ platform: 'console', userId, text: line, session: { switchUser: (next) => (userId = next), openFile } });
      output.write(`${renderText(withImagesSaved(reply, options.filesDir))}\n\n`);
      if (options.interactive) lines.prompt();
    }
    lines.close();
  }

  return {
    platform: 'console',
    finished,
    ...(options.interactive ? { notifier: createConsoleNotifier(output, options.filesDir) } : {}),
    async start() {
      rl = readline.createInterface({
        input: options.input,
        output: options.interactive ? output : undefined,
        terminal: options.interactive,
        prompt: PROMPT,
      });
      void converse(rl).finally(markFinished);
    },
    async stop() {
      rl?.close();
      await finished;
    },
  };
}
