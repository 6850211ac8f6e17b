import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/commands/reply.js';
import { NO_ADMIN_HINT } from '../../src/db/admins.js';
import { en } from '../../src/i18n/locales/en.js';
import { zhCN } from '../../src/i18n/locales/zh-CN.js';
import { ADMIN, buttonsOf, commandHarness, textOf, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('commands the catalogue names', (engine) => {
  /**
   * Every command Rapport tells people to type must work: each slash command a catalogue text
   * names (examples included, usage lines aside), the not-linked answer on every platform and the
   * console's button lines are run through the real dispatcher as an admin and must not come back
   * as an unknown command or a usage error; each `npm run`/`npm start` names a package script.
   */
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  const SAMPLES: Record<string, string> = { userId: 'U024BE7LH', id: '1', command: '/help', platform: 'slack', help: '/help', kind: 'customers' };

  function leaves(node: unknown, key = ''): [string, string][] {
    if (typeof node === 'string') return [[key, node]];
    return Object.entries(node as object).flatMap(([k, v]) => leaves(v, key ? `${key}.${k}` : k));
  }

  /** The texts as shown: each placeholder filled, `{{platform}}` once per chat platform. */
  function rendered(catalogue: object): string[] {
    return leaves(catalogue)
      .filter(([key]) => !key.endsWith('.usage'))
      .flatMap(([, text]) => (text.includes('{{platform}}') ? ['slack', 'discord'].map((p) => text.replaceAll('{{platform}}', p)) : [text]))
      .map((text) => text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => SAMPLES[name] ?? 'x'));
  }

  /** The slash commands a text names: from "/" to the end of its clause. */
  function slashHints(text: string): string[] {
    const hint = /(?:^|[\s"“(（：:])(\/[a-z].*?)(?=[\n(（)）。，；;"”]|,\s|\.(?:\s|$)|\s+or\s|$)/g;
    return [...text.matchAll(hint)].map((m) => m[1]!.trim());
  }

  const npmHints = (text: string) => [...text.matchAll(/npm (?:run ([\w:-]+)|(start))/g)].map((m) => m[1] ?? m[2]!);

  function buttonCommands(reply: Reply): string[] {
    return buttonsOf(reply).map((a) => a.typed);
  }

  /** A line with its placeholders filled as a person would (`<when>` a time), optional parts left out. */
  function filled(hint: string): string {
    return hint
      .replace(/\[[^\]]*\]/g, '')
      .replace(/<(when|时间)>/g, 'tomorrow 10am')
      .replace(/<@[^>]*>/g, '@liu.yang')
      .replace(/<[^>]*>/g, 'placeholder');
  }

  describe('command hints', () => {
    it('does find the hints in a sentence (the extractor itself)', () => {
      expect(slashHints('Give the callback number, e.g. /callback done 12 (see /callbacks).')).toEqual(['/callback done 12', '/callbacks']);
      expect(slashHints('Type a command, for example /customer lookup Wang Fang, or /help.')).toEqual(['/customer lookup Wang Fang', '/help']);
      expect(slashHints('时区如 Asia/Shanghai，或 /rapport prefs language zh-CN。')).toEqual(['/rapport prefs language zh-CN']);
    });

    it('does run every slash command the catalogues, the not-linked answers and the card buttons name', async () => {
      const texts = [...rendered(en), ...rendered(zhCN)];
      for (const platform of ['slack', 'discord', 'console'] as const) texts.push(textOf(await h.say('someone-unknown', '/help', platform)));
      const hints = [...new Set([...texts.flatMap(slashHints), ...buttonCommands(await h.say(ADMIN, '/customer lookup C000001'))])];
      expect(hints.length).toBeGreaterThan(30);
      // A hint may switch the admin's language (/rapport prefs language zh-CN): know refusals in both.
      const before = (text: string) => text.slice(0, text.indexOf('{{'));
      const unknown = [en, zhCN].map((c) => before(c.common.unknownCommand));
      const usage = [en, zhCN].map((c) => before(c.common.usage));
      const failing: string[] = [];
      for (const hint of hints) {
        const reply = await h.say(ADMIN, filled(hint));
        const refused = reply.blocks.some(
          (b) => b.type === 'text' && b.tone === 'error' && (unknown.some((u) => b.text.startsWith(u)) || usage.some((u) => b.text.split('\n').some((line) => line.startsWith(u)))),
        );
        if (refused) failing.push(`${hint} → ${textOf(reply)}`);
      }
      expect(failing).toEqual([]);
    });

    it('does name only npm scripts that exist', () => {
      const scripts = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).scripts as Record<string, string>;
      const named = [...rendered(en), ...rendered(zhCN), NO_ADMIN_HINT].flatMap(npmHints);
      expect(named).toContain('admin');
      expect(named.filter((script) => !(script in scripts))).toEqual([]);
    });
  });
});
