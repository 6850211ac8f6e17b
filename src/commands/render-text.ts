import stringWidth from 'string-width';
import type { Action, Block, CommandAction, Field, ListItem, Mention, Reply } from './reply.js';

/** Pads by display width, so Chinese (double-width) labels still line up in a terminal. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

const mentioned = (mention: Mention) => `@${mention.name}`;
const fieldValue = (field: Field) => (field.mention ? mentioned(field.mention) : field.value);

/** A button as text: the command that does the same (a link: its address). */
function actionLine(action: Action): string {
  return action.kind === 'link' ? `→ ${action.label}: ${action.url}` : `→ ${action.label}: ${action.typed}`;
}

function itemLines(item: ListItem, bullet: string): string[] {
  const lines = [`  ${bullet} ${item.primary}`];
  if (item.secondary) lines.push(`     ${item.secondary}`);
  for (const action of item.actions ?? []) lines.push(`     ${actionLine(action)}`);
  return lines;
}

function renderBlock(block: Block): string {
  switch (block.type) {
    case 'text': {
      const text = block.mention ? `${mentioned(block.mention)} ${block.text}` : block.text;
      return block.tone === 'error' ? `! ${text}` : text;
    }
    case 'card': {
      const fields = block.sections.flatMap((s) => s.fields);
      const width = Math.max(0, ...fields.map((f) => stringWidth(f.label)));
      const lines = [block.subtitle ? `${block.title} · ${block.subtitle}` : block.title];
      lines.push('-'.repeat(Math.max(stringWidth(lines[0]!), 20)));
      for (const section of block.sections) {
        if (section.title) lines.push(`  ${section.title}`);
        for (const field of section.fields) lines.push(`  ${padEnd(field.label, width)}  ${fieldValue(field)}`);
      }
      if (block.footer) lines.push('', block.footer);
      return lines.join('\n');
    }
    case 'list': {
      const lines = block.title ? [block.title] : [];
      block.items.forEach((item, i) => lines.push(...itemLines(item, block.numbered ? `${i + 1}.` : '•')));
      if (block.footer) lines.push(block.footer);
      const paging = [block.paging?.previous, block.paging?.next].filter((a): a is CommandAction => a !== undefined);
      lines.push(...paging.map(actionLine));
      return lines.join('\n');
    }
    case 'table': {
      const widths = block.columns.map((c, i) => Math.max(stringWidth(c), ...block.rows.map((r) => stringWidth(r[i] ?? ''))));
      const line = (cells: string[]) => `  ${cells.map((c, i) => padEnd(c, widths[i]!)).join('  ')}`.trimEnd();
      const lines = block.title ? [block.title] : [];
      lines.push(line(block.columns), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...block.rows.map(line));
      return lines.join('\n');
    }
    case 'actions':
      return block.actions.map(actionLine).join('\n');
    case 'image':
      return `[${block.alt}: ${block.fileName}]`;
    case 'file':
      return `[${block.fileName}]`;
    case 'form':
      return `${block.title}: ${block.typed}`;
  }
}

/**
 * A reply as plain text: the console's output, and the fallback every adapter needs
 * (Slack notification text, Discord accessibility, logs). Buttons and forms show as the
 * command to type.
 */
export function renderText(reply: Reply): string {
  return reply.blocks.map(renderBlock).join('\n\n');
}
