import type { Notifier } from '../../scheduler/notifier.js';
import { renderText } from './render-text.js';

/** The console's side of the Notifier port: scheduled nudges are printed as they fire. */
export function createConsoleNotifier(output: NodeJS.WritableStream): Notifier {
  return {
    async deliver({ recipient, reply }) {
      const to = recipient.kind === 'rep' ? `DM to ${recipient.name}` : `#${recipient.name}`;
      output.write(`\n── nudge · ${to} ──\n${renderText(reply)}\n\n`);
    },
  };
}
