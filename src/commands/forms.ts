import { bookScope } from '../domain/actor.js';
import { commandText, type AnyCommand, type CommandContext } from './command.js';
import type { Invocation, OptionSpec, OptionValues } from './options.js';
import type { FormField, Reply } from './reply.js';
import { optionText, typedLine } from './typed-text.js';

/** Rep selects list at most this many reps (Slack's static select holds 100 options). */
const MAX_REP_CHOICES = 100;

/** A rating is a whole number 1–5 (满意度). */
const isRating = (spec: OptionSpec) => spec.type === 'number' && spec.min === 1 && spec.max === 5;

/** The translated label of a choice value, falling back to the value itself. */
export function choiceLabel(command: AnyCommand, spec: OptionSpec, value: string, ctx: Pick<CommandContext, 't'>): string {
  return ctx.t(optionText(command.key, spec.name, `choices.${value}`), { defaultValue: value });
}

/**
 * The form that asks for what an invocation lacks: one field per option not given, typed
 * like the option (a note is multiline, a time a date-time picker with its presets, a rep a
 * select of the reps the asker may pick, a 1–5 number a rating). Submitting it runs the same
 * command as typing `typed`.
 */
export async function formFor(command: AnyCommand, invocation: Invocation, ctx: CommandContext): Promise<Reply> {
  const { t } = ctx;
  const given = invocation.options;
  const display: OptionValues = { ...given };
  for (const spec of command.options) {
    const value = given[spec.name];
    if (spec.type === 'customer' && typeof value === 'number') {
      const customer = await ctx.services.customers.summary(value, bookScope(ctx.actor));
      display[spec.name] = customer?.externalId ?? `#${value}`;
    }
  }
  const fields: FormField[] = [];
  for (const spec of command.options) {
    if (given[spec.name] !== undefined || spec.type === 'attachment') continue;
    fields.push(await fieldFor(command, spec, ctx));
  }
  return {
    visibility: 'private',
    blocks: [
      {
        type: 'form',
        title: t(commandText(command.key, 'title')),
        submitLabel: t('common.submit'),
        // The nudge a button was on stays with its form, so the submission redraws that message.
        invocation: { command: invocation.command, options: given, ...(invocation.nudgeId ? { nudgeId: invocation.nudgeId } : {}) },
        fields,
        typed: typedLine(command, display, t, 'all'),
      },
    ],
  };
}

async function fieldFor(command: AnyCommand, spec: OptionSpec, ctx: CommandContext): Promise<FormField> {
  const base = { option: spec.name, label: ctx.t(optionText(command.key, spec.name, 'label')), required: spec.required ?? false };
  switch (spec.type) {
    case 'text':
    case 'customer':
    case 'attachment':
      return { ...base, kind: spec.multiline ? 'multiline' : 'text', ...(spec.maxLength ? { maxLength: spec.maxLength } : {}) };
    case 'number':
      return { ...base, kind: isRating(spec) ? 'rating' : 'number', ...(spec.min !== undefined ? { min: spec.min } : {}), ...(spec.max !== undefined ? { max: spec.max } : {}) };
    case 'boolean':
      return { ...base, kind: 'checkbox' };
    case 'choice':
      return { ...base, kind: 'choice', choices: (spec.choices ?? []).map((value) => ({ value, label: choiceLabel(command, spec, value, ctx) })) };
    case 'time':
      return {
        ...base,
        kind: 'datetime',
        ...(spec.presets ? { choices: spec.presets.map((value) => ({ value, label: ctx.t(`common.presets.${value}`, { defaultValue: value }) })) } : {}),
      };
    case 'rep': {
      const reps = await ctx.services.identities.assignableReps(ctx.actor, MAX_REP_CHOICES);
      return { ...base, kind: 'rep', choices: reps.map((r) => ({ value: String(r.id), label: r.name })) };
    }
  }
}
