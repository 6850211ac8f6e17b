import type { Translate } from '../i18n/index.js';
import type { AnyCommand, CommandContext } from './command.js';
import { encodeInvocation, type Invocation } from './options.js';
import type { CommandAction } from './reply.js';
import { typedLine } from './typed-text.js';

export type ButtonMaker = CommandContext['button'];

/**
 * Builds buttons that run commands of `commands`, with the typed line that does the same
 * (what the console shows). A payload too long for Discord's 100-character `custom_id` is a
 * programming error and throws here, where a test sees it, not at the platform.
 */
export function createButtonMaker(commands: readonly AnyCommand[], t: Translate): ButtonMaker {
  return (label: string, invocation: Invocation, options = {}) => {
    const command = commands.find((c) => c.name === invocation.command);
    if (!command) throw new Error(`button for unknown command ${invocation.command}`);
    encodeInvocation(invocation);
    // A button that opens a form shows, typed, every option the form asks about.
    const asks = invocation.form || command.options.some((o) => o.required && invocation.options[o.name] === undefined);
    return {
      kind: 'command',
      label,
      invocation,
      typed: typedLine(command, options.asTyped ?? { ...invocation.options, ...options.display }, t, asks ? 'all' : 'none'),
      ...(options.style ? { style: options.style } : {}),
    } satisfies CommandAction;
  };
}
