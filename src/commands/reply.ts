import type { Addresses } from '../domain/platform.js';
import type { Invocation, OptionValue } from './options.js';

/**
 * The neutral reply every command returns. All text is plain and already translated:
 * adapters escape it for their markup (Slack mrkdwn `& < >`, Discord markdown) and lay it
 * out (text, Block Kit, embeds). `private` replies may carry personal data and are shown
 * only to the asker (ephemeral); `channel` replies never carry contact data.
 *
 * Sizes the core keeps to (adapters cut anything beyond their platform's limits with a
 * "more" line, never letting the platform reject a message): a card at most 16 fields, a
 * list at most 10 items, a text at most 3,000 characters, a button label at most 75.
 */
export interface Reply {
  visibility: 'private' | 'channel';
  blocks: Block[];
  /** For a reply to a button: `replace` updates the message the button was on; default `new`. */
  placement?: 'new' | 'replace';
}

export type Block = TextBlock | CardBlock | ListBlock | TableBlock | ActionsBlock | ImageBlock | FileBlock | FormBlock;

/** A rep named in a message: adapters render a real mention where the rep is linked on their platform. */
export interface Mention {
  name: string;
  addresses: Addresses;
}

export interface TextBlock {
  type: 'text';
  text: string;
  tone?: 'plain' | 'error' | 'success' | 'muted';
  /** Shown before the text ("@Zhang Wei: …"). */
  mention?: Mention;
}

export interface Field {
  label: string;
  value: string;
  /** When set, the value names this rep (the owner field): a mention where possible. */
  mention?: Mention;
}

export interface CardSection {
  title?: string;
  fields: Field[];
}

export const MAX_CARD_FIELDS = 16;

export interface CardBlock {
  type: 'card';
  title: string;
  subtitle?: string;
  sections: CardSection[];
  /** A closing line under the fields, e.g. the recommended next action. */
  footer?: string;
}

export interface ListItem {
  primary: string;
  secondary?: string;
  /** Buttons for this item only (Done / Snooze on one callback of an agenda). */
  actions?: CommandAction[];
}

export interface Paging {
  page: number;
  pages: number;
  previous?: CommandAction;
  next?: CommandAction;
}

export interface ListBlock {
  type: 'list';
  title?: string;
  numbered: boolean;
  items: ListItem[];
  footer?: string;
  paging?: Paging;
}

export interface TableBlock {
  type: 'table';
  title?: string;
  columns: string[];
  rows: string[][];
}

export interface ImageBlock {
  type: 'image';
  png: Uint8Array;
  alt: string;
  fileName: string;
}

/** A file to hand the asker (an import's rejects CSV, an export): attached on chat, written to disk on the console. */
export interface FileBlock {
  type: 'file';
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

/** Buttons for the whole message. */
export interface ActionsBlock {
  type: 'actions';
  actions: Action[];
}

export type Action = CommandAction | LinkAction;

/**
 * A button that runs a command. Pressing it goes through the same dispatcher, role and book
 * checks as typing `typed`; when the invocation lacks required options the answer is a form.
 */
export interface CommandAction {
  kind: 'command';
  label: string;
  style?: 'primary' | 'danger';
  invocation: Invocation;
  /** The same request as a typed line: what the console and text fallbacks show. */
  typed: string;
}

export interface LinkAction {
  kind: 'link';
  label: string;
  url: string;
}

export const FORM_FIELD_KINDS = ['text', 'multiline', 'datetime', 'choice', 'rep', 'checkbox', 'rating', 'number'] as const;
export type FormFieldKind = (typeof FORM_FIELD_KINDS)[number];

/**
 * One input of a form, typed like the command option it fills (`option`).
 * - datetime: in the asker's time zone; the adapter submits epoch milliseconds (a number), or,
 *   when `choices` are given (presets such as "in 1 hour"), the chosen preset's value.
 * - rating: a whole number 1–5. rep: `choices` are the reps the asker may pick (value: rep id).
 * - checkbox: submits true/false.
 */
export interface FormField {
  option: string;
  label: string;
  kind: FormFieldKind;
  required: boolean;
  choices?: { value: string; label: string }[];
  initial?: OptionValue;
  placeholder?: string;
  maxLength?: number;
  min?: number;
  max?: number;
}

/**
 * A request for input: Slack opens a modal, Discord a modal or select menu, the console shows
 * `typed`. Submitting runs `invocation` with the form's values added, through the same
 * command code as typing it.
 */
export interface FormBlock {
  type: 'form';
  title: string;
  submitLabel: string;
  invocation: Invocation;
  fields: FormField[];
  /** The command line to type instead, with what is already known filled in. */
  typed: string;
}

export const reply = {
  text(text: string, tone: TextBlock['tone'] = 'plain', visibility: Reply['visibility'] = 'private'): Reply {
    return { visibility, blocks: [{ type: 'text', text, tone }] };
  },
  error(text: string): Reply {
    return reply.text(text, 'error');
  },
  private(...blocks: Block[]): Reply {
    return { visibility: 'private', blocks };
  },
  channel(...blocks: Block[]): Reply {
    return { visibility: 'channel', blocks };
  },
};
