import { pino, type Logger } from 'pino';

/** Structured logs go to stderr, so stdout stays the bot's conversation (and pipes cleanly). */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}

export type { Logger };
