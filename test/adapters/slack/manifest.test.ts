import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BOT_SCOPES, buildSlackManifest, PLACEHOLDER_REQUEST_URL } from '../../../src/adapters/slack/manifest.js';
import { commands } from '../../../src/commands/registry.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const committed = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'slack', file), 'utf8')) as unknown;
type Json = Record<string, any>;

describe('the Slack app manifest', () => {
  it.each([
    ['manifest.json', false],
    ['manifest.socket-mode.json', true],
  ])('does match the committed slack/%s (regenerate with npm run slack:manifest)', (file, socketMode) => {
    expect(buildSlackManifest({ commands, socketMode })).toEqual(committed(file));
  });

  it('does register one slash command per top-level command, with /rapport help for /help', () => {
    const manifest = buildSlackManifest({ commands, socketMode: false }) as Json;
    const slash = manifest.features.slash_commands as Json[];
    expect(slash.map((c) => c.command)).toEqual(['/customer', '/complaint', '/complaints', '/winbacks', '/winback', '/callback', '/callbacks', '/digest', '/rapport']);
    const rapport = slash.find((c) => c.command === '/rapport')!;
    expect(rapport.usage_hint).toContain('help [command]');
    expect(rapport.usage_hint).not.toContain('as <');
    expect(slash.find((c) => c.command === '/customer')!.usage_hint.startsWith('lookup <name | email | phone | external id> · share <who> · history <who> [--page <N>] · list ')).toBe(true);
    for (const command of slash) {
      expect(command.command.length).toBeLessThanOrEqual(32);
      expect(command.description.length).toBeLessThanOrEqual(2000);
      expect((command.usage_hint ?? '').length).toBeLessThanOrEqual(1000);
    }
  });

  it('does point every URL at the request URL in HTTP mode, and have none in Socket Mode', () => {
    const url = 'https://bot.example.org/slack/events';
    const http = JSON.stringify(buildSlackManifest({ commands, socketMode: false, requestUrl: url }));
    // Every slash command, event subscriptions and interactivity.
    const commandCount = (buildSlackManifest({ commands, socketMode: false }) as Json).features.slash_commands.length as number;
    expect(http.split(url).length - 1).toBe(commandCount + 2);
    expect(http).not.toContain(PLACEHOLDER_REQUEST_URL);
    const socket = buildSlackManifest({ commands, socketMode: true }) as Json;
    expect(JSON.stringify(socket)).not.toContain('https://');
    expect(socket.settings.socket_mode_enabled).toBe(true);
  });

  it('does explain every bot scope it asks for in the README', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const missing = BOT_SCOPES.filter((scope) => !readme.includes(`| \`${scope}\` |`));
    expect(missing).toEqual([]);
  });

  it('does print the manifest from npm run slack:manifest, with the URL given', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['scripts/slack-manifest.ts', '--url', 'https://bot.example.org/slack/events'], { cwd: ROOT });
    const printed = JSON.parse(stdout) as Json;
    expect(printed.settings.interactivity.request_url).toBe('https://bot.example.org/slack/events');
  });

  it('does refuse a request URL Slack could not call', () => {
    for (const url of ['http://bot.example.org/slack/events', 'https://', 'bot.example.org/slack/events']) {
      expect(() => buildSlackManifest({ commands, socketMode: false, requestUrl: url })).toThrow('the request URL must be the https URL Slack should call');
    }
  });
});
