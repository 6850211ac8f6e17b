import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { en } from '../i18n/locales/en.js';
import type { Actor, Role } from '../domain/actor.js';
import type { Platform } from '../domain/platform.js';
import type { Invocation, OptionSpec, OptionValues } from './options.js';
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

/** What the conversation an asker types in can do beyond replying (the console can switch who it speaks as). */
export interface Session {
  switchUser(userId: string): void;
}

export interface CommandContext {
  actor: Actor;
  /** Where the asker is talking from. */
  platform: Platform;
  locale: Locale;
  timeZone: string;
  currency: string;
  t: Translate;
  clock: Clock;
  services: Services;
  session?: Session;
  /** Writes an audit row for the actor at the clock's now: every lookup and every change. */
  audit(action: string, target: string, detail?: string): Promise<void>;
  /**
   * A button that runs `invocation`; `display` gives option values as a person types them
   * (a customer's external id rather than its internal id) for the typed line, and `asTyped`
   * the whole typed request when the payload carries a stand-in for it (a saved filter's id).
   */
  button(label: string, invocation: Invocation, options?: { style?: CommandAction['style']; display?: OptionValues; asTyped?: OptionValues }): CommandAction;
}

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
   * Reads a typed line (after the command name) into option values where the generic reader
   * cannot: a time expression inside free text. Returns an i18n key when it cannot.
   */
  parseText?(line: string, ctx: CommandContext): Promise<ParsedText>;
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
