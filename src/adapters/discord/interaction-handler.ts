import {
  ApplicationCommandOptionType,
  ComponentType,
  DiscordAPIError,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIApplicationCommandOptionChoice,
  type APIInteractionResponse,
} from 'discord.js';
import type { App, Upload } from '../../commands/app.js';
import type { Choice, OptionValues } from '../../commands/options.js';
import { renderText } from '../../commands/render-text.js';
import { reply as replies, type FormBlock, type Reply } from '../../commands/reply.js';
import { translator, type Locale, type Translate } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import type { DiscordApi } from './discord-api.js';
import { cut, escapeText } from './discord-text.js';
import { LIMITS } from './discord-limits.js';
import {
  commandDataSchema,
  componentDataSchema,
  interactionSchema,
  modalDataSchema,
  type AttachmentPayload,
  type CommandData,
  type CommandOptionPayload,
  type InteractionPayload,
} from './interaction-schema.js';
import { formModal, modalValues, selectValues } from './render-form.js';
import { renderMessage, type DiscordFile, type DiscordMessage } from './render-message.js';
import { downloadAttachment, formatSize } from './uploads.js';

/** How the first answer to an interaction reaches Discord: a REST callback (gateway) or the HTTP response. */
export interface Responder {
  respond(response: APIInteractionResponse, files: DiscordFile[]): Promise<void>;
}

export type InteractionHandler = (payload: unknown, responder: Responder) => Promise<void>;

export interface InteractionHandlerOptions {
  app: App;
  api: DiscordApi;
  /** Discord command path (`callback new`) → core command (`callback`). */
  routes: ReadonlyMap<string, string>;
  logger: Logger;
  /** Discord drops an interaction not answered within 3 s: work still running after this is deferred. */
  deferAfterMs: number;
  uploadLimitBytes: number;
}

const LATE = Symbol('late');

/** Resolves with the work's result, or LATE once `ms` pass first. */
function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(resolve, ms, LATE);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function localeOf(interaction: InteractionPayload): Locale {
  return interaction.locale?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** The subcommand path and the options of the leaf: `/customer lookup who:王芳` → [lookup], [who]. */
function flatten(options: readonly CommandOptionPayload[] | undefined): { path: string[]; leaves: CommandOptionPayload[] } {
  const nested = options?.find((o) => o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup);
  if (!nested) return { path: [], leaves: [...(options ?? [])] };
  const inner = flatten(nested.options);
  return { path: [nested.name, ...inner.path], leaves: inner.leaves };
}

/** One interaction being answered. */
interface Turn {
  interaction: InteractionPayload;
  userId: string;
  t: Translate;
  responder: Responder;
}

/**
 * Answers Discord interactions by asking the core: slash commands go to `dispatch`, buttons to
 * `handleAction`, select menus and modals to `submitForm`, autocomplete to `complete`. Work
 * that is not done within `deferAfterMs` is deferred (the user sees "thinking…") and its reply
 * edits the original response. A reply asking for a form opens a modal; a `replace` reply to a
 * button updates the button's message. Nothing here throws: bad payloads are logged and dropped.
 */
export function createInteractionHandler(options: InteractionHandlerOptions): InteractionHandler {
  const { app, api, logger } = options;

  /** The core promises never to throw; should it anyway, the user still gets one line. */
  const safely = (turn: Turn, work: Promise<Reply>): Promise<Reply> =>
    work.catch((error: unknown) => {
      logger.error({ err: error, interaction: turn.interaction.id }, 'the core threw while answering a Discord interaction');
      return replies.error(turn.t('discord.failed'));
    });

  /**
   * Sends a rendered reply; if Discord still refuses it (a 400 the renderer did not foresee),
   * logs why and sends the plain-text rendering instead, so the user is never left without one.
   */
  const withTextFallback = async (turn: Turn, reply: Reply, send: (message: DiscordMessage) => Promise<unknown>): Promise<void> => {
    const message = renderMessage(reply, turn.t);
    try {
      await send(message);
    } catch (error) {
      if (!(error instanceof DiscordAPIError) || error.status !== 400) throw error;
      logger.error({ err: error, interaction: turn.interaction.id }, 'Discord refused a rendered reply; sending it as text');
      const content = cut(escapeText(renderText(reply)), LIMITS.content);
      await send({ body: { content, embeds: [], components: [], allowed_mentions: { parse: [] }, attachments: [] }, files: [] });
    }
  };

  /** A private reply must not replace a message others can see (a team-channel nudge). */
  const mayReplace = (turn: Turn, reply: Reply): boolean => {
    const { message, guild_id } = turn.interaction;
    if (reply.placement !== 'replace' || !message) return false;
    const ephemeral = ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    return reply.visibility === 'channel' || ephemeral || guild_id === undefined;
  };

  const flagsOf = (reply: Reply) => (reply.visibility === 'private' ? { flags: MessageFlags.Ephemeral } : {});

  /**
   * The first answer, in time: a modal for a form (where Discord allows one), an update of the
   * button's message for `replace`, else a new message.
   */
  const answerNow = async (turn: Turn, reply: Reply, canOpenModal: boolean): Promise<void> => {
    const form = reply.blocks.find((b): b is FormBlock => b.type === 'form');
    const modal = form && canOpenModal ? formModal(form) : null;
    if (modal) return turn.responder.respond({ type: InteractionResponseType.Modal, data: modal }, []);
    const replace = mayReplace(turn, reply);
    await withTextFallback(turn, reply, ({ body, files }) =>
      turn.responder.respond(
        replace
          ? { type: InteractionResponseType.UpdateMessage, data: body }
          : { type: InteractionResponseType.ChannelMessageWithSource, data: { ...body, ...flagsOf(reply) } },
        files,
      ),
    );
  };

  /**
   * Answers with `work`'s reply, deferring first when it takes longer than the budget.
   * Components (and modals opened from them) defer as "update later" so the reply can still
   * replace their message or follow up; commands defer as a private "thinking…" response.
   */
  const answer = async (turn: Turn, work: Promise<Reply>, from: 'command' | 'component', canOpenModal: boolean): Promise<void> => {
    const safe = safely(turn, work);
    const reply = await withinBudget(safe, options.deferAfterMs);
    if (reply !== LATE) return answerNow(turn, reply, canOpenModal);
    await turn.responder.respond(
      from === 'component'
        ? { type: InteractionResponseType.DeferredMessageUpdate }
        : { type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } },
      [],
    );
    const late = await safe;
    const token = turn.interaction.token;
    // After deferring, a modal can no longer be opened: a form shows as a select or a button on the message.
    if (from === 'command' || mayReplace(turn, late)) {
      await withTextFallback(turn, late, ({ body, files }) => api.editOriginal(token, body, files));
    } else {
      await withTextFallback(turn, late, ({ body, files }) => api.followUp(token, { ...body, ...flagsOf(late) }, files));
    }
  };

  const ephemeralLine = (turn: Turn, text: string) =>
    turn.responder.respond({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: escapeText(text), flags: MessageFlags.Ephemeral } }, []);

  /** An attached file, downloaded only when the core reads it (after its role check), within the size limit. */
  const uploadOf = (turn: Turn, attachment: AttachmentPayload): Upload => ({
    name: attachment.filename,
    size: attachment.size,
    async read() {
      const download = await downloadAttachment(attachment, options.uploadLimitBytes);
      if (download.ok) return download.bytes;
      const file = attachment.filename;
      throw new Error(
        download.reason === 'too-large'
          ? turn.t('discord.upload.tooLarge', { file, size: formatSize(download.size), limit: formatSize(options.uploadLimitBytes) })
          : turn.t('discord.upload.failed', { file, reason: download.detail }),
      );
    },
  });

  /** The core command and its option values for a slash command or its autocomplete. */
  const commandOf = (data: CommandData) => {
    const { path, leaves } = flatten(data.options);
    const discordPath = [data.name, ...path].join(' ');
    return { command: options.routes.get(discordPath) ?? discordPath, leaves };
  };

  const onCommand = async (turn: Turn): Promise<void> => {
    const data = commandDataSchema.safeParse(turn.interaction.data);
    if (!data.success) return ephemeralLine(turn, turn.t('discord.failed'));
    const { command, leaves } = commandOf(data.data);
    const values: OptionValues = {};
    const files: Record<string, Upload> = {};
    for (const leaf of leaves) {
      if (leaf.value === undefined) continue;
      if (leaf.type === ApplicationCommandOptionType.Attachment) {
        const attachment = data.data.resolved?.attachments?.[String(leaf.value)];
        if (!attachment) continue;
        // The option names the file; the bytes come through `files`.
        values[leaf.name] = attachment.filename;
        files[leaf.name] = uploadOf(turn, attachment);
        continue;
      }
      values[leaf.name] = leaf.value;
    }
    const uploads = Object.keys(files).length > 0 ? { files } : {};
    await answer(turn, app.dispatch({ platform: 'discord', userId: turn.userId, command, options: values, ...uploads }), 'command', true);
  };

  const onAutocomplete = async (turn: Turn): Promise<void> => {
    const data = commandDataSchema.safeParse(turn.interaction.data);
    const none = () => turn.responder.respond({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } }, []);
    if (!data.success) return none();
    const { command, leaves } = commandOf(data.data);
    const focused = leaves.find((leaf) => leaf.focused);
    if (!focused) return none();
    const filled: OptionValues = {};
    for (const leaf of leaves) {
      if (leaf === focused || leaf.value === undefined || leaf.type === ApplicationCommandOptionType.Attachment) continue;
      filled[leaf.name] = leaf.value;
    }
    const asked = app
      .complete({ platform: 'discord', userId: turn.userId, command, option: focused.name, prefix: String(focused.value ?? ''), options: filled })
      .catch((error: unknown) => {
        logger.error({ err: error, interaction: turn.interaction.id }, 'the core threw while completing a Discord option');
        return [] as Choice[];
      });
    // Autocomplete cannot be deferred: past the budget, no suggestions beat a failed interaction.
    const found = await withinBudget(asked, options.deferAfterMs);
    const integer = focused.type === ApplicationCommandOptionType.Integer;
    const choices: APIApplicationCommandOptionChoice[] = (found === LATE ? [] : found).flatMap((choice) => {
      const value = integer ? (typeof choice.value === 'number' ? choice.value : null) : String(choice.value);
      if (value === null || value === '' || String(value).length > LIMITS.choiceValue) return [];
      const name = cut(choice.label, LIMITS.choiceName) || String(value);
      return [{ name, value } as APIApplicationCommandOptionChoice];
    });
    await turn.responder.respond({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: choices.slice(0, LIMITS.autocompleteChoices) } }, []);
  };

  const onComponent = async (turn: Turn): Promise<void> => {
    const data = componentDataSchema.safeParse(turn.interaction.data);
    const base = { platform: 'discord' as const, userId: turn.userId };
    if (data.success && data.data.component_type === ComponentType.Button) {
      return answer(turn, app.handleAction({ ...base, payload: data.data.custom_id }), 'component', true);
    }
    if (data.success && data.data.component_type === ComponentType.StringSelect) {
      const values = selectValues(data.data.values ?? []);
      return answer(turn, app.submitForm({ ...base, payload: data.data.custom_id, values }), 'component', true);
    }
    // Nothing Rapport sends: acknowledge quietly so the user's client does not show a failure.
    await turn.responder.respond({ type: InteractionResponseType.DeferredMessageUpdate }, []);
  };

  const onModalSubmit = async (turn: Turn): Promise<void> => {
    const data = modalDataSchema.safeParse(turn.interaction.data);
    if (!data.success) return ephemeralLine(turn, turn.t('discord.failed'));
    const inputs = data.data.components.flatMap((row) => (row.component ? [row.component] : (row.components ?? [])));
    const work = app.submitForm({ platform: 'discord', userId: turn.userId, payload: data.data.custom_id, values: modalValues(inputs) });
    // Discord does not open a modal in answer to a modal.
    await answer(turn, work, turn.interaction.message ? 'component' : 'command', false);
  };

  const route = async (turn: Turn): Promise<void> => {
    const { interaction } = turn;
    if (interaction.guild_id && !(await app.servesWorkspace({ platform: 'discord', workspaceId: interaction.guild_id }))) {
      if (interaction.type === InteractionType.ApplicationCommandAutocomplete) {
        return turn.responder.respond({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } }, []);
      }
      return ephemeralLine(turn, turn.t('discord.guildNotSetUp', { guildId: interaction.guild_id }));
    }
    switch (interaction.type) {
      case InteractionType.ApplicationCommand:
        return onCommand(turn);
      case InteractionType.ApplicationCommandAutocomplete:
        return onAutocomplete(turn);
      case InteractionType.MessageComponent:
        return onComponent(turn);
      case InteractionType.ModalSubmit:
        return onModalSubmit(turn);
      default:
        logger.warn({ interaction: interaction.id, type: interaction.type }, 'ignored a Discord interaction of an unknown type');
    }
  };

  return async (payload, responder) => {
    const parsed = interactionSchema.safeParse(payload);
    if (!parsed.success) {
      logger.warn({ problem: parsed.error.issues[0]?.message, at: parsed.error.issues[0]?.path.join('.') }, 'ignored a malformed Discord interaction');
      return;
    }
    const interaction = parsed.data;
    if (interaction.type === InteractionType.Ping) return responder.respond({ type: InteractionResponseType.Pong }, []);
    const userId = interaction.member?.user.id ?? interaction.user?.id;
    if (!userId) {
      logger.warn({ interaction: interaction.id }, 'ignored a Discord interaction without a user');
      return;
    }
    const turn: Turn = { interaction, userId, t: translator(localeOf(interaction)), responder };
    try {
      await route(turn);
    } catch (error) {
      logger.error({ err: error, interaction: interaction.id, type: interaction.type }, 'could not answer a Discord interaction');
    }
  };
}
