import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleAdapter } from '../../../src/adapters/console/console-adapter.js';
import { renderText } from '../../../src/commands/render-text.js';
import { createDispatcher } from '../../../src/commands/dispatcher.js';
import { commands } from '../../../src/commands/registry.js';
import { ADMIN, commandHarness, servicesFor, type CommandHarness } from '../../commands/helpers.js';

let h: CommandHarness;
beforeAll(async () => {
  h = await commandHarness();
});
afterAll(async () => h.cleanup());

async function converse(userId: string, lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk) => (written += String(chunk)));
  const app = createDispatcher({
    commands, services: servicesFor(h.db), clock: h.clock, logger: { error() {} }, defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
  });
  const console = createConsoleAdapter({ app, input, output, userId, interactive: false });
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

  it('does render an error reply as one marked line', () => {
    expect(renderText({ visibility: 'private', blocks: [{ type: 'text', text: 'Nope', tone: 'error' }] })).toBe('! Nope');
  });
});
