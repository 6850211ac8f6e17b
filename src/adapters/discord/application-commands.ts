import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandOption,
  type APIApplicationCommandSubcommandOption,
  type LocalizationMap,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandInfo } from '../../commands/app.js';
import { commandText } from '../../commands/command.js';
import type { OptionSpec } from '../../commands/options.js';
import { translator, type Locale } from '../../i18n/index.js';
import { cut } from './discord-text.js';
import { LIMITS } from './discord-limits.js';

/**
 * Discord cannot run `/callback` itself once `/callback done` exists (a command with
 * subcommands is not invocable), so a bare core command beside its own subcommands is
 * registered as this subcommand: `callback` → `/callback new`.
 */
export const BARE_SUBCOMMAND = 'new';

/** Discord's rule for chat-input command and option names. */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

const DISCORD_LOCALES: Record<Locale, 'en-US' | 'zh-CN'> = { en: 'en-US', 'zh-CN': 'zh-CN' };

function discordPath(info: CommandInfo, all: readonly CommandInfo[]): string[] {
  const words = info.name.split(' ');
  const hasSubcommands = all.some((other) => other.name.startsWith(`${info.name} `));
  return words.length === 1 && hasSubcommands ? [words[0]!, BARE_SUBCOMMAND] : words;
}

/** The commands Discord offers: console-only ones (`rapport as`) are not registered. */
function offeredOnDiscord(commands: readonly CommandInfo[]): CommandInfo[] {
  return commands.filter((info) => !info.platforms || info.platforms.includes('discord'));
}

/** Where each registered Discord command path (`callback new`) leads in the core (`callback`). */
export function commandRoutes(all: readonly CommandInfo[]): Map<string, string> {
  const commands = offeredOnDiscord(all);
  return new Map(commands.map((info) => [discordPath(info, commands).join(' '), info.name]));
}

class Texts {
  readonly #t = { en: translator('en'), 'zh-CN': translator('zh-CN') };

  /** The key in both languages; '' where a language lacks it. */
  lookup(key: string): Record<Locale, string> {
    return { en: this.#t.en(key, { defaultValue: '' }), 'zh-CN': this.#t['zh-CN'](key, { defaultValue: '' }) };
  }

  /** A description (1–100 characters) with its en-US and zh-CN localisations; `fallback` where the key is missing. */
  description(key: string, fallback: (locale: Locale) => string): { description: string; description_localizations: LocalizationMap } {
    const found = this.lookup(key);
    const text = (locale: Locale) => cut((found[locale] || fallback(locale)).trim() || '—', LIMITS.commandDescription);
    return {
      description: text('en'),
      description_localizations: { [DISCORD_LOCALES.en]: text('en'), [DISCORD_LOCALES['zh-CN']]: text('zh-CN') },
    };
  }

  /**
   * Localised names of sibling commands or options, where the catalogue has a valid one that
   * no sibling already uses in that language (Discord rejects duplicates).
   */
  names(siblings: readonly string[]): Map<string, LocalizationMap> {
    const out = new Map<string, LocalizationMap>(siblings.map((name) => [name, {}]));
    for (const locale of Object.keys(DISCORD_LOCALES) as Locale[]) {
      const used = new Set<string>();
      for (const name of siblings) {
        const local = this.lookup(`discord.names.${name}`)[locale];
        if (!local || !NAME.test(local) || local !== local.toLowerCase() || used.has(local)) continue;
        used.add(local);
        out.get(name)![DISCORD_LOCALES[locale]] = local;
      }
    }
    return out;
  }
}

function checkName(name: string, what: string): string {
  if (!NAME.test(name) || name !== name.toLowerCase()) throw new Error(`${what} "${name}" is not a valid Discord name (lowercase letters, digits, - _ ', at most 32)`);
  return name;
}

function optionType(spec: OptionSpec): ApplicationCommandOptionType {
  switch (spec.type) {
    case 'number':
      return ApplicationCommandOptionType.Integer;
    case 'boolean':
      return ApplicationCommandOptionType.Boolean;
    case 'attachment':
      return ApplicationCommandOptionType.Attachment;
    default:
      return ApplicationCommandOptionType.String;
  }
}

/** Choice names in both languages from the core's `choices.<value>` keys; the value itself where there is none. */
function choiceList(spec: OptionSpec, prefix: string, texts: Texts): APIApplicationCommandOptionChoice[] {
  return (spec.choices ?? []).map((value) => {
    const found = texts.lookup(`${prefix}.options.${spec.name}.choices.${value}`);
    const name = (locale: Locale) => cut(found[locale] || value, LIMITS.choiceName);
    return { name: name('en'), name_localizations: { [DISCORD_LOCALES.en]: name('en'), [DISCORD_LOCALES['zh-CN']]: name('zh-CN') }, value };
  });
}

function basicOption(spec: OptionSpec, info: CommandInfo, texts: Texts, localizedName: LocalizationMap): APIApplicationCommandBasicOption {
  const prefix = commandText(info.key, 'summary').replace(/\.summary$/, '');
  const choices = spec.type === 'choice' ? (spec.choices ?? []) : [];
  // Over 25 choices Discord cannot list them; autocomplete offers them instead.
  const autocomplete = spec.type === 'customer' || spec.type === 'rep' || spec.autocomplete === true || choices.length > LIMITS.commandChoices;
  const option = {
    type: optionType(spec),
    name: checkName(spec.name, `Option of "${info.name}"`),
    ...(Object.keys(localizedName).length > 0 ? { name_localizations: localizedName } : {}),
    ...texts.description(`${prefix}.options.${spec.name}.description`, (locale) => texts.lookup(`discord.optionType.${spec.type}`)[locale]),
    required: spec.required === true,
    ...(spec.type === 'number' && spec.min !== undefined ? { min_value: spec.min } : {}),
    ...(spec.type === 'number' && spec.max !== undefined ? { max_value: spec.max } : {}),
    ...(spec.type === 'text' && spec.maxLength !== undefined ? { max_length: Math.min(spec.maxLength, LIMITS.stringOptionLength) } : {}),
    ...(autocomplete ? { autocomplete: true } : choices.length > 0 ? { choices: choiceList(spec, prefix, texts) } : {}),
  };
  return option as APIApplicationCommandBasicOption;
}

function basicOptions(info: CommandInfo, texts: Texts): APIApplicationCommandBasicOption[] {
  if (info.options.length > LIMITS.commandOptions) throw new Error(`"${info.name}" declares ${info.options.length} options; Discord takes at most ${LIMITS.commandOptions}`);
  const names = texts.names(info.options.map((o) => o.name));
  // Discord wants required options before optional ones.
  const ordered = [...info.options.filter((o) => o.required), ...info.options.filter((o) => !o.required)];
  return ordered.map((spec) => basicOption(spec, info, texts, names.get(spec.name)!));
}

interface Node {
  word: string;
  info?: CommandInfo;
  children: Map<string, Node>;
}

function subcommand(node: Node, texts: Texts, names: Map<string, LocalizationMap>): APIApplicationCommandSubcommandOption {
  const info = node.info!;
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: checkName(node.word, `Subcommand of "${info.name}"`),
    ...(Object.keys(names.get(node.word) ?? {}).length > 0 ? { name_localizations: names.get(node.word)! } : {}),
    ...texts.description(commandText(info.key, 'summary'), () => info.name),
    options: basicOptions(info, texts),
  };
}

function children(node: Node, texts: Texts, depth: number): APIApplicationCommandOption[] {
  const list = [...node.children.values()];
  if (list.length > LIMITS.commandOptions) throw new Error(`"${node.word}" has ${list.length} subcommands; Discord takes at most ${LIMITS.commandOptions}`);
  const names = texts.names(list.map((child) => child.word));
  return list.map((child) => {
    if (child.children.size === 0) return subcommand(child, texts, names);
    if (depth > 1 || child.info) throw new Error(`"${node.word} ${child.word}" nests too deep for Discord (command, group, subcommand)`);
    return {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: checkName(child.word, 'Subcommand group'),
      ...(Object.keys(names.get(child.word) ?? {}).length > 0 ? { name_localizations: names.get(child.word)! } : {}),
      ...texts.description(`discord.groups.${child.word}`, () => [...child.children.keys()].join(', ')),
      options: children(child, texts, depth + 1) as APIApplicationCommandSubcommandOption[],
    };
  });
}

/**
 * The application commands for Discord's bulk overwrite, from the core's declarations:
 * commands sharing a first word become one command with subcommands (`/customer lookup`),
 * options keep their declared names, types, required flags and choices, customer and rep
 * options autocomplete, and names and descriptions come in en-US and zh-CN. Global commands
 * also work in DMs with the bot. Throws one line naming the declaration Discord would refuse.
 */
export function applicationCommands(all: readonly CommandInfo[], scope: 'global' | 'guild'): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const texts = new Texts();
  const commands = offeredOnDiscord(all);
  const roots = new Map<string, Node>();
  for (const info of commands) {
    const path = discordPath(info, commands);
    let level = roots;
    let node: Node | undefined;
    for (const word of path) {
      node = level.get(word) ?? { word, children: new Map() };
      level.set(word, node);
      level = node.children;
    }
    node!.info = info;
  }
  const rootNames = texts.names([...roots.keys()]);
  return [...roots.values()].map((root) => ({
    type: ApplicationCommandType.ChatInput,
    name: checkName(root.word, 'Command'),
    ...(Object.keys(rootNames.get(root.word)!).length > 0 ? { name_localizations: rootNames.get(root.word)! } : {}),
    ...(root.info && root.children.size === 0
      ? { ...texts.description(commandText(root.info.key, 'summary'), () => root.word), options: basicOptions(root.info, texts) }
      : { ...texts.description(`discord.groups.${root.word}`, () => [...root.children.keys()].join(', ')), options: children(root, texts, 1) }),
    ...(scope === 'global' ? { contexts: [InteractionContextType.Guild, InteractionContextType.BotDM], integration_types: [ApplicationIntegrationType.GuildInstall] } : {}),
  }));
}
