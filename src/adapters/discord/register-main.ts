/**
 * `npm run discord:register [-- --guild <id>]`: registers the application commands built from
 * the core's declarations (see README "Discord"). Its own small entry, so it loads neither the
 * bot nor the database.
 */
import fs from 'node:fs';
import { commands } from '../../commands/registry.js';
import { ConfigError, loadConfig } from '../../config.js';
import { runDiscordRegister } from './register-commands.js';

if (fs.existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig();
  process.exitCode = await runDiscordRegister(process.argv.slice(2), { commands, discord: config.discord, stdout: process.stdout, stderr: process.stderr });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`rapport discord:register: ${error.message}\n`);
  process.exitCode = 1;
}
