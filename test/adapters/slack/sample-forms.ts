import type { FormBlock } from '../../../src/commands/reply.js';

/** Forms as the core sends them for the buttons that need input (issue 11): note, callback, snooze, reassign. */
export const noteForm: FormBlock = {
  type: 'form',
  title: 'Log a note on 王芳 (C000001) please',
  submitLabel: 'Save',
  invocation: { command: 'customer note', options: { who: 1 } },
  fields: [
    { option: 'text', label: 'Note', kind: 'multiline', required: true, maxLength: 4000, placeholder: 'What did you talk about?' },
    { option: 'complaint', label: 'Complaint', kind: 'checkbox', required: false, placeholder: 'This is a complaint' },
    { option: 'satisfaction', label: 'Satisfaction', kind: 'rating', required: false, initial: 4 },
  ],
  typed: '/customer note C000001 <text> [--complaint] [--satisfaction 1-5]',
};

export const callbackForm: FormBlock = {
  type: 'form',
  title: 'Schedule a callback',
  submitLabel: 'Schedule',
  invocation: { command: 'callback', options: { who: 1 } },
  fields: [
    { option: 'when', label: 'When', kind: 'datetime', required: true, initial: Date.parse('2026-12-02T02:00:00Z') },
    { option: 'note', label: 'Note', kind: 'text', required: false, maxLength: 500 },
  ],
  typed: '/callback C000001 <when> [note]',
};

export const snoozeForm: FormBlock = {
  type: 'form',
  title: 'Snooze',
  submitLabel: 'Snooze',
  invocation: { command: 'callback snooze', options: { id: 12 }, nudgeId: 7 },
  fields: [
    {
      option: 'when',
      label: 'Until',
      kind: 'datetime',
      required: true,
      choices: [
        { value: 'in 1 hour', label: 'In 1 hour' },
        { value: 'tomorrow 9:00', label: 'Tomorrow 9:00' },
      ],
    },
  ],
  typed: '/callback snooze 12 [when]',
};

export const assignForm: FormBlock = {
  type: 'form',
  title: 'Reassign',
  submitLabel: 'Reassign',
  invocation: { command: 'customer assign', options: { who: 1 } },
  fields: [
    { option: 'rep', label: 'New owner', kind: 'rep', required: true, choices: [{ value: '3', label: 'Li Na' }, { value: '4', label: 'Zhang Wei' }] },
    { option: 'count', label: 'Count', kind: 'number', required: false, min: 1, max: 5 },
  ],
  typed: '/customer assign C000001 <@rep>',
};
