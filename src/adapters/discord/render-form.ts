import {
  ComponentType,
  TextInputStyle,
  type APILabelComponent,
  type APIModalInteractionResponseCallbackData,
  type APISelectMenuOption,
  type APIStringSelectComponent,
} from 'discord.js';
import { encodeInvocation, type OptionValue, type OptionValues } from '../../commands/options.js';
import { FORM_FIELD_KINDS, type FormBlock, type FormField, type FormFieldKind } from '../../commands/reply.js';
import { cut } from './discord-text.js';
import { LIMITS } from './discord-limits.js';

/**
 * A form field travels as `kind:option` in its component's `custom_id` (and a message select's
 * option values as `kind:option=value`), so a submission can give each value its type again:
 * numbers and ratings as numbers, checkboxes as booleans.
 */
function fieldId(field: FormField): string {
  return `${field.kind}:${field.option}`;
}

function parseFieldId(id: string): { kind: FormFieldKind | null; option: string } {
  const colon = id.indexOf(':');
  const kind = id.slice(0, colon);
  if (colon < 0 || !(FORM_FIELD_KINDS as readonly string[]).includes(kind)) return { kind: null, option: id };
  return { kind: kind as FormFieldKind, option: id.slice(colon + 1) };
}

function typedValue(kind: FormFieldKind | null, raw: string | boolean): OptionValue {
  if (typeof raw === 'boolean') return raw;
  if ((kind === 'number' || kind === 'rating') && /^-?\d{1,15}$/.test(raw.trim())) return Number(raw.trim());
  if (kind === 'checkbox') return raw === 'true';
  return raw;
}

const RATINGS = ['1', '2', '3', '4', '5'];

/**
 * The fixed answers of a field that is picked rather than typed, or null for a typed one. A
 * select holds 25 options; a longer list (a big team's reps) is typed instead, so no choice
 * becomes unreachable.
 */
function pickedChoices(field: FormField): { value: string; label: string }[] | null {
  if (field.choices && field.choices.length > LIMITS.selectOptions) return null;
  if (field.choices && field.choices.length > 0) return field.choices;
  if (field.kind === 'rating') return RATINGS.map((n) => ({ value: n, label: `${n} ${'★'.repeat(Number(n))}` }));
  return null;
}

function selectOptions(field: FormField, value: (choice: string) => string): APISelectMenuOption[] {
  return (pickedChoices(field) ?? [])
    .filter((c) => value(c.value).length <= LIMITS.selectOptionText)
    .map((c) => ({
      label: cut(c.label || c.value, LIMITS.selectOptionText),
      value: value(c.value),
      ...(field.initial !== undefined && String(field.initial) === c.value ? { default: true } : {}),
    }));
}

function modalInput(field: FormField): APILabelComponent['component'] {
  const id = fieldId(field);
  if (field.kind === 'checkbox') return { type: ComponentType.Checkbox, custom_id: id, default: field.initial === true };
  if (pickedChoices(field)) {
    return { type: ComponentType.StringSelect, custom_id: id, options: selectOptions(field, (v) => v), required: field.required };
  }
  const initial = typeof field.initial === 'string' || typeof field.initial === 'number' ? String(field.initial) : undefined;
  // A date-time initial value is an instant (epoch ms); typed again as text, it would read as a number.
  const prefill = field.kind === 'datetime' ? undefined : initial;
  const maxLength = Math.min(field.maxLength ?? LIMITS.textInputValue, LIMITS.textInputValue);
  return {
    type: ComponentType.TextInput,
    custom_id: id,
    style: field.kind === 'multiline' ? TextInputStyle.Paragraph : TextInputStyle.Short,
    required: field.required,
    max_length: maxLength,
    ...(prefill ? { value: cut(prefill, maxLength) } : {}),
    ...(field.placeholder ? { placeholder: cut(field.placeholder, LIMITS.textInputPlaceholder) } : {}),
  };
}

/**
 * A form as a Discord modal (response type 9): each field a label with a text input, a select
 * or a checkbox. Null when Discord cannot show it as one (more than five fields, or an
 * invocation too long for the modal's `custom_id`): the caller shows the command to type.
 */
export function formModal(form: FormBlock): APIModalInteractionResponseCallbackData | null {
  if (form.fields.length === 0 || form.fields.length > LIMITS.modalComponents) return null;
  const customId = encodedOrNull(form);
  if (!customId) return null;
  return {
    custom_id: customId,
    title: cut(form.title, LIMITS.modalTitle),
    components: form.fields.map((field) => ({
      type: ComponentType.Label,
      label: cut(field.label, LIMITS.labelText),
      component: modalInput(field),
    })),
  };
}

/**
 * A form of one picked field (a snooze time, a rating, a rep) as a select menu on the message
 * itself: choosing submits it. Null for other forms.
 */
export function formSelect(form: FormBlock): APIStringSelectComponent | null {
  const [field] = form.fields;
  if (form.fields.length !== 1 || !field || field.kind === 'checkbox') return null;
  const customId = encodedOrNull(form);
  if (!customId) return null;
  const options = selectOptions(field, (value) => `${fieldId(field)}=${value}`);
  if (options.length === 0) return null;
  return { type: ComponentType.StringSelect, custom_id: customId, placeholder: cut(field.label, LIMITS.selectPlaceholder), options };
}

export function encodedOrNull(form: FormBlock): string | null {
  try {
    return encodeInvocation(form.invocation);
  } catch {
    return null;
  }
}

/** A submitted component: a text input's or checkbox's `value`, or a select's `values`. */
export interface SubmittedInput {
  custom_id: string;
  value?: string | boolean | null;
  values?: string[];
}

/** The values of a modal submission, by option name, typed as the form declared them. */
export function modalValues(inputs: readonly SubmittedInput[]): OptionValues {
  const values: OptionValues = {};
  for (const input of inputs) {
    const { kind, option } = parseFieldId(input.custom_id);
    const raw = input.values ? input.values[0] : input.value;
    if (raw === undefined || raw === null || raw === '') continue;
    values[option] = typedValue(kind, raw);
  }
  return values;
}

/** The value a message select menu submits: its option value is `kind:option=value`. */
export function selectValues(values: readonly string[]): OptionValues {
  const [chosen] = values;
  const equals = chosen?.indexOf('=') ?? -1;
  if (!chosen || equals < 0) return {};
  const { kind, option } = parseFieldId(chosen.slice(0, equals));
  return { [option]: typedValue(kind, chosen.slice(equals + 1)) };
}
