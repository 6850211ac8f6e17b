import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-database.js';

/**
 * bin/rapport.mjs runs the build in dist/ and rebuilds it when a source is newer. Tried on a
 * copy of the package (its own src/ and dist/, the shared node_modules), so editing a source
 * here never touches the real checkout.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const work = tempDir('rapport-launcher-');
const copy = path.join(work.dir, 'rapport');
const cli = path.join(copy, 'src', 'cli.ts');

beforeAll(() => {
  for (const part of ['bin', 'scripts', 'src', 'prisma', 'package.json']) fs.cpSync(path.join(ROOT, part), path.join(copy, part), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
});
afterAll(() => work.cleanup());

function run(args: string[]) {
  const result = spawnSync(process.execPath, [path.join(copy, 'bin', 'rapport.mjs'), ...args], { cwd: work.dir, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Saves a source with a new text, as an editor would (a later modification time). */
function edit(file: string, from: string, to: string): void {
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
  const later = new Date(Date.now() + 2000);
  fs.utimesSync(file, later, later);
}

const build = () => fs.readFileSync(path.join(copy, 'dist', 'current'), 'utf8').trim();

describe('bin/rapport.mjs', () => {
  it('does build on the first run and reuse the build while no source changes', () => {
    expect(fs.existsSync(path.join(copy, 'dist'))).toBe(false);
    expect(run(['--help'])).toMatchObject({ code: 0, stderr: '' });
    const first = build();
    expect(fs.existsSync(path.join(copy, 'dist', first, 'cli.js'))).toBe(true);
    expect(run(['--help']).code).toBe(0);
    expect(build()).toBe(first);
  });

  it('does rebuild when a source is edited, so the edit runs at once', () => {
    const before = build();
    edit(cli, 'Usage: rapport <command> [options]', 'Usage (edited): rapport <command> [options]');
    const after = run(['--help']);
    expect(after).toMatchObject({ code: 0, stderr: '' });
    expect(after.stdout).toMatch(/^Usage \(edited\): rapport/);
    expect(build()).not.toBe(before);
  });

  it('does rebuild when a source is deleted', () => {
    const before = build();
    const spare = path.join(copy, 'src', 'spare.ts');
    fs.writeFileSync(spare, 'export const spare = 1;\n');
    expect(run(['--help']).code).toBe(0);
    const withSpare = build();
    expect(withSpare).not.toBe(before);
    fs.rmSync(spare);
    const later = new Date(Date.now() + 4000);
    fs.utimesSync(path.join(copy, 'src'), later, later);
    expect(run(['--help']).code).toBe(0);
    expect(build()).not.toBe(withSpare);
  });

  it('does let two starts after an edit both run, each on a whole build, and keep few old builds', async () => {
    edit(cli, 'Usage (edited)', 'Usage (edited twice)');
    const start = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(copy, 'bin', 'rapport.mjs'), '--help'], { cwd: work.dir });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
    const both = await Promise.all([start(), start()]);
    for (const one of both) {
      expect(one.code).toBe(0);
      expect(one.out).toMatch(/^Usage \(edited twice\): rapport/);
    }
    expect(fs.readdirSync(path.join(copy, 'dist')).filter((entry) => entry.startsWith('build-')).length).toBeLessThanOrEqual(3);
  });
});
