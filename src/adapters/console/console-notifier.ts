import { renderText } from '../../commands/render-text.js';
import type { Notifier } from '../../scheduler/notifier.js';

/** The console's side of the Notifier port: scheduled nudges are printed as they fire (nothing to update later). */
export function createConsoleNotifier(output: NodeJS.WritableStream): Notifier {
  return {
    platform: 'console',
    async deliver(_address, { recipient, reply }) {
      const to = recipient.kind === 'rep' ? `DM to ${recipient.name}` : `#${recipient.name}`;
      output.write(`\n── nudge · ${to} ──\n${renderText(reply)}\n\n`);
      return null;
    },
    async update() {},
  };
}
