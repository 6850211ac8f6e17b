import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('does console mode on a SQLite file under ./data when nothing is set', () => {
    const config = loadConfig({});
    expect(config.platforms).toEqual(['console']);
    expect(config.databaseUrl).toBe('file:data/rapport.db');
    expect(config.demoData).toBe(true);
    expect(config.defaultLocale).toBe('en');
    expect(config.currency).toBe('CNY');
  });

  it('does treat blank values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', RAPPORT_LOCALE: '' }).databaseUrl).toBe('file:data/rapport.db');
  });

  it('does switch demo data off when RAPPORT_DEMO=off', () => {
    expect(loadConfig({ RAPPORT_DEMO: 'off' }).demoData).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid DATABASE_URL: must be a SQLite file: URL.*\(got "mysql:\/\/x"\)$/],
    [{ RAPPORT_DEMO: 'maybe' }, /^Invalid RAPPORT_DEMO: .*\(got "maybe"\)$/],
    [{ RAPPORT_LOCALE: 'fr' }, /^Invalid RAPPORT_LOCALE: /],
    [{ RAPPORT_TIMEZONE: 'Mars/Olympus' }, /^Invalid RAPPORT_TIMEZONE: is not an IANA time zone/],
    [{ RAPPORT_CURRENCY: 'yuan' }, /^Invalid RAPPORT_CURRENCY: must be an ISO 4217 currency code/],
    [{ RAPPORT_CURRENCY: 'XYZ' }, /^Invalid RAPPORT_CURRENCY: must be an ISO 4217 currency code such as CNY, USD or EUR \(got "XYZ"\)$/],
    [{ RAPPORT_CURRENCY: 'usd' }, /^Invalid RAPPORT_CURRENCY: must be an ISO 4217 currency code/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid LOG_LEVEL: /],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /^Invalid SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set$/],
    [{ DISCORD_APPLICATION_ID: '123' }, /^Invalid DISCORD_BOT_TOKEN: required when DISCORD_APPLICATION_ID is set$/],
    [{ DISCORD_BOT_TOKEN: 't', DISCORD_APPLICATION_ID: 'rapport' }, /^Invalid DISCORD_APPLICATION_ID: must be a Discord id/],
    [{ DISCORD_BOT_TOKEN: 't', DISCORD_APPLICATION_ID: '1', DISCORD_GUILD_ID: '<#123>' }, /^Invalid DISCORD_GUILD_ID: must be a Discord id/],
    [{ DISCORD_BOT_TOKEN: 't', DISCORD_APPLICATION_ID: '1', DISCORD_API_URL: 'ftp://x' }, /^Invalid DISCORD_API_URL: must be an http\(s\) URL/],
    [{ DISCORD_BOT_TOKEN: 't', DISCORD_APPLICATION_ID: '1', DISCORD_PUBLIC_KEY: 'abc' }, /^Invalid DISCORD_PUBLIC_KEY: must be the 64 hex digits/],
    [{ DISCORD_PUBLIC_KEY: 'a'.repeat(64) }, /^Invalid DISCORD_PUBLIC_KEY: needs DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID$/],
    [{ PORT: '70000' }, /^Invalid PORT: /],
    [{ PORT: 'http' }, /^Invalid PORT: /],
  ])('does fail with one line naming the variable when %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('does leave console mode when a platform has both its tokens', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(config.platforms).toEqual(['slack']);
    expect(config.slack).toEqual({ botToken: 'xoxb-1', signingSecret: 's' });
  });

  it('does read the Discord options and the HTTP port when Discord is configured', () => {
    const config = loadConfig({
      DISCORD_BOT_TOKEN: 'token',
      DISCORD_APPLICATION_ID: '1000000000000000001',
      DISCORD_GUILD_ID: '290926798626357999',
      DISCORD_API_URL: 'http://127.0.0.1:9999/api',
      DISCORD_PUBLIC_KEY: 'AB'.repeat(32),
      PORT: '8080',
    });
    expect(config.platforms).toEqual(['discord']);
    expect(config.port).toBe(8080);
    expect(config.discord).toEqual({
      botToken: 'token',
      applicationId: '1000000000000000001',
      guildId: '290926798626357999',
      apiUrl: 'http://127.0.0.1:9999/api',
      publicKey: 'ab'.repeat(32),
    });
    expect(loadConfig({}).port).toBe(3000);
  });
});
