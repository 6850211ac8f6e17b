import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleAdapter } from '../../../src/adapters/console/console-adapter.js';
import { renderText } from '../../../src/commands/render-text.js';
import { createDispatcher } from '../../../src/commands/dispatcher.js';
import { commands } from '../../../src/commands/registry.js';
import { ADMIN, commandHarness, type CommandHarness, LI_NA, LIU_YANG, servicesFor } from '../../commands/helpers.js';
import { engineOfRun } from '../../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../../helpers/engines.js';
import { tempDir } from '../../helpers/temp-database.js';


let h: CommandHarness<TestStoreDatabase>;
const files = tempDir('rapport-console-files-');
beforeAll(async () => {
  h = await commandHarness({ engine: engineOfRun() });
});
afterAll(async () => {
  await h.cleanup();
  files.cleanup();
});

async function converse(userId: string, lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk) => (written += String(chunk)));
  const app = createDispatcher({
    commands, services: servicesFor(h.db, h.clock, new Map(), path.join(files.dir, 'uploads')), clock: h.clock, logger: { error() {} }, defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
  });
  const console = createConsoleAdapter({ app, input, output, userId, interactive: false, filesDir: files.dir });
  await console.start();
  input.end(`${lines.join('\n')}\n`);
  await console.finished;
  return written;
}

describe('the console adapter', () => {
  it('does act as another rep after /rapport as, so their book applies', async () => {
    const out = await converse(ADMIN, ['/customer lookup C000004', '/rapport as zhang.wei@rapport.demo', '/customer lookup C000004']);
    const answers = out.trim().split('\n\n');
    expect(answers[0]).toContain('王芳 · ');
    expect(answers).toContain('The console now acts as 张伟 (rep).');
    expect(answers.at(-1)).toMatch(/^你的客户中没有与“C000004”匹配的客户。/);
  });

  it('does render card buttons as the commands a console user can type', async () => {
    const out = await converse(ADMIN, ['/customer lookup C000001']);
    expect(out).toContain('→ Schedule callback: /callback C000001 <when> [note]');
    expect(out).toContain('→ Log note: /customer note C000001 <text> [--complaint] [--satisfaction <1-5>]');
    expect(out).toContain('→ Reassign: /customer assign C000001 <@rep>');
    expect(out).toContain('→ Share to channel: /customer share C000001');
  });

  it('does render per-item buttons and forms as the commands to type', async () => {
    const out = await converse(LIU_YANG, ['/callback C000004 tomorrow 5pm', '/callbacks']);
    const id = /#(\d+)/.exec(out)![1];
    expect(out).toContain(`→ 完成: /callback done ${id}`);
    expect(out).toContain(`→ 推迟 1 天: /callback snooze ${id}`);
    expect(out).toContain(`→ 改约: /callback snooze ${id} [时间]`);
    const form = renderText({
      visibility: 'private',
      blocks: [{ type: 'form', title: 'Log a note', submitLabel: 'Save', invocation: { command: 'customer note', options: { who: 1 } }, fields: [], typed: '/customer note C000001 <text>' }],
    });
    expect(form).toBe('Log a note: /customer note C000001 <text>');
  });

  it('does write the digest chart to a file and print its path', async () => {
    const out = await converse(LI_NA, ['/digest']);
    const shown = /\[[^\]]+: ([^\]]+\.png)\]/.exec(out);
    expect(shown?.[1]).toMatch(new RegExp(`^${files.dir}/churn-\\d{4}-W\\d{2}\\.png$`));
    expect(fs.existsSync(shown![1]!)).toBe(true);
  });

  it('does write an export to a file and print its path', async () => {
    const out = await converse(LI_NA, ['/customer export tier A']);
    const shown = /\[([^\]]+\.csv)\]/.exec(out);
    expect(shown?.[1]).toMatch(new RegExp(`^${files.dir}/customers-2026-11-23-\\d{4}\\.csv$`));
    expect(fs.readFileSync(shown![1]!).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('does render an error reply as one marked line', () => {
    expect(renderText({ visibility: 'private', blocks: [{ type: 'text', text: 'Nope', tone: 'error' }] })).toBe('! Nope');
  });
});
