import stringWidth from 'string-width';
import type { Block, Reply } from '../../commands/reply.js';

/** Pads by display width, so Chinese (double-width) labels still line up in a terminal. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

function renderBlock(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.tone === 'error' ? `! ${block.text}` : block.text;
    case 'card': {
      const width = Math.max(...block.fields.map((f) => stringWidth(f.label)));
      const lines = [block.subtitle ? `${block.title} · ${block.subtitle}` : block.title];
      lines.push('-'.repeat(Math.max(stringWidth(lines[0]!), 20)));
      for (const field of block.fields) lines.push(`  ${padEnd(field.label, width)}  ${field.value}`);
      if (block.footer) lines.push('', block.footer);
      return lines.join('\n');
    }
    case 'list': {
      const lines = block.title ? [block.title] : [];
      block.items.forEach((item, i) => {
        const bullet = block.numbered ? `${i + 1}.` : '•';
        lines.push(`  ${bullet} ${item.primary}`);
        if (item.secondary) lines.push(`     ${item.secondary}`);
      });
      if (block.footer) lines.push(block.footer);
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
      // No buttons in a terminal: show the command that does the same, where there is one.
      return block.actions.map((a) => (a.command ? `→ ${a.label}: ${a.command}` : `[${a.label}]`)).join('\n');
    case 'image':
      return `[${block.alt}: ${block.fileName}]`;
  }
}

/** A reply as plain terminal text. */
export function renderText(reply: Reply): string {
  return reply.blocks.map(renderBlock).join('\n\n');
}
