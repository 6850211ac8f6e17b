import type { AnyCommand } from './command.js';
import { customerLookupCommand } from './customer/lookup.command.js';
import { createHelpCommand } from './help.command.js';

/** Every command, registered explicitly (no directory scanning). Order is the /help order. */
export const commands: readonly AnyCommand[] = [
  customerLookupCommand,
  createHelpCommand(() => commands),
];
