import type { webApi } from '@slack/bolt';
import type { CommandInfo } from '../../commands/app.js';
import { commandText } from '../../commands/command.js';
import { typedLine } from '../../commands/typed-text.js';
import { translator } from '../../i18n/index.js';
import { cut } from './block-kit.js';
import { SLACK_EVENTS_PATH } from './slack-adapter.js';
import { slackCommands, slashCommandNames } from './slash-commands.js';

export type SlackManifest = webApi.AppsManifestCreateArguments['manifest'];

/** Where the committed HTTP-mode manifest points; `npm run slack:manifest -- --url …` puts in yours. */
export const PLACEHOLDER_REQUEST_URL = `https://rapport.example.com${SLACK_EVENTS_PATH}`;

/**
 * The bot scopes Rapport asks for, and why (README's Slack section shows the same list):
 * - commands: the slash commands.
 * - chat:write: replies, nudges in DMs and team channels, updating a nudge after Done.
 * - im:write: opening the DM with a rep for their nudges (conversations.open).
 * - im:history: receiving CSV files shared in the DM for import (message.im events).
 * - users:read, users:read.email: linking a Slack user to the rep with the same email.
 * - files:read: downloading a shared CSV; files:write: the digest chart and rejects files.
 */
export const BOT_SCOPES = ['commands', 'chat:write', 'im:write', 'im:history', 'users:read', 'users:read.email', 'files:read', 'files:write'] as const;

/** Events: the Home tab opening, and messages in the bot's DM (file uploads for import). */
export const BOT_EVENTS = ['app_home_opened', 'message.im'] as const;

/**
 * The Slack app manifest, generated from the command declarations: one slash command per
 * top-level word, its usage hint from every command under it (in English: a manifest has one
 * language), the bot scopes and events above, App Home, interactivity, and either Socket Mode
 * or the HTTP request URL.
 */
export function buildSlackManifest(options: { commands: readonly CommandInfo[]; socketMode: boolean; requestUrl?: string }): SlackManifest {
  if (options.requestUrl !== undefined && !/^https:\/\/[^/\s]+\/\S*$/.test(options.requestUrl)) {
    throw new Error(`the request URL must be the https URL Slack should call, e.g. ${PLACEHOLDER_REQUEST_URL} (got ${options.requestUrl})`);
  }
  const t = translator('en');
  const url = options.socketMode ? undefined : (options.requestUrl ?? PLACEHOLDER_REQUEST_URL);
  const commands = slackCommands(options.commands);
  const slashCommands = slashCommandNames(options.commands).map((word) => {
    const own = commands.find((command) => command.name === word);
    const under = commands.filter((command) => command.name.startsWith(`${word} `));
    const subcommands = under.map((command) => command.name.slice(word.length + 1));
    const description = [own ? t(commandText(own.key, 'summary')) : null, subcommands.length > 0 ? subcommands.join(' · ') : null]
      .filter((part): part is string => part !== null)
      .join(' — ');
    const usages = [own, ...under]
      .filter((command): command is CommandInfo => command !== undefined)
      .map((command) => typedLine(command, {}, t, 'all').replace(new RegExp(`^/${word}\\s*`), ''))
      .filter((usage) => usage !== '');
    return {
      command: `/${word}`,
      description: cut(description, 2000),
      ...(usages.length > 0 ? { usage_hint: cut(usages.join(' · '), 1000) } : {}),
      should_escape: false,
      ...(url ? { url } : {}),
    };
  });
  return {
    _metadata: { major_version: 2, minor_version: 1 },
    display_information: {
      name: 'Rapport',
      description: 'Customer value tiers, churn risk and reminders for sales teams, in Slack.',
      background_color: '#1d3557',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      bot_user: { display_name: 'Rapport', always_online: true },
      slash_commands: slashCommands,
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: { bot_events: [...BOT_EVENTS], ...(url ? { request_url: url } : {}) },
      interactivity: { is_enabled: true, ...(url ? { request_url: url } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode,
      token_rotation_enabled: false,
    },
  };
}
