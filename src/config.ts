import path from 'node:path';
import { z } from 'zod';
import type { Platform } from './domain/platform.js';
import { isTimeZone } from './domain/time-zone.js';
import { FatalError } from './errors.js';

const DEFAULT_DATABASE_URL = `file:${path.join('data', 'rapport.db')}`;

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const optionalDiscordId = z.preprocess(blankToUndefined, z.string().regex(/^\d{1,20}$/, 'must be a Discord id (digits only)').optional());


/** ISO 4217 codes as this Node's ICU knows them (what Intl.NumberFormat can format): "XYZ" or "usd" are not. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

export const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^file:./, 'must be a SQLite file: URL such as file:data/rapport.db')
      .default(DEFAULT_DATABASE_URL),
  ),
  RAPPORT_DEMO: z.preprocess(blankToUndefined, z.enum(['on', 'off']).default('on')),
  RAPPORT_LOCALE: z.preprocess(blankToUndefined, z.enum(['en', 'zh-CN']).default('en')),
  RAPPORT_TIMEZONE: z.preprocess(
    blankToUndefined,
    z.string().refine(isTimeZone, 'is not an IANA time zone such as Asia/Shanghai').default('UTC'),
  ),
  RAPPORT_CURRENCY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(isCurrency, 'must be an ISO 4217 currency code such as CNY, USD or EUR')
      .default('CNY'),
  ),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  ),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalDiscordId,
  DISCORD_GUILD_ID: optionalDiscordId,
  DISCORD_API_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://discord.com/api' }).optional()),
  DISCORD_PUBLIC_KEY: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex digits of the application public key').optional()),
  PORT: z.preprocess(blankToUndefined, z.coerce.number().int('must be a whole number').min(0).max(65535).default(3000)),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string;
  demoData: boolean;
  defaultLocale: 'en' | 'zh-CN';
  defaultTimeZone: string;
  currency: string;
  logLevel: Env['LOG_LEVEL'];
  /** The HTTP port of the chat platforms' webhooks (Slack HTTP mode, Discord interactions). */
  port: number;
  platforms: Platform[];
  slack?: { botToken: string; signingSecret: string };
  /**
   * `publicKey` set: HTTP interactions mode (no gateway). `guildId`: a server always served
   * (beside those teams list) and where `discord:register` puts commands by default.
   */
  discord?: { botToken: string; applicationId: string; guildId?: string; apiUrl?: string; publicKey?: string };
}

/** A bad environment variable: one line naming it (a FatalError, so the CLI exits 1 without a trace). */
export class ConfigError extends FatalError {}

/** Parses the environment; throws ConfigError with one line naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const value = env[name];
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    throw new ConfigError(`Invalid ${name}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  const slack = pair('SLACK_BOT_TOKEN', e.SLACK_BOT_TOKEN, 'SLACK_SIGNING_SECRET', e.SLACK_SIGNING_SECRET);
  const discord = pair('DISCORD_BOT_TOKEN', e.DISCORD_BOT_TOKEN, 'DISCORD_APPLICATION_ID', e.DISCORD_APPLICATION_ID);
  const stray = (['DISCORD_GUILD_ID', 'DISCORD_API_URL', 'DISCORD_PUBLIC_KEY'] as const).find((name) => e[name] !== undefined);
  if (!discord && stray) throw new ConfigError(`Invalid ${stray}: needs DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID`);
  const platforms: Platform[] = [];
  if (slack) platforms.push('slack');
  if (discord) platforms.push('discord');
  // No chat tokens at all means a person is trying Rapport locally: talk on the console.
  if (platforms.length === 0) platforms.push('console');
  return {
    databaseUrl: e.DATABASE_URL,
    demoData: e.RAPPORT_DEMO === 'on',
    defaultLocale: e.RAPPORT_LOCALE,
    defaultTimeZone: e.RAPPORT_TIMEZONE,
    currency: e.RAPPORT_CURRENCY,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    platforms,
    ...(slack ? { slack: { botToken: slack[0], signingSecret: slack[1] } } : {}),
    ...(discord
      ? {
          discord: {
            botToken: discord[0],
            applicationId: discord[1],
            guildId: e.DISCORD_GUILD_ID,
            apiUrl: e.DISCORD_API_URL,
            publicKey: e.DISCORD_PUBLIC_KEY?.toLowerCase(),
          },
        }
      : {}),
  };
}

/** Both variables of a platform, or neither; one without the other is a configuration mistake. */
function pair(aName: string, a: string | undefined, bName: string, b: string | undefined): [string, string] | undefined {
  if (a && b) return [a, b];
  if (a || b) {
    const missing = a ? bName : aName;
    throw new ConfigError(`Invalid ${missing}: required when ${a ? aName : bName} is set`);
  }
  return undefined;
}
