import readline from 'node:readline';
import type { Dispatch } from '../../commands/dispatcher.js';
import { renderText } from './render-text.js';

export interface ConsoleOptions {
  dispatch: Dispatch;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Who the console speaks as: a rep email or id. */
  userId: string;
  /** Interactive (a terminal): show a prompt and a greeting; otherwise answer line by line. */
  interactive: boolean;
  greeting?: string;
}

const PROMPT = 'rapport> ';
const QUIT = new Set(['exit', 'quit', '/exit', '/quit']);

/**
 * The text adapter: one line in, one rendered reply out, in order. Piped input is answered
 * line by line and the promise resolves at end of input; a terminal gets a prompt.
 */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const { dispatch, output } = options;
  let userId = options.userId;
  const rl = readline.createInterface({
    input: options.input,
    output: options.interactive ? output : undefined,
    terminal: options.interactive,
    prompt: PROMPT,
  });
  if (options.interactive) {
    if (options.greeting) output.write(`${options.greeting}\n`);
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (QUIT.has(line.toLowerCase())) break;
    if (line === '' && !options.interactive) continue;
    const reply = await dispatch({ platform: 'console', userId, text: line });
    // /rapport as: the console speaks as another rep from the next line on.
    if (reply.actAs) userId = reply.actAs;
    output.write(`${renderText(reply)}\n\n`);
    if (options.interactive) rl.prompt();
  }
  rl.close();
}
