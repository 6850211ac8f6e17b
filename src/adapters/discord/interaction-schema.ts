import { z } from 'zod';

/**
 * The parts of a Discord interaction (gateway INTERACTION_CREATE or an HTTP POST) the adapter
 * reads, validated once at the edge. Anything else in the payload is ignored.
 */
const snowflake = z.string().regex(/^\d{1,20}$/, 'is not a Discord id');
const user = z.object({ id: snowflake });

/** A command option: a value, or (subcommand, group) more options. */
export interface CommandOptionPayload {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOptionPayload[];
  focused?: boolean;
}

const commandOption: z.ZodType<CommandOptionPayload> = z.lazy(() =>
  z.object({
    name: z.string().max(32),
    type: z.number().int(),
    value: z.union([z.string().max(6000), z.number().finite(), z.boolean()]).optional(),
    options: z.array(commandOption).max(25).optional(),
    focused: z.boolean().optional(),
  }),
);

export const attachmentSchema = z.object({
  id: snowflake,
  filename: z.string().min(1).max(1024),
  size: z.number().int().nonnegative(),
  url: z.string().url(),
  content_type: z.string().optional(),
});
export type AttachmentPayload = z.infer<typeof attachmentSchema>;

export const commandDataSchema = z.object({
  name: z.string().min(1).max(32),
  type: z.number().int().optional(),
  options: z.array(commandOption).max(25).optional(),
  resolved: z.object({ attachments: z.record(z.string(), attachmentSchema).optional() }).optional(),
});
export type CommandData = z.infer<typeof commandDataSchema>;

export const componentDataSchema = z.object({
  custom_id: z.string().max(100),
  component_type: z.number().int(),
  values: z.array(z.string().max(100)).max(25).optional(),
});

const submittedInput = z.object({
  custom_id: z.string().max(100),
  value: z.union([z.string().max(4000), z.boolean()]).nullable().optional(),
  values: z.array(z.string().max(100)).max(25).optional(),
});

/** Modal rows: the current Label layout (one component each) or the older action rows. */
export const modalDataSchema = z.object({
  custom_id: z.string().max(100),
  components: z
    .array(
      z.object({
        type: z.number().int(),
        component: submittedInput.optional(),
        components: z.array(submittedInput).optional(),
      }),
    )
    .max(10),
});

export const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(1000),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  member: z.object({ user }).optional(),
  user: user.optional(),
  locale: z.string().max(10).optional(),
  message: z.object({ id: snowflake, flags: z.number().int().optional() }).optional(),
  data: z.unknown().optional(),
});
export type InteractionPayload = z.infer<typeof interactionSchema>;

