import type { Role } from '../domain/actor.js';
import type { ChatPlatform, Platform } from '../domain/platform.js';
import type { CommandKey, Session } from './command.js';
import type { Choice, OptionSpec, OptionValues, Upload } from './options.js';

export type { Upload };
import type { Reply } from './reply.js';

/** Who is asking: a platform user id (the console: a rep email or id). */
export interface Requester {
  platform: Platform;
  userId: string;
}

/**
 * A typed line (`/customer lookup 王芳`), or a command with its options (what Discord sends).
 * `session`: what the conversation can do beyond replying (only the console has one).
 * `files`: attachments by the name of the `attachment` option they fill.
 */
export type DispatchInput = Requester & { session?: Session; files?: Record<string, Upload> } & ({ text: string } | { command: string; options: OptionValues });

/** A button press: the encoded invocation the button carried (validated again here). */
export interface ActionInput extends Requester {
  payload: string;
}

/** A submitted form: the form's encoded invocation plus the values entered, by option name. */
export interface FormInput extends Requester {
  payload: string;
  values: OptionValues;
}

/** Autocomplete for one option while the user types it; `options` holds what is filled in so far. */
export interface CompleteInput extends Requester {
  command: string;
  option: string;
  prefix: string;
  options?: OptionValues;
}

export type LinkByEmailResult = 'linked' | 'already-linked' | 'no-rep-with-email' | 'rep-linked-to-someone-else';

/** A command as adapters need it to register or describe it (Discord commands, Slack manifest). */
export interface CommandInfo {
  name: string;
  key: CommandKey;
  requires: Role;
  options: readonly OptionSpec[];
  /** Only these platforms offer it (absent: all); e.g. `rapport as` is the console's. */
  platforms?: readonly Platform[];
}

/**
 * The platform-neutral core as every adapter sees it. Nothing here throws to an adapter:
 * every failure is a reply (or, for autocomplete, no choices).
 */
export interface App {
  dispatch(input: DispatchInput): Promise<Reply>;
  handleAction(input: ActionInput): Promise<Reply>;
  submitForm(input: FormInput): Promise<Reply>;
  /** At most 25 choices, only from the asker's book (customers) or team (reps). */
  complete(input: CompleteInput): Promise<Choice[]>;
  /** The asker's day (`/rapport today`): what a home screen shows (Slack's App Home). */
  home(requester: Requester): Promise<Reply>;
  /**
   * Links an unknown chat user to the active rep with this email (the platform vouches for
   * it), once and audited. A user already linked, an unknown email or a rep already linked to
   * another user of the platform changes nothing.
   */
  linkByEmail(input: Requester & { email: string }): Promise<LinkByEmailResult>;
  /**
   * Whether this installation serves a chat workspace (a Discord server): one a team lists
   * (`/rapport settings guild add <id>`) or the configuration names (`DISCORD_GUILD_ID`).
   * While nothing at all is listed for the platform, every workspace is served.
   */
  servesWorkspace(workspace: { platform: ChatPlatform; workspaceId: string }): Promise<boolean>;
  readonly commands: readonly CommandInfo[];
}
