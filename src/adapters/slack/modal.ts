import type { types } from '@slack/bolt';
import { z } from 'zod';
import { MAX_PAYLOAD_LENGTH, type OptionValues } from '../../commands/options.js';
import type { FormBlock, FormField } from '../../commands/reply.js';
import type { Translate } from '../../i18n/index.js';
import { cut } from './block-kit.js';

/** The callback id of every Rapport modal: its submission goes to `App.submitForm`. */
export const FORM_CALLBACK_ID = 'rapport:form';

/** Modal limits (beyond them `views.open` fails with invalid_arguments). */
const MODAL = { title: 24, button: 24, label: 2000, placeholder: 150, optionText: 75, optionValue: 150, options: 100 } as const;

/**
 * What a modal carries through Slack in `private_metadata`: the form's encoded invocation,
 * where to post the answer (the response_url of the command or button that asked), and the
 * options whose value may come from either of two inputs (preset or picker) but must come.
 */
export interface FormMetadata {
  payload: string;
  /** What asked for the form: a typed command, a button on a message, or a button on the Home tab. */
  origin: FormOrigin;
  responseUrl?: string;
  /** The message whose button asked (a nudge): the answer to the form replaces it. */
  message?: { channel: string; ts: string };
}

export type FormOrigin = 'command' | 'button' | 'home';

const metadataSchema = z.object({
  p: z.string().min(1).max(MAX_PAYLOAD_LENGTH),
  o: z.enum(['command', 'button', 'home']),
  r: z.url({ protocol: /^https?$/ }).optional(),
  m: z.object({ c: z.string().max(30), t: z.string().max(30) }).optional(),
  q: z.array(z.string().max(32)).max(25).optional(),
});

/**
 * How each input is tagged: block_id = the option it fills (`<option>#pick` for the date-time
 * picker next to a preset select), action_id = how to read its value back.
 */
type InputTag = 'text' | 'multiline' | 'datetime' | 'preset' | 'pick' | 'choice' | 'rep' | 'checkbox' | 'rating' | 'number';

const PICK_SUFFIX = '#pick';
const plain = (text: string, max: number): types.PlainTextElement => ({ type: 'plain_text', text: cut(text, max), emoji: true });

function option(value: string, label: string): types.PlainTextOption {
  return { text: plain(label, MODAL.optionText), value: value.slice(0, MODAL.optionValue) };
}

function input(field: FormField, element: types.InputBlockElement, blockId = field.option, label = field.label, optional = !field.required): types.InputBlock {
  return { type: 'input', block_id: blockId, label: plain(label, MODAL.label), element, optional };
}

const placeholder = (field: FormField) => (field.placeholder ? { placeholder: plain(field.placeholder, MODAL.placeholder) } : {});

function select(field: FormField, tag: InputTag, choices: { value: string; label: string }[]): types.StaticSelect {
  const options = choices.slice(0, MODAL.options).map((c) => option(c.value, c.label));
  const initial = options.find((o) => field.initial !== undefined && o.value === String(field.initial));
  return { type: 'static_select', action_id: tag, options, ...placeholder(field), ...(initial ? { initial_option: initial } : {}) };
}

function datetimePicker(field: FormField, tag: InputTag): types.DateTimepicker {
  return {
    type: 'datetimepicker',
    action_id: tag,
    ...(typeof field.initial === 'number' ? { initial_date_time: Math.floor(field.initial / 1000) } : {}),
  };
}

function fieldInputs(field: FormField, t: Translate): types.InputBlock[] {
  switch (field.kind) {
    case 'text':
    case 'multiline':
      return [
        input(field, {
          type: 'plain_text_input',
          action_id: field.kind,
          multiline: field.kind === 'multiline',
          ...(field.maxLength ? { max_length: Math.min(field.maxLength, 3000) } : {}),
          ...(typeof field.initial === 'string' ? { initial_value: field.initial } : {}),
          ...placeholder(field),
        }),
      ];
    case 'datetime':
      if (!field.choices || field.choices.length === 0) return [input(field, datetimePicker(field, 'datetime'))];
      // Presets ("in 1 hour") or a picked instant: both optional for Slack, one required by us.
      return [
        input(field, select(field, 'preset', field.choices), field.option, field.label, true),
        input(field, datetimePicker(field, 'pick'), `${field.option}${PICK_SUFFIX}`, t('slack.form.pickTime'), true),
      ];
    case 'choice':
    case 'rep':
      return [input(field, select(field, field.kind, field.choices ?? []))];
    case 'rating':
      return [
        input(
          field,
          select(field, 'rating', [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: `${'★'.repeat(n)}${'☆'.repeat(5 - n)} ${n}` }))),
        ),
      ];
    case 'checkbox': {
      const box = option('true', field.placeholder ?? field.label);
      // An unticked box is an answer (false), so the input is never required.
      return [
        input(
          field,
          { type: 'checkboxes', action_id: 'checkbox', options: [box], ...(field.initial === true ? { initial_options: [box] } : {}) },
          field.option,
          field.label,
          true,
        ),
      ];
    }
    case 'number':
      return [
        input(field, {
          type: 'number_input',
          action_id: 'number',
          is_decimal_allowed: false,
          ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
          ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
          ...(typeof field.initial === 'number' ? { initial_value: String(field.initial) } : {}),
          ...placeholder(field),
        }),
      ];
  }
}

/** A form as a Slack modal; the date-time picker shows in the user's Slack time zone and submits an instant. */
export function renderModal(form: FormBlock, metadata: FormMetadata, t: Translate): types.ModalView {
  const requiredPairs = form.fields.filter((f) => f.kind === 'datetime' && f.required && (f.choices?.length ?? 0) > 0).map((f) => f.option);
  const privateMetadata = JSON.stringify({
    p: metadata.payload,
    o: metadata.origin,
    ...(metadata.responseUrl ? { r: metadata.responseUrl } : {}),
    ...(metadata.message ? { m: { c: metadata.message.channel, t: metadata.message.ts } } : {}),
    ...(requiredPairs.length > 0 ? { q: requiredPairs } : {}),
  });
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK_ID,
    title: plain(form.title, MODAL.title),
    submit: plain(form.submitLabel, MODAL.button),
    close: plain(t('slack.form.cancel'), MODAL.button),
    private_metadata: privateMetadata,
    blocks: form.fields.flatMap((field) => fieldInputs(field, t)),
  };
}

const stateValueSchema = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_date_time: z.number().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
});

const submissionSchema = z.object({
  private_metadata: z.string().max(3000),
  state: z.object({ values: z.record(z.string(), z.record(z.string(), stateValueSchema)) }),
});

export type Submission =
  | { ok: true; metadata: FormMetadata; values: OptionValues }
  | { ok: false; errors: Record<string, string> }
  /** Not a modal Rapport opened (or its metadata was tampered with). */
  | { ok: false; errors: null };

/** Reads a submitted modal back into option values (date-times as epoch milliseconds). */
export function readSubmission(view: unknown, t: Translate): Submission {
  const parsed = submissionSchema.safeParse(view);
  if (!parsed.success) return { ok: false, errors: null };
  let meta: z.infer<typeof metadataSchema>;
  try {
    const result = metadataSchema.safeParse(JSON.parse(parsed.data.private_metadata));
    if (!result.success) return { ok: false, errors: null };
    meta = result.data;
  } catch {
    return { ok: false, errors: null };
  }
  const values: OptionValues = {};
  const errors: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(parsed.data.state.values)) {
    const name = blockId.endsWith(PICK_SUFFIX) ? blockId.slice(0, -PICK_SUFFIX.length) : blockId;
    for (const [tag, state] of Object.entries(actions)) {
      const value = readValue(tag as InputTag, state);
      if (value === undefined) continue;
      if (typeof value === 'number' && !Number.isFinite(value)) {
        errors[blockId] = t('slack.form.notANumber');
        continue;
      }
      // A picked instant wins over a preset: the user took the trouble to pick it.
      if (tag === 'preset' && values[name] !== undefined) continue;
      values[name] = value;
    }
  }
  for (const name of meta.q ?? []) if (values[name] === undefined) errors[name] = t('slack.form.required');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    values,
    metadata: {
      payload: meta.p,
      origin: meta.o,
      ...(meta.r ? { responseUrl: meta.r } : {}),
      ...(meta.m ? { message: { channel: meta.m.c, ts: meta.m.t } } : {}),
    },
  };
}

function readValue(tag: InputTag, state: z.infer<typeof stateValueSchema>): string | number | boolean | undefined {
  switch (tag) {
    case 'text':
    case 'multiline':
      return state.value ? state.value : undefined;
    case 'datetime':
    case 'pick':
      return typeof state.selected_date_time === 'number' ? state.selected_date_time * 1000 : undefined;
    case 'preset':
    case 'choice':
    case 'rep':
      return state.selected_option?.value;
    case 'rating':
      return state.selected_option ? Number(state.selected_option.value) : undefined;
    case 'checkbox':
      return (state.selected_options ?? []).length > 0;
    case 'number':
      return state.value ? Number(state.value) : undefined;
    default:
      return undefined;
  }
}
