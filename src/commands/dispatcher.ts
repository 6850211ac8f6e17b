import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { hasRole, type Actor, type Role } from '../domain/actor.js';
import { isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import { actionHandlers } from './actions.js';
import { commandText, type AnyCommand, type CommandContext } from './command.js';
import { parseArgs } from './parse-args.js';
import type { Platform, Services } from './ports.js';
import { actionPayloadSchema, reply, type Reply } from './reply.js';

export interface DispatchInput {
  platform: Platform;
  userId: string;
  text: string;
}

/** A button press: the payload as the platform gave it back (validated again here). */
export interface ActionInput {
  platform: Platform;
  userId: string;
  payload: unknown;
}

export interface DispatcherDeps {
  commands: readonly AnyCommand[];
  services: Services;
  clock: Clock;
  logger: Pick<Logger, 'error'>;
  defaults: { locale: Locale; timeZone: string; currency: string };
}

export type Dispatch = (input: DispatchInput) => Promise<Reply>;
export type HandleAction = (input: ActionInput) => Promise<Reply>;

/** Flags that never take a value, across all commands (so "--complaint text" keeps its text). */
const BOOLEAN_FLAGS = ['complaint', 'json'] as const;

/**
 * The way into the core for typed commands: resolve who is asking, find the command, check
 * the role it requires, validate its arguments, run it. Every failure becomes a one-line
 * reply in the asker's language; nothing here throws to an adapter.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatch {
  const byLongestName = [...deps.commands].sort((a, b) => b.name.length - a.name.length);

  return (input) =>
    asActor(deps, input, async (ctx) => {
      const { t } = ctx;
      const text = input.text.trim();
      if (text === '') return reply.text(t('common.emptyInput'));
      if (!text.startsWith('/')) return reply.text(t('common.notACommand'));
      const line = text.slice(1);
      const command = byLongestName.find((c) => startsWithWords(line, c.name));
      if (!command) return reply.error(t('common.unknownCommand', { command: `/${line.split(/\s+/)[0]}` }));
      if (!hasRole(ctx.actor, command.requires)) return forbidden(command.requires, `/${command.name}`, t);
      const parsed = command.args.safeParse(parseArgs(line.slice(command.name.length), BOOLEAN_FLAGS));
      if (!parsed.success) return usageError(command, parsed.error.issues[0]?.message, t);
      return guarded(deps, ctx, `/${command.name}`, () => command.run(parsed.data, ctx));
    });
}

/**
 * The way into the core for button presses. The payload is validated with the same schema
 * the buttons were built from, and the action runs with the same identity, role and book
 * checks as the command it stands for.
 */
export function createActionHandler(deps: DispatcherDeps): HandleAction {
  return (input) =>
    asActor(deps, input, async (ctx) => {
      const parsed = actionPayloadSchema.safeParse(input.payload);
      if (!parsed.success) return reply.error(ctx.t('common.staleAction'));
      const payload = parsed.data;
      const handler = actionHandlers[payload.action];
      if (!hasRole(ctx.actor, handler.requires)) return forbidden(handler.requires, ctx.t(`actions.${payload.action}`), ctx.t);
      // biome-ignore lint/suspicious/noExplicitAny: the handler is looked up by this payload's own action.
      return guarded(deps, ctx, ctx.t(`actions.${payload.action}`), () => handler.run(payload as any, ctx));
    });
}

/** Resolves the platform user to a rep and builds their context; unknown users get one line and nothing else. */
async function asActor(
  deps: DispatcherDeps,
  input: { platform: Platform; userId: string },
  handle: (ctx: CommandContext) => Promise<Reply>,
): Promise<Reply> {
  const actor = await deps.services.identities.resolve(input.platform, input.userId);
  if (!actor) return reply.text(translator(deps.defaults.locale)('common.notLinked', { platform: input.platform, userId: input.userId }));
  return handle(contextFor(actor, input.platform, deps));
}

function contextFor(actor: Actor, platform: Platform, deps: DispatcherDeps): CommandContext {
  const locale = isLocale(actor.locale) ? actor.locale : deps.defaults.locale;
  return {
    actor,
    platform,
    locale,
    timeZone: actor.timeZone ?? deps.defaults.timeZone,
    currency: deps.defaults.currency,
    t: translator(locale),
    clock: deps.clock,
    services: deps.services,
    audit: (action, target, detail = '') =>
      deps.services.audit.record({ at: deps.clock.now(), repId: actor.repId, action, target, detail }),
  };
}

async function guarded(deps: DispatcherDeps, ctx: CommandContext, what: string, run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (error) {
    deps.logger.error({ err: error, what, repId: ctx.actor.repId }, 'command failed');
    return reply.error(ctx.t('common.internalError', { command: what }));
  }
}

function forbidden(role: Role, what: string, t: Translate): Reply {
  return reply.error(t('common.forbidden', { role: t(`role.${role}`), command: what }));
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
