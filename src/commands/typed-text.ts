import { stripInvisible } from '../domain/invisible-text.js';
import type { Translate } from '../i18n/index.js';
import type { AnyCommand, CommandKey, ParsedText } from './command.js';
import type { OptionSpec, OptionValue, OptionValues } from './options.js';

/** Longest command line accepted (characters, after normalising). */
export const MAX_LINE_LENGTH = 2000;

export { stripInvisible };

/**
 * What users type, made comparable: NFKC folds full-width letters, digits and marks (`Ｅｍｍａ`,
 * `１２`, `－－page`) to their plain forms. Used for command names, flags, keywords and every
 * option but free text, where it would change Chinese punctuation (`：` → `:`).
 */
export function fold(text: string): string {
  return stripInvisible(text).normalize('NFKC');
}

export interface Token {
  text: string;
  quoted: boolean;
}

/** Straight, curly and CJK quotes, each with its closing mark. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '「': '」', '『': '』', '„': '“', '«': '»' };

/**
 * Splits a line into words, keeping a quoted phrase together. A quote opens only at the start
 * of a word (so "O'Brien" and "Emma's" stay words) and needs its closing mark followed by a
 * space or the end; otherwise it is an ordinary character.
 */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const length = line.length;
  while (i < length) {
    while (i < length && /\s/.test(line[i]!)) i++;
    if (i >= length) break;
    const close = QUOTES[line[i]!];
    if (close !== undefined) {
      let end = line.indexOf(close, i + 1);
      while (end !== -1 && end + 1 < length && !/\s/.test(line[end + 1]!)) end = line.indexOf(close, end + 1);
      if (end !== -1) {
        tokens.push({ text: line.slice(i + 1, end), quoted: true });
        i = end + 1;
        continue;
      }
    }
    const start = i;
    while (i < length && !/\s/.test(line[i]!)) i++;
    tokens.push({ text: line.slice(start, i), quoted: false });
  }
  return tokens;
}

/** Joins words back into a line, quoting the ones that would not survive a second split. */
export function quoteIfNeeded(value: string): string {
  if (value !== '' && !/\s/.test(value) && !(value[0]! in QUOTES) && !value.startsWith('--')) return value;
  return value.includes('"') ? `“${value}”` : `"${value}"`;
}

export function typedAs(spec: OptionSpec): NonNullable<OptionSpec['typed']> {
  return spec.typed ?? (spec.type === 'boolean' ? 'flag' : 'positional');
}

/** The i18n key of an option's `label`, `description` or `choices.<value>`. */
export function optionText(key: CommandKey, option: string, field: 'label' | 'description' | `choices.${string}`): string {
  return `${key.includes('.') ? key : `commands.${key}`}.options.${option}.${field}`;
}


/**
 * Reads a typed line (after the command name) into option values by the command's
 * declarations: `--name value` for any option, `name value` for keywords, bare choice words,
 * then the remaining words to positional options in order (a `rest` option takes all the
 * words the later positional options leave). Values stay strings (booleans: true); the
 * command's zod schema converts them, exactly as it does for values from a form or Discord.
 */
export function parseTypedLine(line: string, options: readonly OptionSpec[]): ParsedText {
  const values: OptionValues = {};
  const positional: string[] = [];
  const set = (spec: OptionSpec, typed: OptionValue): ParsedText | null => {
    // A choice is kept as declared ("a" → "A"), so the same choice typed twice is no conflict.
    const value = typeof typed === 'string' ? (spec.choices?.find((c) => c.toLowerCase() === fold(typed).toLowerCase()) ?? typed) : typed;
    const previous = values[spec.name];
    if (previous !== undefined && previous !== value) {
      return { ok: false, error: 'common.conflict', params: { option: spec.name, first: String(previous), second: String(value) } };
    }
    values[spec.name] = value;
    return null;
  };
  const byName = (name: string) => options.find((o) => o.name === name.toLowerCase());
  const tokens = tokenize(line);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const flag = token.quoted ? null : /^--([\p{L}\p{N}-]+)(?:=(.*))?$/u.exec(fold(token.text));
    if (flag) {
      const spec = byName(flag[1]!);
      if (!spec) return { ok: false, error: 'common.unknownFlag', params: { flag: `--${flag[1]}` } };
      let value: OptionValue;
      if (spec.type === 'boolean') value = flag[2] === undefined ? true : !/^(false|no|0|off)$/i.test(flag[2]);
      else if (flag[2] !== undefined) value = flag[2];
      else if (i + 1 < tokens.length && (tokens[i + 1]!.quoted || !fold(tokens[i + 1]!.text).startsWith('--'))) value = tokens[++i]!.text;
      else return { ok: false, error: 'common.flagNeedsValue', params: { flag: `--${spec.name}` } };
      const conflict = set(spec, value);
      if (conflict) return conflict;
      continue;
    }
    if (!token.quoted) {
      const lower = fold(token.text).toLowerCase();
      const next = tokens[i + 1];
      // A bare-word choice may also be typed after its name (`stage at-risk`).
      const keyword = options.find(
        (o) => o.name === lower && (typedAs(o) === 'keyword' || (typedAs(o) === 'word' && next !== undefined && isChoiceOf(o, next.text))),
      );
      if (keyword && next !== undefined) {
        const conflict = set(keyword, tokens[++i]!.text);
        if (conflict) return conflict;
        continue;
      }
      const word = options.find((o) => typedAs(o) === 'word' && isChoiceOf(o, token.text));
      if (word) {
        const conflict = set(word, word.choices!.find((c) => c.toLowerCase() === lower)!);
        if (conflict) return conflict;
        continue;
      }
    }
    positional.push(token.text);
  }
  const slots = options.filter((o) => ['positional', 'rest'].includes(typedAs(o)) && values[o.name] === undefined);
  let next = 0;
  slots.forEach((spec, index) => {
    if (next >= positional.length) return;
    const take = typedAs(spec) === 'rest' ? Math.max(1, positional.length - next - (slots.length - index - 1)) : 1;
    values[spec.name] = positional.slice(next, next + take).join(' ');
    next += take;
  });
  if (next < positional.length) return { ok: false, error: 'common.unexpectedWords', params: { words: positional.slice(next).join(' ') } };
  return { ok: true, values };
}

function isChoiceOf(spec: OptionSpec, text: string): boolean {
  const lower = fold(text).toLowerCase();
  return spec.choices?.some((c) => c.toLowerCase() === lower) ?? false;
}

/**
 * The command line that does the same as `values`; options without a value show as
 * placeholders (`<when>`, `[note]`) when `placeholders` says so. Used for /help's usage line,
 * the console's rendering of buttons and forms, and hints.
 */
export function typedLine(
  command: Pick<AnyCommand, 'name' | 'key' | 'options'>,
  values: OptionValues,
  t: Translate,
  placeholders: 'none' | 'required' | 'all' = 'none',
): string {
  const parts = [`/${command.name}`];
  for (const spec of command.options) {
    const value = values[spec.name];
    const how = typedAs(spec);
    if (value !== undefined && value !== false) {
      const shown = quoteIfNeeded(String(value));
      if (how === 'flag') parts.push(value === true ? `--${spec.name}` : `--${spec.name} ${shown}`);
      else if (how === 'keyword') parts.push(`${spec.name} ${shown}`);
      else parts.push(shown);
      continue;
    }
    if (placeholders === 'none' || (placeholders === 'required' && !spec.required)) continue;
    parts.push(placeholder(command.key, spec, t));
  }
  return parts.join(' ');
}

function placeholder(key: CommandKey, spec: OptionSpec, t: Translate): string {
  const label = t(optionText(key, spec.name, 'label'));
  const choices = spec.choices?.join('|');
  const how = typedAs(spec);
  let shown: string;
  if (how === 'flag') shown = spec.type === 'boolean' ? `--${spec.name}` : `--${spec.name} ${choices ?? `<${label}>`}`;
  else if (how === 'keyword') shown = `${spec.name} ${choices ?? `<${label}>`}`;
  else if (choices) shown = choices;
  else shown = `<${label}>`;
  if (spec.required) return shown;
  return shown.startsWith('<') && !shown.includes(' ') ? `[${label}]` : `[${shown}]`;
}
