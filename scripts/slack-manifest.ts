/**
 * `npm run slack:manifest [-- --socket-mode] [-- --url https://your.host/slack/events]`: prints
 * the Slack app manifest generated from the command registry, to paste into "Create an app →
 * From a manifest". `slack/manifest.json` and `slack/manifest.socket-mode.json` are its
 * committed outputs; a test fails when the registry and them differ.
 */
import { parseArgs } from 'node:util';
import { buildSlackManifest } from '../src/adapters/slack/manifest.js';
import { commands } from '../src/commands/registry.js';

try {
  const { values } = parseArgs({ options: { 'socket-mode': { type: 'boolean', default: false }, url: { type: 'string' } } });
  const manifest = buildSlackManifest({ commands, socketMode: values['socket-mode'], ...(values.url ? { requestUrl: values.url } : {}) });
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
