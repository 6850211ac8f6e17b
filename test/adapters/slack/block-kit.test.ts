import { describe, expect, it } from 'vitest';
import { ACTION_ID, BLOCK_KIT, cut, escapeMrkdwn, renderBlocks, renderMessage, type SlackBlock } from '../../../src/adapters/slack/block-kit.js';
import { decodeInvocation } from '../../../src/commands/options.js';
import { reply, type Block, type CommandAction, type ImageBlock, type Reply } from '../../../src/commands/reply.js';
import { translator } from '../../../src/i18n/index.js';

const t = translator('en');
const render = (blocks: Block[], maxBlocks: number = BLOCK_KIT.messageBlocks) => renderBlocks(blocks, { t, maxBlocks });
type Json = Record<string, any>;
const json = (blocks: SlackBlock[]) => JSON.parse(JSON.stringify(blocks)) as Json[];

const done = (id: number): CommandAction => ({
  kind: 'command',
  label: 'Done',
  style: 'primary',
  invocation: { command: 'callback done', options: { id }, nudgeId: 7 },
  typed: `/callback done ${id}`,
});
const snooze = (id: number): CommandAction => ({
  kind: 'command',
  label: 'Snooze',
  invocation: { command: 'callback snooze', options: { id } },
  typed: `/callback snooze ${id}`,
});

/** Slack's documented Block Kit limits, written out here so the check does not trust the renderer's own numbers. */
const SLACK = { sectionText: 3000, sectionFields: 10, fieldText: 2000, headerText: 150, actionsElements: 25, buttonLabel: 75, buttonValue: 2000 };

/** Every limit Slack checks on the blocks we send, as one list of broken rules (empty when Slack accepts). */
function brokenLimits(blocks: SlackBlock[], maxBlocks: number): string[] {
  const BLOCK_KIT = SLACK;
  const broken: string[] = [];
  if (blocks.length > maxBlocks) broken.push(`${blocks.length} blocks`);
  for (const block of json(blocks)) {
    if (block.type === 'section') {
      if (block.text && block.text.text.length > BLOCK_KIT.sectionText) broken.push(`section text ${block.text.text.length}`);
      if (block.fields && block.fields.length > BLOCK_KIT.sectionFields) broken.push(`${block.fields.length} fields`);
      for (const field of block.fields ?? []) if (field.text.length > BLOCK_KIT.fieldText) broken.push(`field ${field.text.length}`);
      if (!block.text && !block.fields) broken.push('empty section');
    }
    if (block.type === 'header' && block.text.text.length > BLOCK_KIT.headerText) broken.push(`header ${block.text.text.length}`);
    const buttons = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])].filter((e: Json) => e.type === 'button');
    if (block.type === 'actions' && block.elements.length > BLOCK_KIT.actionsElements) broken.push(`${block.elements.length} buttons`);
    for (const button of buttons) {
      if (button.text.text.length > BLOCK_KIT.buttonLabel) broken.push(`label ${button.text.text.length}`);
      if ((button.value ?? '').length > BLOCK_KIT.buttonValue) broken.push(`value ${button.value.length}`);
    }
    if (block.type === 'context') for (const e of block.elements) if (e.text.length > BLOCK_KIT.sectionText) broken.push(`context ${e.text.length}`);
  }
  return broken;
}

describe('the Block Kit renderer', () => {
  it('does render a card as a header, its subtitle and sections of at most 10 fields', () => {
    const fields = Array.from({ length: 16 }, (_, i) => ({ label: `Label ${i + 1}`, value: `value ${i + 1}` }));
    const blocks = json(
      render([
        {
          type: 'card',
          title: '王芳 · C000001',
          subtitle: 'Tier A · high value',
          sections: [{ fields: fields.slice(0, 4) }, { title: 'Contact', fields: fields.slice(4) }],
          footer: 'Next: call about the refill',
        },
      ]),
    );
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '王芳 · C000001', emoji: true } });
    expect(blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Tier A · high value', verbatim: true }] });
    expect(blocks[2]!.fields).toHaveLength(4);
    expect(blocks[2]!.fields[0]).toEqual({ type: 'mrkdwn', text: '*Label 1*\nvalue 1', verbatim: true });
    expect(blocks[3]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Contact*', verbatim: true } });
    expect(blocks[4]!.fields).toHaveLength(10);
    expect(blocks[5]!.fields).toHaveLength(2);
    expect(blocks[5]!.fields[1].text).toBe('*Label 16*\nvalue 16');
    expect(blocks[6]!.text.text).toBe('Next: call about the refill');
  });

  it('does escape &, < and > in text the core wrote, so data cannot ping or link anyone', () => {
    const blocks = json(render([{ type: 'text', text: 'Tom & Jerry <!channel> <@U123> a>b' }]));
    expect(blocks[0]!.text.text).toBe('Tom &amp; Jerry &lt;!channel&gt; &lt;@U123&gt; a&gt;b');
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
  });

  it('does turn a mention into a real Slack mention when the rep is linked on Slack, else @name', () => {
    const linked = json(render([{ type: 'text', text: 'owns this', mention: { name: 'Zhang Wei', addresses: { slack: 'U0ZHANGWEI', discord: '42' } } }]));
    expect(linked[0]!.text.text).toBe('<@U0ZHANGWEI> owns this');
    const unlinked = json(render([{ type: 'text', text: 'owns this', mention: { name: 'Li <Na>', addresses: { discord: '42' } } }]));
    expect(unlinked[0]!.text.text).toBe('@Li &lt;Na&gt; owns this');
    const forged = json(render([{ type: 'text', text: 'x', mention: { name: 'Eve', addresses: { slack: '!channel' } } }]));
    expect(forged[0]!.text.text).toBe('@Eve x');
    const owner = json(render([{ type: 'card', title: 'C1', sections: [{ fields: [{ label: 'Owner', value: 'Zhang Wei', mention: { name: 'Zhang Wei', addresses: { slack: 'U0ZHANGWEI' } } }] }] }]));
    expect(owner[1]!.fields[0].text).toBe('*Owner*\n<@U0ZHANGWEI>');
  });

  it('does show tones: errors with a warning sign, success with a check, muted as small print', () => {
    const blocks = json(
      render([
        { type: 'text', text: 'No customer matches', tone: 'error' },
        { type: 'text', text: 'Saved', tone: 'success' },
        { type: 'text', text: 'as of today', tone: 'muted' },
        { type: 'text', text: 'plain' },
      ]),
    );
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'context', 'section']);
    expect(blocks[0]!.text.text).toBe(':warning: No customer matches');
    expect(blocks[1]!.text.text).toBe(':white_check_mark: Saved');
    expect(blocks[2]!.elements[0].text).toBe('as of today');
  });

  it('does give a list item with one button an accessory, and one with several a row of its own', () => {
    const blocks = json(
      render([
        {
          type: 'list',
          title: 'Today',
          numbered: true,
          items: [
            { primary: '王芳 10:00', secondary: 'check on the refill', actions: [done(1)] },
            { primary: 'Emma Fischer 11:00', actions: [done(2), snooze(2)] },
            { primary: 'No buttons' },
          ],
        },
      ]),
    );
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'section', 'actions', 'section']);
    expect(blocks[1]!.text.text).toBe('1. 王芳 10:00\ncheck on the refill');
    expect(blocks[1]!.accessory).toMatchObject({ type: 'button', text: { text: 'Done' }, style: 'primary' });
    expect(decodeInvocation(blocks[1]!.accessory.value)).toEqual({ command: 'callback done', options: { id: 1 }, nudgeId: 7 });
    expect(blocks[3]!.elements.map((e: Json) => e.text.text)).toEqual(['Done', 'Snooze']);
    expect(blocks[3]!.elements[1].style).toBeUndefined();
    const ids = [blocks[1]!.accessory.action_id, ...blocks[3]!.elements.map((e: Json) => e.action_id)];
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id.startsWith(`${ACTION_ID.command}:`))).toBe(true);
  });

  it('does page a list with Previous/Next buttons under the core’s footer (which says where the reader is)', () => {
    const page = (n: number): CommandAction => ({ kind: 'command', label: n > 2 ? 'Next' : 'Previous', invocation: { command: 'customer list', options: { page: n } }, typed: `/customer list --page ${n}` });
    const blocks = json(render([{ type: 'list', numbered: false, items: [{ primary: 'a' }], footer: 'Page 2 of 5', paging: { page: 2, pages: 5, previous: page(1), next: page(3) } }]));
    expect(blocks).toHaveLength(3);
    expect(blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Page 2 of 5', verbatim: true }] });
    expect(blocks[2]!.elements.map((e: Json) => [e.text.text, decodeInvocation(e.value)?.options])).toEqual([
      ['Previous', { page: 1 }],
      ['Next', { page: 3 }],
    ]);
  });

  it('does render a table as one line per row, readable on a phone', () => {
    const blocks = json(
      render([
        {
          type: 'table',
          title: 'Per rep',
          columns: ['Rep', 'At risk', 'Lapsed', 'Revenue at risk'],
          rows: [
            ['张伟', '3', '', '¥1,200.00'],
            ['Li Na', '0', '1', '¥0.00'],
          ],
        },
      ]),
    );
    expect(blocks[1]!.text.text).toBe('*张伟* — At risk: 3 · Revenue at risk: ¥1,200.00\n*Li Na* — At risk: 0 · Lapsed: 1 · Revenue at risk: ¥0.00');
  });

  it('does keep button styles and make link buttons open their URL', () => {
    const blocks = json(
      render([
        {
          type: 'actions',
          actions: [
            { kind: 'command', label: 'Reassign', style: 'danger', invocation: { command: 'customer assign', options: { who: 1 } }, typed: '/customer assign C000001 <@rep>' },
            { kind: 'link', label: 'Open CRM', url: 'https://crm.example.com/c/1' },
          ],
        },
      ]),
    );
    expect(blocks[0]!.elements[0]).toMatchObject({ style: 'danger', text: { text: 'Reassign' } });
    expect(blocks[0]!.elements[1]).toMatchObject({ url: 'https://crm.example.com/c/1', text: { text: 'Open CRM' } });
    expect(blocks[0]!.elements[1].action_id.startsWith(`${ACTION_ID.link}:`)).toBe(true);
    expect(blocks[0]!.elements[1].value).toBeUndefined();
  });

  it('does show a button whose payload cannot be encoded, or a link that is no URL, as the line to type', () => {
    const tooLong: CommandAction = { kind: 'command', label: 'Note', invocation: { command: 'customer note', options: { text: 'x'.repeat(200) } }, typed: '/customer note C1 <text>' };
    const blocks = json(render([{ type: 'actions', actions: [done(1), tooLong, { kind: 'link', label: 'Bad', url: 'javascript:alert(1)' }] }]));
    expect(blocks[0]!.elements).toHaveLength(1);
    expect(blocks[1]!.elements[0].text).toBe('→ Note: /customer note C1 &lt;text&gt;\n→ Bad: javascript:alert(1)');
  });

  it('does show an uploaded image inside the message by its Slack file id, else as its description', () => {
    const image: ImageBlock = { type: 'image', png: new Uint8Array([1, 2, 3]), alt: 'Churn digest chart', fileName: 'digest.png' };
    expect(json(renderBlocks([image], { t, maxBlocks: 50, images: new Map([[image, 'F0CHART']]) }))).toEqual([
      { type: 'image', slack_file: { id: 'F0CHART' }, alt_text: 'Churn digest chart' },
    ]);
    expect(json(render([image]))[0]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '[Churn digest chart: digest.png]', verbatim: true }] });
  });

  it('does render a form inside a message as a button that asks for it again, and the line to type', () => {
    const blocks = json(
      render([
        {
          type: 'form',
          title: 'Log a note',
          submitLabel: 'Save',
          invocation: { command: 'customer note', options: { who: 1 } },
          fields: [{ option: 'text', label: 'Note', kind: 'multiline', required: true }],
          typed: '/customer note C000001 <text>',
        },
      ]),
    );
    expect(blocks[0]!.elements[0]).toMatchObject({ text: { text: 'Log a note' }, style: 'primary' });
    expect(decodeInvocation(blocks[0]!.elements[0].value)).toEqual({ command: 'customer note', options: { who: 1 } });
    expect(blocks[1]!.elements[0].text).toBe('/customer note C000001 &lt;text&gt;');
  });

  it('does cut labels to 75 characters and headers to 150, and spread a long text over sections', () => {
    const long = `${'长'.repeat(2990)}\n${'x'.repeat(2500)}`;
    const blocks = render([
      { type: 'card', title: 'T'.repeat(400), sections: [{ fields: [{ label: 'L', value: 'v'.repeat(2500) }] }] },
      { type: 'actions', actions: [{ ...done(1), label: 'D'.repeat(200) }] },
      { type: 'text', text: long },
    ]);
    expect(brokenLimits(blocks, 50)).toEqual([]);
    const out = json(blocks);
    expect(out[0]!.text.text).toHaveLength(150);
    expect(out[0]!.text.text.endsWith('…')).toBe(true);
    expect(out[2]!.elements[0].text.text).toHaveLength(75);
    const sections = out.slice(3).map((b) => b.text.text).join('\n');
    expect(sections).toBe(long);
  });

  it('does keep within 50 blocks by cutting whole items and saying how many were left out', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ primary: `Customer ${i + 1}`, actions: [done(i + 1), snooze(i + 1)] }));
    const blocks = render([{ type: 'list', title: 'Agenda', numbered: true, items }]);
    expect(brokenLimits(blocks, 50)).toEqual([]);
    expect(blocks).toHaveLength(50);
    const out = json(blocks);
    // title + 24 items of two blocks + the "more" line: 16 items are left out.
    expect(out[49]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '…and 16 more not shown here.', verbatim: true }] });
    expect(out[47]!.text.text).toBe('24. Customer 24');
    expect(out[48]!.type).toBe('actions');
  });

  it('does keep within the limits for a hostile reply of every kind', () => {
    const huge: Reply = {
      visibility: 'private',
      blocks: [
        { type: 'text', text: '&<>'.repeat(3000) },
        { type: 'card', title: '', sections: [{ title: 'S'.repeat(5000), fields: Array.from({ length: 40 }, () => ({ label: 'l'.repeat(3000), value: '<'.repeat(3000) })) }] },
        { type: 'table', columns: ['a', 'b'], rows: Array.from({ length: 500 }, () => ['x'.repeat(4000), 'y']) },
        { type: 'actions', actions: Array.from({ length: 60 }, (_, i) => done(i + 1)) },
      ],
    };
    const message = renderMessage(huge, { t, maxBlocks: 50 });
    expect(brokenLimits(message.blocks, 50)).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(BLOCK_KIT.sectionText);
    expect(brokenLimits(renderBlocks(huge.blocks, { t, maxBlocks: 100 }), 100)).toEqual([]);
    for (const block of huge.blocks) expect(brokenLimits(render([block]), 50)).toEqual([]);
  });

  it('does cut without splitting a character, and leave short text alone', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('😀😀😀', 4)).toBe('😀…');
    expect(cut('abcdef', 4)).toBe('abc…');
  });

  it('does escape the fallback text (a typed <!channel> must not notify anyone) and cut it between entities', () => {
    const message = renderMessage(reply.text('<!channel> Tom & Jerry'), { t, maxBlocks: 50 });
    expect(message.text).toBe('&lt;!channel&gt; Tom &amp; Jerry');
    const long = renderMessage(reply.text(`${'x'.repeat(2996)}&&&`), { t, maxBlocks: 50 });
    expect(long.text).toBe(`${'x'.repeat(2996)}…`);
  });

  it('does give notifications the first block in a line: a card’s title, a list’s title, a whole text', () => {
    const text = (blocks: Block[]) => renderMessage({ visibility: 'private', blocks }, { t, maxBlocks: 50 }).text;
    expect(text([{ type: 'actions', actions: [done(3)] }])).toBe('→ Done: /callback done 3');
    expect(text([{ type: 'card', title: '王芳', subtitle: '上海', sections: [{ fields: [{ label: 'Tier', value: 'A' }] }] }, { type: 'actions', actions: [done(3)] }])).toBe('王芳 · 上海');
    expect(text([{ type: 'list', title: 'Your callbacks', numbered: false, items: [{ primary: 'a' }] }])).toBe('Your callbacks');
    expect(text([{ type: 'text', text: 'No such customer', tone: 'error' }, { type: 'text', text: 'more' }])).toBe('! No such customer');
  });
});
