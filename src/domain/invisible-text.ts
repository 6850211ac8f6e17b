/**
 * Zero-width characters and bidirectional controls (invisible, and U+202E can make a reply
 * read backwards), and control characters other than tab and newline (a NUL broke the name
 * search until the fuzz test found it).
 */
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C\u00AD]/g;

/** Invisible characters are dropped from everything users type and every imported cell. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}
