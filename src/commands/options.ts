import { z } from 'zod';

/**
 * What a command option holds. One declaration feeds /help, the parsing of typed text,
 * Discord's application-command options, Slack modals and autocomplete.
 *
 * - text: free text (`multiline` for notes); `rest` takes the rest of a typed line.
 * - customer: a customer of the asker's book, typed as name/email/phone/external id; a
 *   number is an internal id (from a button or autocomplete).
 * - rep: a rep of the asker's team, typed as email, email name or `@name`; a number is a rep id.
 * - number: a whole number within `min`…`max`.
 * - time: a natural-language time in the asker's zone ("tomorrow 10am", "下周一 10点"); a
 *   number is an absolute epoch-ms instant (a date-time picker).
 * - choice: one of `choices` (typed as the value itself, or `name value`).
 * - boolean: a switch, typed as `--name`.
 * - attachment: a file (chat uploads only; the console passes a path).
 */
export const OPTION_TYPES = ['text', 'customer', 'rep', 'number', 'time', 'choice', 'boolean', 'attachment'] as const;
export type OptionType = (typeof OPTION_TYPES)[number];

export interface OptionSpec {
  /** Lowercase ASCII, also the `--flag` name and the Discord option name. */
  name: string;
  type: OptionType;
  required?: boolean;
  /** For `choice`: the values as typed (lowercase, stable across languages). */
  choices?: readonly string[];
  /** For `number`. */
  min?: number;
  max?: number;
  /** For `text`: longest accepted value (characters). */
  maxLength?: number;
  /** For `text`: a note-like field (a multiline input in forms). */
  multiline?: boolean;
  /**
   * How it is typed: `positional` (in declared order; the default), `rest` (as many words as
   * the later positional options leave), `keyword` (`name value`), `word` (a choice typed as
   * its bare value anywhere: `at-risk`), or `flag` (`--name [value]`; booleans' default).
   * Any option may also be typed as `--name value`.
   */
  typed?: 'positional' | 'rest' | 'keyword' | 'word' | 'flag';
  /** For `time`: ready-made answers offered in forms ("in 1 hour", "tomorrow 9:00"). */
  presets?: readonly string[];
  /** Offer autocomplete (customer and rep options always do). */
  autocomplete?: boolean;
}

/** Values of a command's options by name, as typed text, a form or Discord delivers them. */
export type OptionValue = string | number | boolean;
export type OptionValues = Record<string, OptionValue>;

/** A transport guard only: each command's own schema sets the real limits (a note: 4,000 characters). */
export const optionValuesSchema = z.record(z.string().max(32), z.union([z.string().max(10_000), z.number().finite(), z.boolean()]));

/** A command with its options, as a button or a form carries it. */
export interface Invocation {
  command: string;
  options: OptionValues;
  /** The outbox nudge whose message held the button: after the command, that message is refreshed. */
  nudgeId?: number;
  /** Ask for the options not given in a form, even optional ones (Reschedule: pick a time). */
  form?: boolean;
}

/** Discord's `custom_id` holds at most 100 characters; Slack's `value` 2,000. */
export const MAX_PAYLOAD_LENGTH = 100;
const PAYLOAD_VERSION = '1';

const payloadSchema = z.object({
  c: z.string().min(1).max(40),
  o: optionValuesSchema,
  n: z.number().int().positive().optional(),
  f: z.literal(1).optional(),
});

/**
 * Encodes an invocation for a button or a form: versioned, compact, at most 100 characters.
 * Only ids and short values belong in a payload (never free text a user typed).
 */
export function encodeInvocation(invocation: Invocation): string {
  const body = JSON.stringify({
    c: invocation.command,
    o: invocation.options,
    ...(invocation.nudgeId ? { n: invocation.nudgeId } : {}),
    ...(invocation.form ? { f: 1 } : {}),
  });
  const payload = `${PAYLOAD_VERSION}${body}`;
  if (payload.length > MAX_PAYLOAD_LENGTH) throw new Error(`action payload too long (${payload.length}): ${payload}`);
  return payload;
}

/** Whether an invocation fits in a button payload (free text often does not). */
export function payloadFits(invocation: Invocation): boolean {
  try {
    encodeInvocation(invocation);
    return true;
  } catch {
    return false;
  }
}

/** The invocation a payload stands for, or null when it is stale, forged or too long. */
export function decodeInvocation(payload: unknown): Invocation | null {
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_LENGTH || !payload.startsWith(PAYLOAD_VERSION)) return null;
  let json: unknown;
  try {
    json = JSON.parse(payload.slice(PAYLOAD_VERSION.length));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return null;
  const { c: command, o: options, n: nudgeId, f: form } = parsed.data;
  return { command, options, ...(nudgeId ? { nudgeId } : {}), ...(form ? { form: true } : {}) };
}

/** A file a user attached (a Discord attachment option, a Slack upload), read only once the checks have passed. */
export interface Upload {
  name: string;
  /** Bytes, as the platform declares them (the reader enforces the limit on what arrives). */
  size: number;
  /** The bytes; rejects with one line for the asker (the download failed, more arrived than `MAX_UPLOAD_BYTES`). */
  read(): Promise<Uint8Array>;
}

/** The largest file a chat command takes (a million orders is ~60 MB): adapters stop downloading past it. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** One autocomplete answer: what the user sees, and the value the option gets. */
export interface Choice {
  label: string;
  value: string | number;
}

/** Platforms show at most 25 autocomplete choices (Discord's limit). */
export const MAX_CHOICES = 25;
