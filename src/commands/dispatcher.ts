import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { bookScope, hasRole, type Actor, type Role } from '../domain/actor.js';
import { HELP_COMMAND, isChatPlatform, type ChatPlatform, type Platform } from '../domain/platform.js';
import { isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import type { App, CompleteInput, Requester, Upload } from './app.js';
import { createButtonMaker } from './buttons.js';
import type { AnyCommand, CommandContext, GuestContext, Session } from './command.js';
import { choiceLabel, formFor } from './forms.js';
import { decodeInvocation, MAX_CHOICES, optionValuesSchema, type Choice, type Invocation, type OptionValues } from './options.js';
import type { Services } from './ports.js';
import { reply, type Reply } from './reply.js';
import { fold, MAX_LINE_LENGTH, parseTypedLine, stripInvisible, typedLine } from './typed-text.js';

export interface DispatcherDeps {
  commands: readonly AnyCommand[];
  services: Services;
  clock: Clock;
  logger: Pick<Logger, 'error'>;
  defaults: { locale: Locale; timeZone: string; currency: string };
  /** Workspaces the configuration says are served (DISCORD_GUILD_ID), beside those teams list. */
  workspaces?: Partial<Record<ChatPlatform, readonly string[]>>;
}

/**
 * The core as adapters see it. Typed lines, Discord's structured commands, button presses and
 * form submissions all end in the same steps: who is asking, which command, allowed, options
 * valid (one zod schema per command), run. Every failure is a one-line reply in the asker's
 * language; nothing here throws to an adapter.
 */
export function createDispatcher(deps: DispatcherDeps): App {
  const names = deps.commands.flatMap((command) => [command.name, ...(command.aliases ?? [])].map((name) => ({ name, command })));
  const byLongestName = names.sort((a, b) => b.name.length - a.name.length);
  const offered = (command: AnyCommand, requester: Requester) => !command.platforms || command.platforms.includes(requester.platform);
  const named = (name: string, requester: Requester) => {
    const command = deps.commands.find((c) => c.name === name.trim().toLowerCase());
    return command && offered(command, requester) ? command : undefined;
  };

  /** The command a typed line starts with (its words match in any case and width: "/Customer ＬＯＯＫＵＰ"), and the rest as typed. */
  function matchCommand(line: string): { command: AnyCommand; rest: string } | null {
    const parts = line.split(/(\s+)/);
    const words = parts.filter((_, i) => i % 2 === 0).map((w) => fold(w).toLowerCase());
    for (const { name, command } of byLongestName) {
      const n = name.split(' ').length;
      if (words.slice(0, n).join(' ') === name) return { command, rest: parts.slice(2 * n - 1).join('') };
    }
    return null;
  }

  /**
   * Resolves who is asking and runs `handle` as them. A user no rep is linked to gets the
   * not-linked line, unless `guest` says the request is for a guest command (`/rapport claim`).
   */
  async function asActor(
    requester: Requester,
    session: Session | undefined,
    handle: (ctx: GuestContext) => Promise<Reply>,
    options: { guest?: (t: Translate) => boolean; fromNudge?: number; files?: Readonly<Record<string, Upload>> } = {},
  ): Promise<Reply> {
    const actor = await deps.services.identities.resolve(requester.platform, requester.userId);
    const ctx = contextFor(actor, requester, session, options);
    if (!actor && !options.guest?.(ctx.t)) return notLinked(requester);
    return handle(ctx);
  }

  function notLinked(requester: Requester): Reply {
    const t = translatorFor(deps.defaults.locale, requester.platform);
    return reply.text(
      requester.platform === 'console'
        ? t('common.unknownConsoleUser', { userId: requester.userId })
        : t('common.notLinked', { platform: requester.platform, userId: requester.userId }),
    );
  }

  function contextFor(
    actor: Actor | null,
    requester: Requester,
    session: Session | undefined,
    { fromNudge, files = {} }: { fromNudge?: number; files?: Readonly<Record<string, Upload>> } = {},
  ): GuestContext {
    const locale = actor && isLocale(actor.locale) ? actor.locale : deps.defaults.locale;
    const t = translatorFor(locale, requester.platform);
    return {
      actor,
      platform: requester.platform,
      userId: requester.userId,
      locale,
      timeZone: actor?.timeZone ?? deps.defaults.timeZone,
      currency: deps.defaults.currency,
      t,
      clock: deps.clock,
      services: deps.services,
      ...(session ? { session } : {}),
      ...(fromNudge ? { fromNudge } : {}),
      files,
      audit: (action, target, detail = '') => deps.services.audit.record({ at: deps.clock.now(), repId: actor?.repId ?? null, action, target, detail }),
      button: createButtonMaker(deps.commands, t),
    };
  }

  /** Whether the asker may run the command: its role for a linked user; a guest command for anyone. */
  function refusal(command: AnyCommand, ctx: GuestContext): Reply | null {
    if (!ctx.actor) return command.guest ? null : notLinked(ctx);
    return hasRole(ctx.actor, command.requires) ? null : forbidden(command.requires, `/${command.name}`, ctx.t);
  }

  /**
   * Runs a command on option values, typed or structured alike: one schema, one reply. Every
   * option but free text is folded (NFKC), so full-width `Ｅｍｍａ` finds Emma.
   */
  async function run(command: AnyCommand, values: OptionValues, ctx: GuestContext): Promise<Reply> {
    const folded = Object.fromEntries(
      Object.entries(values).map(([name, value]) => {
        const text = command.options.find((o) => o.name === name)?.type === 'text';
        return [name, typeof value === 'string' ? (text ? stripInvisible(value) : fold(value)) : value];
      }),
    );
    const parsed = command.args.safeParse(folded);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const params = issue && 'params' in issue ? (issue.params as Record<string, string> | undefined) : undefined;
      return usageError(command, issue?.message, ctx.t, params);
    }
    try {
      // A null actor reaches only guest commands (see `refusal`), whose run takes a GuestContext.
      return await command.run(parsed.data, ctx as CommandContext);
    } catch (error) {
      deps.logger.error({ err: error, command: command.name, repId: ctx.actor?.repId ?? null }, 'command failed');
      return reply.error(ctx.t('common.internalError', { command: `/${command.name}` }));
    }
  }

  function typed(input: Requester & { text: string }, session: Session | undefined, files?: Readonly<Record<string, Upload>>): Promise<Reply> {
    const guest = () => {
      const text = stripInvisible(input.text).trim();
      return fold(text.slice(0, 1)).startsWith('/') && matchCommand(text.slice(1))?.command.guest === true;
    };
    return asActor(input, session, async (ctx) => {
      const { t } = ctx;
      const text = stripInvisible(input.text).trim();
      if (text === '') return reply.text(t('common.emptyInput'));
      if (text.length > MAX_LINE_LENGTH) return reply.error(t('common.lineTooLong', { max: MAX_LINE_LENGTH, length: text.length }));
      if (!fold(text.slice(0, 1)).startsWith('/')) return reply.text(t('common.notACommand'));
      const found = matchCommand(text.slice(1));
      if (!found) return reply.error(t('common.unknownCommand', { command: `/${fold(text.slice(1).split(/\s+/)[0] ?? '')}` }));
      const { command, rest } = found;
      if (!offered(command, input)) return reply.error(t('common.notOnPlatform', { command: `/${command.name}`, platform: t(`platform.${input.platform}`) }));
      const refused = refusal(command, ctx);
      if (refused) return refused;
      const parsed = command.parseText ? await command.parseText(rest, ctx) : parseTypedLine(rest, command.options);
      if (!parsed.ok) return parsed.usage === false ? reply.error(t(parsed.error, parsed.params)) : usageError(command, parsed.error, t, parsed.params);
      return run(command, parsed.values, ctx);
    }, { guest, files });
  }

  /**
   * A command with option values (Discord, a button, a form). Unknown options are refused;
   * strings are normalised as typed text is. `ask`: a button whose invocation lacks required
   * options (or asks for a form) gets the form instead of an error.
   */
  function invoke(requester: Requester, invocation: Invocation, ask: boolean, session?: Session, files?: Readonly<Record<string, Upload>>): Promise<Reply> {
    const guest = () => named(invocation.command, requester)?.guest === true;
    return asActor(requester, session, async (ctx) => {
      const { t } = ctx;
      const command = named(invocation.command, requester);
      if (!command) return reply.error(t('common.unknownCommand', { command: `/${invocation.command}` }));
      const refused = refusal(command, ctx);
      if (refused) return refused;
      const values = optionValuesSchema.safeParse(invocation.options);
      const unknown = values.success ? Object.keys(values.data).find((name) => !command.options.some((o) => o.name === name)) : undefined;
      if (!values.success || unknown !== undefined) return usageError(command, 'common.badOptions', t);
      // A form's empty optional field is an option not given.
      const normalized = Object.fromEntries(Object.entries(values.data).filter(([, value]) => value !== ''));
      const missing = command.options.some((o) => o.required && normalized[o.name] === undefined);
      if (ask && linked(ctx) && (missing || invocation.form)) return formFor(command, { ...invocation, options: normalized }, ctx);
      const result = await run(command, normalized, ctx);
      return invocation.nudgeId && linked(ctx) ? refreshed(invocation.nudgeId, result, ctx) : result;
    }, { guest, fromNudge: invocation.nudgeId, files });
  }

  /**
   * A button on a nudge (an agenda, a callback ping) changed something: the message it was on
   * is drawn again from the current state and replaces the original, headed by what happened.
   * When the nudge is no longer worth showing (its callback is done), the reply replaces it.
   */
  async function refreshed(nudgeId: number, result: Reply, ctx: CommandContext): Promise<Reply> {
    if (result.blocks.some((b) => b.type === 'text' && b.tone === 'error') || result.blocks.some((b) => b.type === 'form')) return result;
    const again = await ctx.services.nudges.redraw(nudgeId, ctx.actor);
    if (!again) return { ...result, placement: 'replace' };
    const headline = result.blocks.filter((b) => b.type === 'text').map((b) => ({ ...b, tone: 'muted' as const }));
    return { visibility: again.visibility, placement: 'replace', blocks: [...headline, ...again.blocks] };
  }

  async function complete(input: CompleteInput): Promise<Choice[]> {
    const actor = await deps.services.identities.resolve(input.platform, input.userId);
    if (!actor) return [];
    const command = named(input.command, input);
    const spec = command?.options.find((o) => o.name === input.option);
    if (!command || !spec || !hasRole(actor, command.requires)) return [];
    const prefix = fold(input.prefix).trim().slice(0, 100);
    const ctx = contextFor(actor, input, undefined);
    const starts = (label: string) => label.toLowerCase().startsWith(prefix.toLowerCase());
    switch (spec.type) {
      case 'customer': {
        const found = await deps.services.customers.complete(prefix, bookScope(actor), MAX_CHOICES);
        return found.map((c) => ({ label: `${c.name} (${c.externalId})`.slice(0, 100), value: `#${c.id}` }));
      }
      case 'rep': {
        const reps = await deps.services.identities.assignableReps(actor, 1000);
        return reps
          .filter((r) => prefix === '' || r.name.toLowerCase().includes(prefix.toLowerCase()) || r.email.startsWith(prefix.toLowerCase()))
          .slice(0, MAX_CHOICES)
          .map((r) => ({ label: `${r.name} <${r.email}>`.slice(0, 100), value: r.email }));
      }
      case 'choice':
        return (spec.choices ?? [])
          .map((value) => ({ label: choiceLabel(command, spec, value, ctx), value }))
          .filter((c) => prefix === '' || starts(c.label) || starts(String(c.value)))
          .slice(0, MAX_CHOICES);
      case 'time':
        return (spec.presets ?? [])
          .map((value) => ({ label: ctx.t(`common.presets.${value}`, { defaultValue: value }), value }))
          .filter((c) => prefix === '' || starts(c.label) || starts(String(c.value)))
          .slice(0, MAX_CHOICES);
      default:
        return [];
    }
  }

  return {
    commands: deps.commands,
    dispatch(input) {
      const { session, files, ...request } = input;
      if ('text' in request) return typed(request, session, files);
      return invoke(request, { command: request.command, options: request.options }, false, session, files);
    },
    handleAction(input) {
      const invocation = decodeInvocation(input.payload);
      if (!invocation) return asActor(input, undefined, async (ctx) => reply.error(ctx.t('common.staleAction')));
      return invoke(input, invocation, true);
    },
    submitForm(input) {
      const invocation = decodeInvocation(input.payload);
      if (!invocation) return asActor(input, undefined, async (ctx) => reply.error(ctx.t('common.staleAction')));
      const { form: _, ...rest } = invocation;
      return invoke(input, { ...rest, options: { ...invocation.options, ...input.values } }, false);
    },
    home: (requester) => invoke(requester, { command: 'rapport today', options: {} }, false),
    async linkByEmail({ platform, userId, email }) {
      if (!isChatPlatform(platform)) return 'no-rep-with-email';
      if (await deps.services.identities.resolve(platform, userId)) return 'already-linked';
      const rep = await deps.services.identities.findRep(email.trim().toLowerCase());
      if (!rep || rep.email !== email.trim().toLowerCase()) return 'no-rep-with-email';
      if (rep.addresses[platform]) return 'rep-linked-to-someone-else';
      await deps.services.identities.link(rep.id, platform, userId);
      await deps.services.audit.record({ at: deps.clock.now(), repId: rep.id, action: 'rep.autolink', target: `rep:${rep.id}`, detail: JSON.stringify({ platform, userId, email: rep.email }) });
      return 'linked';
    },
    async servesWorkspace({ platform, workspaceId }) {
      const configured = deps.workspaces?.[platform] ?? [];
      if (configured.includes(workspaceId)) return true;
      const { listed, anyListed } = await deps.services.teams.workspaceListed(platform, workspaceId);
      return listed || (!anyListed && configured.length === 0);
    },
    complete: (input) =>
      complete(input).catch((error: unknown) => {
        deps.logger.error({ err: error, command: input.command, option: input.option }, 'autocomplete failed');
        return [];
      }),
  };
}

function linked(ctx: GuestContext): ctx is CommandContext {
  return ctx.actor !== null;
}

/** A translator whose texts name /help as it is typed where the asker is. */
function translatorFor(locale: Locale, platform: Platform): Translate {
  const t = translator(locale);
  return ((key: string, options?: Record<string, unknown>) => t(key, { help: HELP_COMMAND[platform], ...options })) as Translate;
}

function forbidden(role: Role, what: string, t: Translate): Reply {
  return reply.error(t('common.forbidden', { role: t(`role.${role}`), command: what }));
}


/** Schema messages are i18n keys when a command wrote a specific one; the usage line always follows. */
function usageError(command: AnyCommand, message: string | undefined, t: Translate, params: Record<string, string> = {}): Reply {
  const usage = t('common.usage', { usage: typedLine(command, {}, t, 'all') });
  const specific = message && t(message, { ...params, defaultValue: '' });
  return reply.error(specific ? `${specific}\n${usage}` : usage);
}
