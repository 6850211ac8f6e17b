import { parseArgs } from 'node:util';
import { ApplicationCommandOptionType } from 'discord.js';
import type { CommandInfo } from '../../commands/app.js';
import { applicationCommands } from './application-commands.js';
import { createRest, DiscordApi } from './discord-api.js';
import type { DiscordConfig } from './discord-adapter.js';

export interface RegisterResult {
  commands: number;
  subcommands: number;
  /** A guild id, or null for global commands. */
  guildId: string | null;
}

/**
 * Writes the application commands built from the core's declarations with one bulk overwrite:
 * running it again with the same declarations leaves Discord exactly as it was, and commands
 * that were removed from the core disappear from Discord.
 */
export async function registerCommands(api: DiscordApi, commands: readonly CommandInfo[], guildId?: string): Promise<RegisterResult> {
  const payload = applicationCommands(commands, guildId ? 'guild' : 'global');
  await api.overwriteCommands(payload, guildId);
  const subcommands = payload
    .flatMap((command) => command.options ?? [])
    .reduce((sum, o) => sum + (o.type === ApplicationCommandOptionType.Subcommand ? 1 : o.type === ApplicationCommandOptionType.SubcommandGroup ? (o.options?.length ?? 0) : 0), 0);
  return { commands: payload.length, subcommands, guildId: guildId ?? null };
}

export interface RegisterCliDeps {
  commands: readonly CommandInfo[];
  discord: DiscordConfig | undefined;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = 'Usage: npm run discord:register [-- --guild <server id>]';

/**
 * `discord:register [--guild <id>]`: registers the commands in one guild (instant, for trying
 * changes) or, without a guild, globally for every server and DMs with the bot. The guild
 * defaults to DISCORD_GUILD_ID. Exit codes: 0 registered, 1 Discord refused, 2 bad arguments.
 */
export async function runDiscordRegister(args: string[], deps: RegisterCliDeps): Promise<number> {
  let guild: string | undefined;
  try {
    guild = parseArgs({ args, options: { guild: { type: 'string' } } }).values.guild;
  } catch (error) {
    deps.stderr.write(`rapport discord:register: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (guild !== undefined && !/^\d{1,20}$/.test(guild)) {
    deps.stderr.write(`rapport discord:register: --guild must be a server id (digits), got "${guild}"\n`);
    return 2;
  }
  if (!deps.discord) {
    deps.stderr.write('rapport discord:register: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID first (see README "Discord")\n');
    return 2;
  }
  const guildId = guild ?? deps.discord.guildId;
  const api = new DiscordApi(createRest(deps.discord.botToken, deps.discord.apiUrl), deps.discord.applicationId);
  try {
    const result = await registerCommands(api, deps.commands, guildId);
    const where = result.guildId ? `in server ${result.guildId}` : 'globally (every server and DMs with the bot)';
    deps.stdout.write(`Registered ${result.commands} commands with ${result.subcommands} subcommands ${where}.\n`);
    return 0;
  } catch (error) {
    deps.stderr.write(`rapport discord:register: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
