import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { en } from '../i18n/locales/en.js';
import type { Actor, Role } from '../domain/actor.js';
import type { Platform } from '../domain/platform.js';
import type { Invocation, OptionSpec, OptionValues, Upload } from './options.js';
import type { Services } from './ports.js';
import type { CommandAction, Reply } from './reply.js';

export type CommandKey =
  | keyof (typeof en)['commands']
  | `scheduler.commands.${keyof (typeof en)['scheduler']['commands']}`;

/** The i18n key of a command's summary, example, or short title (a form's heading, ≤ 24 characters for Slack). */
export function commandText(key: CommandKey, field: 'summary' | 'example' | 'title'): string {
  return key.includes('.') ? `${key}.${field}` : `commands.${key}.${field}`;
}

/** Typed text read into option values, or the i18n key of what is wrong (`usage: false`: a value problem, no usage line needed). */
export type ParsedText = { ok: true; values: OptionValues } | { ok: false; error: string; params?: Record<string, string>; usage?: false };

/** What the conversation an asker types in can do beyond replying (only the console has one). */
export interface Session {
  /** Speak as another rep from the next line on (/rapport as). */
  switchUser(userId: string): void;
  /** A file on this machine named by path, as an upload (the console's attachments); null when there is none. */
  openFile?(path: string): Upload | null;
}

export interface CommandContext {
  actor: Actor;
  /** Where the asker is talking from, and who they are there (a platform user id; the console: what it was started as). */
  platform: Platform;
  userId: string;
  locale: Locale;
  timeZone: string;
  currency: string;
  t: Translate;
  clock: Clock;
  services: Services;
  session?: Session;
  /** Files the asker attached, by the name of the `attachment` option they fill. */
  files: Readonly<Record<string, Upload>>;
  /** Writes an audit row for the actor at the clock's now: every lookup and every change. */
  audit(action: string, target: string, detail?: string): Promise<void>;
  /**
   * A button that runs `invocation`; `display` gives option values as a person types them
   * (a customer's external id rather than its internal id) for the typed line, and `asTyped`
   * the whole typed request when the payload carries a stand-in for it (a saved filter's id).
   */
  button(label: string, invocation: Invocation, options?: { style?: CommandAction['style']; display?: OptionValues; asTyped?: OptionValues }): CommandAction;
  /** The nudge whose button ran the command: its message is redrawn by the reply itself, so updates elsewhere leave it alone. */
  fromNudge?: number;
}

/**
 * What a `guest` command runs with: the asker may not be linked to a rep yet (`actor` null),
 * in the installation's default language and time zone.
 */
export type GuestContext = Omit<CommandContext, 'actor'> & { actor: Actor | null };

/**
 * One chat command: its name as typed ("customer lookup"), its i18n key, the least role that
 * may run it (checked by the dispatcher, not by the command), its declared options (which
 * feed /help, typed-text parsing, forms, Discord registration and autocomplete), a zod schema
 * from option values to typed arguments (the same for typed text, buttons, forms and Discord),
 * and the handler.
 */
export interface CommandDefinition<Args = unknown> {
  name: string;
  /** Other names it may be typed as (`rapport help` where a platform reserves `/help`). */
  aliases?: readonly string[];
  key: CommandKey;
  requires: Role;
  options: readonly OptionSpec[];
  /** Only these platforms offer the command (default: all). */
  platforms?: readonly Platform[];
  /**
   * Also runs for a chat user no rep is linked to yet (`/rapport claim <code>`): then `run`
   * gets a `GuestContext` whose actor is null. `requires` still applies to linked users.
   */
  guest?: true;
  /**
   * Reads a typed line (after the command name) into option values where the generic reader
   * cannot: a time expression inside free text. Returns an i18n key when it cannot.
   */
  parseText?(line: string, ctx: Pick<GuestContext, 'clock' | 'timeZone'>): Promise<ParsedText>;
  args: z.ZodType<Args, OptionValues>;
  run(args: Args, ctx: CommandContext): Promise<Reply>;
}

/** Keeps each command's Args type checked while the registry holds them side by side. */
export function defineCommand<Args>(command: CommandDefinition<Args>): CommandDefinition<Args> {
  return command;
}

/** A command of any argument type, as the registry and dispatcher hold them. */
// `any`: run() is contravariant in Args; the dispatcher feeds it the output of the same command's own schema.
export type AnyCommand = CommandDefinition<any>;
