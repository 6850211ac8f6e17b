import { describe, expect, it } from 'vitest';
import { FORM_CALLBACK_ID, readSubmission, renderModal } from '../../../src/adapters/slack/modal.js';
import { encodeInvocation } from '../../../src/commands/options.js';
import type { FormBlock } from '../../../src/commands/reply.js';
import { assignForm, callbackForm, noteForm, snoozeForm } from './sample-forms.js';
import { translator } from '../../../src/i18n/index.js';

const t = translator('en');
type Json = Record<string, any>;

const modal = (form: FormBlock) => JSON.parse(JSON.stringify(renderModal(form, { payload: encodeInvocation(form.invocation), origin: 'button', responseUrl: 'https://hooks.slack.com/actions/T/1/x' }, t))) as Json;

describe('forms as Slack modals', () => {
  it('does open a note form with a multiline text, a checkbox and a 1–5 rating', () => {
    const view = modal(noteForm);
    expect(view).toMatchObject({ type: 'modal', callback_id: FORM_CALLBACK_ID, submit: { text: 'Save' }, close: { text: 'Cancel' } });
    expect(view.title.text).toHaveLength(24);
    expect(JSON.parse(view.private_metadata)).toEqual({ p: encodeInvocation(noteForm.invocation), o: 'button', r: 'https://hooks.slack.com/actions/T/1/x' });
    const [text, complaint, rating] = view.blocks as Json[];
    expect(text).toMatchObject({ type: 'input', block_id: 'text', optional: false, element: { type: 'plain_text_input', action_id: 'multiline', multiline: true, max_length: 3000 } });
    expect(text!.element.placeholder.text).toBe('What did you talk about?');
    expect(complaint).toMatchObject({ block_id: 'complaint', optional: true, element: { type: 'checkboxes', action_id: 'checkbox', options: [{ value: 'true', text: { text: 'This is a complaint' } }] } });
    expect(rating!.element.type).toBe('static_select');
    expect(rating!.element.options.map((o: Json) => o.value)).toEqual(['1', '2', '3', '4', '5']);
    expect(rating!.element.initial_option.value).toBe('4');
  });

  it('does offer a date-time picker that starts at the given instant (Unix seconds)', () => {
    const [when, note] = modal(callbackForm).blocks as Json[];
    expect(when).toMatchObject({ block_id: 'when', optional: false, element: { type: 'datetimepicker', action_id: 'datetime', initial_date_time: Date.parse('2026-12-02T02:00:00Z') / 1000 } });
    expect(note).toMatchObject({ optional: true, element: { type: 'plain_text_input', multiline: false, max_length: 500 } });
  });

  it('does offer snooze presets next to a picker, both optional for Slack, one required by us', () => {
    const view = modal(snoozeForm);
    const [preset, pick] = view.blocks as Json[];
    expect(preset).toMatchObject({ block_id: 'when', optional: true, element: { type: 'static_select', action_id: 'preset' } });
    expect(preset!.element.options.map((o: Json) => o.text.text)).toEqual(['In 1 hour', 'Tomorrow 9:00']);
    expect(pick).toMatchObject({ block_id: 'when#pick', optional: true, label: { text: 'Or pick a date and time' }, element: { type: 'datetimepicker', action_id: 'pick' } });
    expect(JSON.parse(view.private_metadata).q).toEqual(['when']);
  });

  it('does offer the manager’s reps as a select and a whole-number input within its range', () => {
    const [rep, count] = modal(assignForm).blocks as Json[];
    expect(rep!.element.options).toEqual([
      { text: { type: 'plain_text', text: 'Li Na', emoji: true }, value: '3' },
      { text: { type: 'plain_text', text: 'Zhang Wei', emoji: true }, value: '4' },
    ]);
    expect(count!.element).toMatchObject({ type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '5' });
  });

  it('does read a submission back as values by option name: date-times in epoch ms, boxes as booleans, ratings as numbers', () => {
    const view = modal(noteForm);
    const read = readSubmission(
      {
        private_metadata: view.private_metadata,
        state: {
          values: {
            text: { multiline: { type: 'plain_text_input', value: 'Called, happy with the serum' } },
            complaint: { checkbox: { type: 'checkboxes', selected_options: [{ value: 'true' }] } },
            satisfaction: { rating: { type: 'static_select', selected_option: { value: '5' } } },
          },
        },
      },
      t,
    );
    expect(read).toEqual({
      ok: true,
      metadata: { payload: encodeInvocation(noteForm.invocation), origin: 'button', responseUrl: 'https://hooks.slack.com/actions/T/1/x' },
      values: { text: 'Called, happy with the serum', complaint: true, satisfaction: 5 },
    });
    const unticked = readSubmission({ private_metadata: view.private_metadata, state: { values: { complaint: { checkbox: { type: 'checkboxes', selected_options: [] } } } } }, t);
    expect(unticked.ok && unticked.values).toEqual({ complaint: false });
    const picked = readSubmission(
      { private_metadata: modal(callbackForm).private_metadata, state: { values: { when: { datetime: { type: 'datetimepicker', selected_date_time: 1_764_640_800 } }, note: { text: { type: 'plain_text_input', value: null } } } } },
      t,
    );
    expect(picked.ok && picked.values).toEqual({ when: 1_764_640_800_000 });
  });

  it('does take a picked instant over a preset, a preset alone, and ask again when neither was given', () => {
    const metadata = modal(snoozeForm).private_metadata;
    const both = readSubmission(
      { private_metadata: metadata, state: { values: { 'when#pick': { pick: { type: 'datetimepicker', selected_date_time: 1_764_640_800 } }, when: { preset: { type: 'static_select', selected_option: { value: 'in 1 hour' } } } } } },
      t,
    );
    expect(both.ok && both.values).toEqual({ when: 1_764_640_800_000 });
    const preset = readSubmission({ private_metadata: metadata, state: { values: { when: { preset: { type: 'static_select', selected_option: { value: 'in 1 hour' } } }, 'when#pick': { pick: { type: 'datetimepicker', selected_date_time: null } } } } }, t);
    expect(preset.ok && preset.values).toEqual({ when: 'in 1 hour' });
    expect(readSubmission({ private_metadata: metadata, state: { values: { when: { preset: { type: 'static_select', selected_option: null } } } } }, t)).toEqual({
      ok: false,
      errors: { when: 'Please fill this in.' },
    });
  });

  it('does refuse a submission whose metadata Rapport did not write', () => {
    const values = { state: { values: {} } };
    for (const privateMetadata of ['', 'not json', '{"p":"1{}"}', JSON.stringify({ p: 'x'.repeat(500), o: 'button' }), JSON.stringify({ p: '1{}', o: 'button', r: 'javascript:x' })]) {
      expect(readSubmission({ private_metadata: privateMetadata, ...values }, t)).toEqual({ ok: false, errors: null });
    }
    expect(readSubmission({ nothing: true }, t)).toEqual({ ok: false, errors: null });
  });

  it('does ask for a whole number again when the number input holds none', () => {
    const metadata = modal(assignForm).private_metadata;
    expect(readSubmission({ private_metadata: metadata, state: { values: { count: { number: { type: 'number_input', value: '1e999' } } } } }, t)).toEqual({
      ok: false,
      errors: { count: 'Please enter a whole number.' },
    });
  });
});
