import { renderText } from '../../commands/render-text.js';
import type { Notifier } from '../../scheduler/notifier.js';
import { withImagesSaved } from './saved-images.js';

/** The console's side of the Notifier port: scheduled nudges are printed as they fire (nothing to update later). */
export function createConsoleNotifier(output: NodeJS.WritableStream, filesDir: string): Notifier {
  return {
    platform: 'console',
    async deliver(_address, { recipient, reply }) {
      const to = recipient.kind === 'rep' ? `DM to ${recipient.name}` : `#${recipient.name}`;
      output.write(`\n── nudge · ${to} ──\n${renderText(withImagesSaved(reply, filesDir))}\n\n`);
      return null;
    },
    async update() {},
  };
}
