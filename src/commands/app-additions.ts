import type { App, Requester } from './app.js';
import type { Reply } from './reply.js';

/**
 * What the chat adapters need from the core beyond `App` (proposed with the Slack adapter,
 * issue 11; platform-neutral, to be folded into `App` when the core implements them).
 */

/** What linking by email did: only `linked` changed anything (once, audited). */
export type LinkByEmailOutcome = 'linked' | 'already-linked' | 'no-rep-with-email' | 'rep-linked-to-someone-else';

/** A file a user uploaded in chat for import. */
export interface UploadInput extends Requester {
  fileName: string;
  /** Bytes, as the platform declared them (the adapter has refused files over its limit). */
  size: number;
  /**
   * What the user wrote with the file, e.g. `customers --dry-run`: the kind and the CLI's flags.
   * The core pairs the upload with the user's pending `/customer import <kind> [flags]` when the
   * text names no kind.
   */
  text: string;
  content: AsyncIterable<Uint8Array>;
}

export interface UploadResult {
  reply: Reply;
  /** Files to hand back in the same conversation (the rejects CSV of an `--on-error skip` run). */
  files: { fileName: string; content: Uint8Array }[];
}

export interface AppAdditions {
  /** The user's home view: their day (overdue and today's callbacks, birthdays, top at-risk); managers also their team. */
  home(requester: Requester): Promise<Reply>;
  /** Links a chat user that is linked to nobody to the rep with this email. */
  linkByEmail(input: Requester & { email: string }): Promise<LinkByEmailOutcome>;
  /** Imports an uploaded CSV with the same checks, flags and summary as the CLI. */
  importUpload(input: UploadInput): Promise<UploadResult>;
}

export type ChatApp = App & AppAdditions;
