import type { AnyCommand } from './command.js';
import { customerLookupCommand } from './customer/lookup.command.js';
import { createHelpCommand } from './help.command.js';
import { digestCommand } from './digest.command.js';
import { rapportOutboxCommand } from './rapport-outbox.command.js';

/** Every command, registered explicitly (no directory scanning). Order is the /help order. */
export const commands: readonly AnyCommand[] = [
  customerLookupCommand,
  digestCommand,
  rapportOutboxCommand,
  createHelpCommand(() => commands),
];
