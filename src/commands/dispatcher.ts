import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { hasRole } from '../domain/actor.js';
import { isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import { commandText, type AnyCommand, type CommandContext } from './command.js';
import { parseArgs } from './parse-args.js';
import type { Platform, Services } from './ports.js';
import { reply, type Reply } from './reply.js';

export interface DispatchInput {
  platform: Platform;
  userId: string;
  text: string;
}

export interface DispatcherDeps {
  commands: readonly AnyCommand[];
  services: Services;
  clock: Clock;
  logger: Logger;
  defaults: { locale: Locale; timeZone: string; currency: string };
}

export type Dispatch = (input: DispatchInput) => Promise<Reply>;

/** Flags that never take a value, across all commands (so "--complaint text" keeps its text). */
const BOOLEAN_FLAGS = ['complaint', 'json'] as const;

/**
 * The single way into the core: resolve who is asking, find the command, check the role it
 * requires, validate its arguments, run it. Every failure becomes a one-line reply in the
 * asker's language; nothing here throws to an adapter.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatch {
  const byLongestName = [...deps.commands].sort((a, b) => b.name.length - a.name.length);

  return async function dispatch(input) {
    const actor = await deps.services.identities.resolve(input.platform, input.userId);
    if (!actor) return reply.text(translator(deps.defaults.locale)('common.notLinked'));
    const locale = isLocale(actor.locale) ? actor.locale : deps.defaults.locale;
    const t = translator(locale);

    const text = input.text.trim();
    if (text === '') return reply.text(t('common.emptyInput'));
    if (!text.startsWith('/')) return reply.text(t('common.notACommand'));
    const line = text.slice(1);
    const command = byLongestName.find((c) => startsWithWords(line, c.name));
    if (!command) return reply.error(t('common.unknownCommand', { command: `/${line.split(/\s+/)[0]}` }));
    if (!hasRole(actor, command.requires)) {
      return reply.error(t('common.forbidden', { role: t(`role.${command.requires}`), command: `/${command.name}` }));
    }

    const parsed = command.args.safeParse(parseArgs(line.slice(command.name.length), BOOLEAN_FLAGS));
    if (!parsed.success) return usageError(command, parsed.error.issues[0]?.message, t);

    const ctx: CommandContext = {
      actor,
      locale,
      timeZone: actor.timeZone ?? deps.defaults.timeZone,
      currency: deps.defaults.currency,
      t,
      clock: deps.clock,
      services: deps.services,
    };
    try {
      return await command.run(parsed.data, ctx);
    } catch (error) {
      deps.logger.error({ err: error, command: command.name, repId: actor.repId }, 'command failed');
      return reply.error(t('common.internalError', { command: `/${command.name}` }));
    }
  };
}

function startsWithWords(line: string, name: string): boolean {
  const lower = line.toLowerCase();
  return lower === name || lower.startsWith(`${name} `) || lower.startsWith(`${name}\t`);
}

/** Schema messages are i18n keys when a command wrote a specific one; otherwise the usage line says it. */
function usageError(command: AnyCommand, message: string | undefined, t: Translate): Reply {
  const usage = t('common.usage', { usage: t(commandText(command.key, 'usage')) });
  const specific = message && t(message, { defaultValue: '' });
  return reply.error(specific ? `${specific}\n${usage}` : usage);
}
