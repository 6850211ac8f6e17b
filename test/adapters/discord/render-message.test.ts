import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/adapters/discord/discord-limits.js';
import { cut, fitLines } from '../../../src/adapters/discord/discord-text.js';
import { formModal, modalValues, selectValues } from '../../../src/adapters/discord/render-form.js';
import { renderMessage, type DiscordMessage } from '../../../src/adapters/discord/render-message.js';
import { encodeInvocation } from '../../../src/commands/options.js';
import { reply, type Block, type CommandAction, type FormBlock } from '../../../src/commands/reply.js';
import { translator } from '../../../src/i18n/index.js';

const t = translator('en');

/** Every limit Discord enforces on a message; a message passing this is not rejected for size. */
function limitViolations({ body }: DiscordMessage): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  check(body.content.length <= LIMITS.content, `content ${body.content.length}`);
  check(body.embeds.length <= LIMITS.embedsPerMessage, `${body.embeds.length} embeds`);
  let total = 0;
  for (const embed of body.embeds) {
    const fields = embed.fields ?? [];
    check((embed.title?.length ?? 0) <= LIMITS.embedTitle, `title ${embed.title?.length}`);
    check((embed.description?.length ?? 0) <= LIMITS.embedDescription, `description ${embed.description?.length}`);
    check((embed.footer?.text.length ?? 0) <= LIMITS.embedFooter, 'footer');
    check(fields.length <= LIMITS.embedFields, `${fields.length} fields`);
    for (const f of fields) {
      check(f.name.length >= 1 && f.name.length <= LIMITS.fieldName, `field name ${f.name.length}`);
      check(f.value.length >= 1 && f.value.length <= LIMITS.fieldValue, `field value ${f.value.length}`);
    }
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) + fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
  }
  check(total <= LIMITS.embedTotal, `embed total ${total}`);
  check(body.components.length <= LIMITS.actionRows, `${body.components.length} rows`);
  const ids = new Set<string>();
  for (const row of body.components) {
    check(row.components.length >= 1 && row.components.length <= LIMITS.buttonsPerRow, `row of ${row.components.length}`);
    for (const c of row.components) {
      if ('label' in c && c.label !== undefined) check(c.label.length <= LIMITS.buttonLabel, `label ${c.label.length}`);
      if ('custom_id' in c) {
        check(c.custom_id.length <= LIMITS.customId, `custom_id ${c.custom_id.length}`);
        check(!ids.has(c.custom_id), `duplicate custom_id ${c.custom_id}`);
        ids.add(c.custom_id);
      }
    }
  }
  return problems;
}

const doneAction = (id: number, label = 'Done'): CommandAction => ({
  kind: 'command',
  label,
  invocation: { command: 'callback done', options: { id } },
  typed: `/callback done ${id}`,
});

describe('renderMessage', () => {
  it('does attach a file block as a file, and name one too large for Discord instead of attaching it', () => {
    const csv = (name: string, bytes: number) => ({ type: 'file' as const, fileName: name, contentType: 'text/csv', bytes: new Uint8Array(bytes) });
    const { body, files } = renderMessage(reply.private({ type: 'text', text: 'Imported' }, csv('orders.rejects.csv', 2_000), csv('huge.rejects.csv', LIMITS.attachmentBytes)), t);
    expect(files.map((f) => [f.name, f.contentType, f.data.length])).toEqual([['orders.rejects.csv', 'text/csv', 2_000]]);
    expect(body.attachments).toEqual([{ id: 0, filename: 'orders.rejects.csv' }]);
    expect(body.content).toBe('Imported\nhuge.rejects.csv (10.0 MB) is too large for Discord to attach.');
  });

  it('does escape Discord markdown and stray mentions in plain text', () => {
    const { body } = renderMessage(reply.private({ type: 'text', text: '*Star* Shop_1 # top > quote <@123456789012345678> `x`' }), t);
    expect(body.content).toBe('\\*Star\\* Shop\\_1 # top > quote \\<@123456789012345678> \\`x\\`');
    const lines = renderMessage(reply.private({ type: 'text', text: '# heading\n> quote\n- item' }), t).body.content;
    expect(lines).toBe('\\# heading\n\\> quote\n\\- item');
  });

  it('does mention a linked rep in text (pinging only them) and name an unlinked one', () => {
    const linked = { name: 'Zhang Wei', addresses: { discord: '53908232506183680' } };
    const { body } = renderMessage(
      reply.channel({ type: 'text', text: 'call 王芳 today', mention: linked }, { type: 'text', text: 'and Li Na too', mention: { name: 'Li_Na', addresses: { slack: 'U1' } } }),
      t,
    );
    expect(body.content).toBe('<@53908232506183680> call 王芳 today\n@Li\\_Na and Li Na too');
    expect(body.allowed_mentions).toEqual({ parse: [], users: ['53908232506183680'] });
  });

  it('does keep 24 of 30 card fields and say how many more', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ label: `F${i}`, value: `v${i}` }));
    const { body } = renderMessage(reply.private({ type: 'card', title: 'Many', sections: [{ fields }] }), t);
    expect(body.embeds[0]!.fields).toHaveLength(25);
    expect(body.embeds[0]!.fields![24]).toEqual({ name: '\u200b', value: '…and 6 more' });
    expect(body.embeds[0]!.fields![23]!.name).toBe('F23');
  });

  it('does cut long content at a line with a "more" line in the asker’s language', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const { body } = renderMessage(reply.private({ type: 'text', text: lines.join('\n') }), translator('zh-CN'));
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.content.split('\n').at(-1)).toMatch(/^……另有 \d+ 项$/);
    expect(body.content.split('\n')[0]).toBe(lines[0]);
  });

  it('does lay out per-item buttons in at most 5 rows, keep paging, and show the rest as commands to type', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({
      primary: `Callback ${i + 1}`,
      actions: [doneAction(i + 1), { ...doneAction(i + 1), label: 'Snooze', invocation: { command: 'callback snooze', options: { id: i + 1 } }, typed: `/callback snooze ${i + 1}` }, { ...doneAction(i + 1), label: 'Note', invocation: { command: 'customer note', options: { who: i + 1 } }, typed: `/customer note ${i + 1} <text>` }],
    }));
    const next: CommandAction = { kind: 'command', label: 'Next', invocation: { command: 'callbacks', options: { page: 2 } }, typed: '/callbacks --page 2' };
    const message = renderMessage(reply.private({ type: 'list', numbered: false, items, paging: { page: 1, pages: 2, next } }), t);
    expect(limitViolations(message)).toEqual([]);
    const rows = message.body.components;
    expect(rows).toHaveLength(5);
    expect(rows.at(-1)!.components).toEqual([expect.objectContaining({ label: 'Next' })]);
    expect(rows[0]!.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['1 · Done', '1 · Snooze', '1 · Note']);
    const description = message.body.embeds[0]!.description!;
    expect(description).toContain('5. Callback 5\n   → Done: `/callback done 5`');
    expect(description).not.toContain('→ Done: `/callback done 4`');
  });

  it('does render a table as a code block and cut its rows with a "more" line after the fence', () => {
    const rows = Array.from({ length: 400 }, (_, i) => [`Rep ${i}`, `${i}`, '```']);
    const { body } = renderMessage(reply.private({ type: 'table', title: 'Per rep', columns: ['Rep', 'At risk', 'Note'], rows }), t);
    const description = body.embeds[0]!.description!;
    expect(description.length).toBeLessThanOrEqual(LIMITS.embedDescription);
    expect(description.startsWith('```\n  Rep')).toBe(true);
    expect(description).toMatch(/\n```\n…and \d+ more$/);
    expect(description.slice(3, -30)).not.toContain('```\n  Rep 1');
  });

  it('does give one button to the same invocation twice and drop link buttons Discord would refuse', () => {
    const { body } = renderMessage(
      reply.private({ type: 'actions', actions: [doneAction(1), doneAction(1, 'Done again'), { kind: 'link', label: 'Open', url: 'javascript:alert(1)' }] }),
      t,
    );
    expect(body.components[0]!.components).toHaveLength(1);
    expect(body.content).toBe('→ Open: javascript:alert(1)');
  });

  it('does show a form with more fields than a modal holds as a button that asks again', () => {
    const form: FormBlock = {
      type: 'form',
      title: 'Settings',
      submitLabel: 'Save',
      invocation: { command: 'rapport settings', options: {} },
      typed: '/rapport settings',
      fields: Array.from({ length: 6 }, (_, i) => ({ option: `f${i}`, label: `Field ${i}`, kind: 'text' as const, required: false })),
    };
    expect(formModal(form)).toBeNull();
    const { body } = renderMessage(reply.private(form), t);
    expect(body.components[0]!.components[0]).toMatchObject({ type: 2, label: 'Settings', custom_id: encodeInvocation(form.invocation) });
  });

  it('does stay within every Discord limit whatever the reply holds', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 3000 });
    const label = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 300 });
    const action = fc.record({ id: fc.integer({ min: 1, max: 99 }), label }).map(({ id, label }) => doneAction(id, label));
    const block: fc.Arbitrary<Block> = fc.oneof(
      fc.record({ type: fc.constant('text' as const), text }),
      fc.record({
        type: fc.constant('card' as const),
        title: label,
        sections: fc.array(fc.record({ title: fc.option(label, { nil: undefined }), fields: fc.array(fc.record({ label, value: text }), { maxLength: 20 }) }), { maxLength: 3 }),
        footer: fc.option(text, { nil: undefined }),
      }),
      fc.record({
        type: fc.constant('list' as const),
        numbered: fc.boolean(),
        title: fc.option(label, { nil: undefined }),
        items: fc.array(fc.record({ primary: text, secondary: fc.option(text, { nil: undefined }), actions: fc.array(action, { maxLength: 6 }) }), { maxLength: 12 }),
      }),
      fc.record({ type: fc.constant('table' as const), columns: fc.array(label, { minLength: 1, maxLength: 4 }), rows: fc.array(fc.array(label, { minLength: 4, maxLength: 4 }), { maxLength: 60 }) }),
      fc.record({ type: fc.constant('actions' as const), actions: fc.array(action, { maxLength: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(block, { maxLength: 12 }), (blocks) => {
        expect(limitViolations(renderMessage({ visibility: 'private', blocks }, t))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('cutting text', () => {
  it('does not leave half an escape before the ellipsis', () => {
    expect(cut('ab\\*cd', 4)).toBe('ab…');
    expect(cut('a\\\\bc', 4)).toBe('a\\\\…');
  });

  it('does keep whole lines and count the rest, even when the count gains a digit', () => {
    const more = (n: number) => `+${n}`;
    expect(fitLines(['aaaa', 'bbbb', 'cccc'], 20, more)).toBe('aaaa\nbbbb\ncccc');
    expect(fitLines(['aaaa', 'bbbb', 'cccc'], 12, more)).toBe('aaaa\nbbbb\n+1');
    const lines = Array.from({ length: 10 }, () => 'x');
    const fitted = fitLines(lines, 17, more);
    expect(fitted.length).toBeLessThanOrEqual(17);
    expect(fitted.split('\n').at(-1)).toMatch(/^\+\d+$/);
    expect(fitLines(['y'.repeat(50), 'z'], 20, more)).toBe(`${'y'.repeat(16)}…\n+1`);
  });
});

describe('form values from Discord', () => {
  it('does type modal values by the kind their field declared', () => {
    expect(
      modalValues([
        { custom_id: 'rating:satisfaction', values: ['5'] },
        { custom_id: 'number:count', value: '12' },
        { custom_id: 'number:bad', value: '12abc' },
        { custom_id: 'checkbox:complaint', value: true },
        { custom_id: 'text:note', value: '' },
        { custom_id: 'rep:rep', values: ['7'] },
        { custom_id: 'forged', value: '3' },
      ]),
    ).toEqual({ satisfaction: 5, count: 12, bad: '12abc', complaint: true, rep: '7', forged: '3' });
  });

  it('does read a select menu choice and ignore a value without its field', () => {
    expect(selectValues(['rating:satisfaction=4'])).toEqual({ satisfaction: 4 });
    expect(selectValues(['datetime:when=in 1 hour'])).toEqual({ when: 'in 1 hour' });
    expect(selectValues(['no-field'])).toEqual({});
    expect(selectValues([])).toEqual({});
  });

  it('does let the user type a rep when the team has more reps than a select holds', () => {
    const choices = Array.from({ length: 30 }, (_, i) => ({ value: String(i + 1), label: `Rep ${i + 1}` }));
    const few = choices.slice(0, 3);
    const form = (list: typeof choices): FormBlock => ({
      type: 'form',
      title: 'Reassign',
      submitLabel: 'Save',
      invocation: { command: 'customer assign', options: { who: 1 } },
      typed: '/customer assign C000001 <@rep>',
      fields: [{ option: 'rep', label: 'New owner', kind: 'rep', required: true, choices: list }],
    });
    const component = (list: typeof choices) => (formModal(form(list))!.components[0] as unknown as { component: { type: number } }).component;
    expect(component(few).type).toBe(3);
    expect(component(choices)).toMatchObject({ type: 4, custom_id: 'rep:rep' });
  });

  it('does fit a modal to Discord: title 45, labels 45, a date-time without its instant pre-filled', () => {
    const modal = formModal({
      type: 'form',
      title: 'Reschedule the callback with 王芳 about the refill order',
      submitLabel: 'Save',
      invocation: { command: 'callback snooze', options: { id: 12 } },
      typed: '/callback snooze 12 <when>',
      fields: [{ option: 'when', label: 'When should Rapport remind you about this callback?', kind: 'datetime', required: true, initial: 1_780_000_000_000, placeholder: 'tomorrow 10am' }],
    })!;
    expect(modal.title.length).toBeLessThanOrEqual(45);
    const label = modal.components[0] as unknown as { label: string; component: Record<string, unknown> };
    expect(label.label.length).toBeLessThanOrEqual(45);
    expect(label.component).toEqual({ type: 4, custom_id: 'datetime:when', style: 1, required: true, max_length: 4000, placeholder: 'tomorrow 10am' });
  });
});
