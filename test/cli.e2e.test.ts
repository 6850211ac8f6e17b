import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-database.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const work = tempDir();
afterAll(() => work.cleanup());

/** Runs the real entry point as `npm start` does, with stdin piped. */
function rapport(args: string[], input: string, env: Record<string, string> = {}) {
  const result = spawnSync(TSX, [path.join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: work.dir,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rapport bot on the console', () => {
  const env = { DATABASE_URL: `file:${path.join(work.dir, 'demo.db')}` };

  it('does migrate and seed an empty database, answer piped lines and exit 0', () => {
    const run = rapport(['bot'], '/customer lookup Emma Fischer\n/help\n', env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The answer is all there is on stdout: no library banners in front of it.
    expect(run.stdout.startsWith('Emma Fischer')).toBe(true);
    expect(run.stdout).toMatch(/Tier\s+[ABCD] —/);
    expect(run.stdout).toMatch(/Owner\s+\S+/);
    expect(run.stdout).toMatch(/Lifetime spend\s+CN¥/);
    expect(run.stdout).toContain('/customer lookup <name | email | phone | external id>');
    expect(run.stdout).toContain('/customer list [tier A|B|C|D] [at-risk|lapsed|new|long-tail] [mine|team] [rep <@rep>] [--page <N>]');
  });

  it('does keep the data on the next start and list several matches', () => {
    const run = rapport(['bot'], '/customer lookup 王芳\n', env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/customers match "王芳"/);
    expect(run.stdout).toContain('1. 王芳 (C000001)');
  });

  it('does answer garbage with one line, never a stack trace', () => {
    const run = rapport(['bot'], 'hello\n/frobnicate now\n/customer lookup\n', env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Commands start with "/"');
    expect(run.stdout).toContain('Unknown command "/frobnicate"');
    expect(run.stdout).toContain('Tell me who to look up');
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('does not seed when RAPPORT_DEMO=off', () => {
    const run = rapport(['bot'], '/customer lookup 王芳\n', { DATABASE_URL: `file:${path.join(work.dir, 'empty.db')}`, RAPPORT_DEMO: 'off' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('There is no active rep "admin@rapport.demo".');
  });

  it('does stop with one line naming a bad variable', () => {
    const run = rapport(['bot'], '', { DATABASE_URL: 'mysql://nope' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('rapport: Invalid DATABASE_URL: must be a SQLite file: URL such as file:data/rapport.db (got "mysql://nope")');
  });
});
