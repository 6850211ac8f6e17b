// Pre-contract reply of the old core, parked so the old core still builds beside the contract copy in reply.ts (discord branch only; drop when the rebuilt core lands).
import { z } from 'zod';

/**
 * The neutral reply every command returns. Text is already translated; adapters only lay
 * it out (plain text, Block Kit, Discord embeds). `private` replies may carry personal
 * data and must only be shown to the asker (ephemeral); `channel` replies never do.
 */
export interface Reply {
  visibility: 'private' | 'channel';
  blocks: Block[];
  /** Console only (/rapport as): the user id the console speaks as from now on. */
  actAs?: string;
}

export type Block = TextBlock | CardBlock | ListBlock | TableBlock | ActionsBlock | ImageBlock;

export interface TextBlock {
  type: 'text';
  text: string;
  tone?: 'plain' | 'error' | 'success' | 'muted';
}

export interface Field {
  label: string;
  value: string;
}

export interface CardBlock {
  type: 'card';
  title: string;
  subtitle?: string;
  fields: Field[];
  /** A closing line under the fields, e.g. the recommended next action. */
  footer?: string;
}

export interface ListBlock {
  type: 'list';
  title?: string;
  numbered: boolean;
  items: { primary: string; secondary?: string }[];
  footer?: string;
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

/** Buttons. The payload is what comes back when a user presses one: validated again then. */
export interface ActionsBlock {
  type: 'actions';
  actions: Action[];
}

export interface Action {
  label: string;
  payload: ActionPayload;
  style?: 'primary' | 'danger';
  /** The command that does the same when typed, for adapters without buttons (the console). */
  command?: string;
}

export const actionPayloadSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('customer.lookup'), customerId: z.number().int().positive() }),
  z.object({ action: z.literal('callback.schedule'), customerId: z.number().int().positive() }),
  z.object({ action: z.literal('customer.note'), customerId: z.number().int().positive() }),
  z.object({ action: z.literal('customer.assign'), customerId: z.number().int().positive() }),
  z.object({ action: z.literal('callback.done'), callbackId: z.number().int().positive() }),
  z.object({
    action: z.literal('callback.snooze'),
    callbackId: z.number().int().positive(),
    minutes: z.number().int().positive().max(60 * 24 * 30),
  }),
  z.object({ action: z.literal('callback.reschedule'), callbackId: z.number().int().positive() }),
]);

export type ActionPayload = z.infer<typeof actionPayloadSchema>;

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
