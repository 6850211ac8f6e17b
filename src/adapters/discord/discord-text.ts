import { escapeMarkdown } from 'discord.js';
import type { Mention } from '../../commands/reply.js';

/**
 * The core's text is plain: anything that looks like Discord markdown (a customer called
 * `*Star* Shop`, a note starting with `# `, `> `) must show as typed, and `<@id>` typed by a
 * user must not turn into a mention.
 */
export function escapeText(text: string): string {
  return escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: true })
    .replace(/^>/gm, '\\>')
    .replace(/<(?=[@#:a]|t:)/g, '\\<');
}

/** A rep named in a message: a real mention where they are linked on Discord, else their name. */
export function mentionText(mention: Mention): string {
  const id = mention.addresses.discord;
  return id && /^\d{17,20}$/.test(id) ? `<@${id}>` : escapeText(`@${mention.name}`);
}

/** Cuts `text` to `limit` characters with an ellipsis, never leaving half an escape (`\`) at the end. */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let head = text.slice(0, Math.max(0, limit - 1));
  // An escaped character cut after its backslash would escape the ellipsis instead.
  const trailing = head.match(/\\+$/)?.[0].length ?? 0;
  if (trailing % 2 === 1) head = head.slice(0, -1);
  return `${head}…`;
}

/**
 * Joins lines within `limit`; when they do not all fit, keeps the first ones and ends with the
 * "more" line for the rest (a first line too long on its own is cut).
 */
export function fitLines(lines: readonly string[], limit: number, more: (count: number) => string): string {
  const whole = lines.join('\n');
  if (whole.length <= limit) return whole;
  if (lines.length === 1) return cut(whole, limit);
  let used = 0;
  let kept = 0;
  for (; kept < lines.length; kept++) {
    const next = used + (kept > 0 ? 1 : 0) + lines[kept]!.length;
    if (next + 1 + more(lines.length - kept - 1).length > limit) break;
    used = next;
  }
  // The "more" count can gain a digit (9 → 10) once a line is dropped: give back lines until it fits.
  let result = [...lines.slice(0, kept), more(lines.length - kept)].join('\n');
  while (kept > 0 && result.length > limit) {
    kept -= 1;
    result = [...lines.slice(0, kept), more(lines.length - kept)].join('\n');
  }
  if (kept === 0) {
    const tail = more(lines.length - 1);
    return `${cut(lines[0]!, Math.max(1, limit - tail.length - 1))}\n${tail}`;
  }
  return result;
}
