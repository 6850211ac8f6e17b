import type { Role } from '../domain/actor.js';
import type { Platform } from '../domain/platform.js';
import type { CommandKey } from './command.js';
import type { Choice, OptionSpec, OptionValues } from './options.js';
import type { Reply } from './reply.js';

/** Who is asking: a platform user id (the console: a rep email or id). */
export interface Requester {
  platform: Platform;
  userId: string;
}

/** A typed line (`/customer lookup 王芳`), or a command with its options (what Discord sends). */
export type DispatchInput = Requester & ({ text: string } | { command: string; options: OptionValues });

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

/** A command as adapters need it to register or describe it (Discord commands, Slack manifest). */
export interface CommandInfo {
  name: string;
  key: CommandKey;
  requires: Role;
  options: readonly OptionSpec[];
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
  readonly commands: readonly CommandInfo[];
}
