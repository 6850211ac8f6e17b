import type { CommandInfo } from '../../commands/app.js';
import { HELP_COMMAND } from '../../domain/platform.js';

/**
 * Which slash commands Rapport registers in Slack, and how a Slack command turns back into
 * the typed line the core reads. Slack gets one slash command per top-level word of the
 * core's commands (`customer lookup` → `/customer`); help is reached as `/rapport help` (the
 * core's alias), so the app claims no generic `/help` in a workspace full of other apps.
 */

/** Slack passes at most a few thousand characters; anything longer is not a command someone typed. */
export const MAX_COMMAND_TEXT = 4000;

/** The commands Slack offers (not the console's `rapport as`), each under the name typed in Slack. */
export function slackCommands(commands: readonly CommandInfo[]): CommandInfo[] {
  return commands
    .filter((command) => !command.platforms || command.platforms.includes('slack'))
    .map((command) => (command.name === 'help' ? { ...command, name: HELP_COMMAND.slack.slice(1) } : command));
}

/** The slash commands to register (without `/`), in the core's order. */
export function slashCommandNames(commands: readonly CommandInfo[]): string[] {
  return [...new Set(slackCommands(commands).map((command) => command.name.split(' ')[0]!))];
}

/** Slack sends `&`, `<` and `>` in command text as HTML entities. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export type TypedLine = { ok: true; text: string } | { ok: false; reason: 'unknown-command' | 'too-long'; length: number };

/** The line the core should read for a Slack slash command: `/customer` + `lookup 王芳` → `/customer lookup 王芳`. */
export function typedLine(command: string, text: string, slashCommands: readonly string[]): TypedLine {
  const name = command.replace(/^\//, '');
  if (!slashCommands.includes(name)) return { ok: false, reason: 'unknown-command', length: text.length };
  const rest = unescapeSlack(text).trim();
  if (rest.length > MAX_COMMAND_TEXT) return { ok: false, reason: 'too-long', length: rest.length };
  return { ok: true, text: rest === '' ? `/${name}` : `/${name} ${rest}` };
}
