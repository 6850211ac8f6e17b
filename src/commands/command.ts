import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { en } from '../i18n/locales/en.js';
import type { Actor, Role } from '../domain/actor.js';
import type { Reply } from './reply.js';
import type { Platform, Services } from './ports.js';

export type CommandKey =
  | keyof (typeof en)['commands']
  | `scheduler.commands.${keyof (typeof en)['scheduler']['commands']}`;

/** The i18n key of a command's summary, usage or example; feature catalogues keep their own (scheduler.commands.digest). */
export function commandText(key: CommandKey, field: 'summary' | 'usage' | 'example'): string {
  return key.includes('.') ? `${key}.${field}` : `commands.${key}.${field}`;
}

export interface CommandContext {
  actor: Actor;
  /** Where the asker is talking from; /rapport as exists only on the console. */
  platform: Platform;
  locale: Locale;
  timeZone: string;
  currency: string;
  t: Translate;
  clock: Clock;
  services: Services;
  /** Writes an audit row for the actor at the clock's now: every lookup and every change. */
  audit(action: string, target: string, detail?: string): Promise<void>;
}

/**
 * One chat command: its name as typed ("customer lookup"), its i18n key for summary/usage,
 * the least role that may run it (checked by the dispatcher, not by the command), a zod
 * schema from the parsed words and flags to typed arguments, and the handler.
 */
export interface CommandDefinition<Args = unknown> {
  name: string;
  key: CommandKey;
  requires: Role;
  /** Parses the ParsedArgs of the typed line into this command's typed arguments. */
  args: z.ZodType<Args>;
  run(args: Args, ctx: CommandContext): Promise<Reply>;
}

/** Keeps each command's Args type checked while the registry holds them side by side. */
export function defineCommand<Args>(command: CommandDefinition<Args>): CommandDefinition<Args> {
  return command;
}

/** A command of any argument type, as the registry and dispatcher hold them. */
// biome-ignore lint/suspicious/noExplicitAny: run() is contravariant in Args; the dispatcher feeds it the output of the same command's own schema.
export type AnyCommand = CommandDefinition<any>;
