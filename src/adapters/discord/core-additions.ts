import type { Requester } from '../../commands/app.js';
import type { OptionValues } from '../../commands/options.js';
import type { Reply } from '../../commands/reply.js';

/*
 * Core entries this adapter needs beyond the contract, proposed to the lead (issue 10). They
 * live here until the rebuilt core has them; then `src/commands/app.ts` owns them and this file
 * goes away.
 */

/** A file a user attached to a command (Discord `attachment` option, Slack file share). */
export interface UploadedFile {
  /** The declared `attachment` option the file was given for. */
  option: string;
  name: string;
  contentType: string | undefined;
  bytes: Uint8Array;
}

/** A command with an uploaded file: `/customer import kind:customers file:<csv>`. */
export interface UploadInput extends Requester {
  command: string;
  /** The other options; the attachment option holds the file name. */
  options: OptionValues;
  file: UploadedFile;
}

/**
 * Runs a command that takes a file through the same checks as `dispatch` (role, options),
 * then `importStream` on the bytes; the reply is the import summary (with the rejects file,
 * once replies can carry a file block).
 */
export interface UploadEntry {
  importUpload(input: UploadInput): Promise<Reply>;
}

/**
 * Whether a Discord server (guild) is served by this installation: the guilds listed in the
 * teams' settings. Proposed core shape: `App.servesWorkspace({ platform, workspaceId })`.
 */
export type GuildCheck = (guildId: string) => Promise<boolean>;
