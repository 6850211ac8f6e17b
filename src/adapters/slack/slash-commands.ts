/**
 * Which slash commands Rapport registers in Slack, and how a Slack command turns back into
 * the typed line the core reads. Slack gets one slash command per top-level word of the
 * core's commands (`customer lookup` → `/customer`); `help` is reached as `/rapport help`
 * so the app claims no generic `/help` in a workspace full of other apps.
 */

/** Slack passes at most a few thousand characters; anything longer is not a command someone typed. */
export const MAX_COMMAND_TEXT = 4000;

const HELP = 'help';
const HELP_HOST = 'rapport';

/** The slash commands to register (without `/`), in the core's order. */
export function slashCommandNames(commandNames: readonly string[]): string[] {
  const words = commandNames.map((name) => name.split(' ')[0]!).filter((word) => word !== HELP);
  return [...new Set(words)];
}

/** Slack sends `&`, `<` and `>` in command text as HTML entities. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export type TypedLine = { ok: true; text: string } | { ok: false; reason: 'unknown-command' | 'too-long'; length: number };

/**
 * The line the core should read for a Slack slash command: `/customer` + `lookup 王芳` →
 * `/customer lookup 王芳`; `/rapport help callback` → `/help callback`.
 */
export function typedLine(command: string, text: string, slashCommands: readonly string[]): TypedLine {
  const name = command.replace(/^\//, '');
  if (!slashCommands.includes(name) && name !== HELP) return { ok: false, reason: 'unknown-command', length: text.length };
  const rest = unescapeSlack(text).trim();
  if (rest.length > MAX_COMMAND_TEXT) return { ok: false, reason: 'too-long', length: rest.length };
  if (name === HELP_HOST && (rest === HELP || rest.startsWith(`${HELP} `))) return { ok: true, text: `/${rest}` };
  return { ok: true, text: rest === '' ? `/${name}` : `/${name} ${rest}` };
}
