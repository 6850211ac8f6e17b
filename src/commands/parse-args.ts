/** A command line after the command name: bare words, --flags, and the raw remainder. */
export interface ParsedArgs {
  words: string[];
  flags: Record<string, string | true>;
  text: string;
}

/**
 * Splits on whitespace, keeping "quoted phrases" (straight or curly/Chinese quotes) together.
 * `--flag value` takes the next word unless it is another flag; `--flag=value` also works.
 * Flags named in `booleanFlags` never take a value.
 */
export function parseArgs(text: string, booleanFlags: readonly string[] = []): ParsedArgs {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  }
  const words: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const flag = /^--([\p{L}\p{N}-]+)(?:=(.*))?$/u.exec(token);
    if (!flag) {
      words.push(token);
      continue;
    }
    const name = flag[1]!;
    if (flag[2] !== undefined) {
      flags[name] = flag[2];
    } else if (!booleanFlags.includes(name) && i + 1 < tokens.length && !tokens[i + 1]!.startsWith('--')) {
      flags[name] = tokens[++i]!;
    } else {
      flags[name] = true;
    }
  }
  return { words, flags, text: text.trim() };
}
