import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-database.js';

/**
 * What the bot's first answer must not wait for: each is loaded where it is first needed.
 * Kysely serves the first answer, bundled into the build (scripts/build.mjs), so it never loads from node_modules.
 */
const HEAVY = ['vega', 'vega-lite', '@resvg/resvg-js', '@embedpdf/fonts-sc', 'chrono-node', '@prisma/client', 'node-cron', 'cli-progress', 'chardet', 'iconv-lite', 'kysely', 'pg', 'prom-client'];

const ROOT = path.resolve(import.meta.dirname, '..');
const work = tempDir();
const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `file:${path.join(work.dir, 'lazy.db')}`, RAPPORT_DEMO: 'off' };
afterAll(() => work.cleanup());

function rapport(args: string[], input = '', record?: string) {
  const preload = record ? ['--import', path.join(ROOT, 'test', 'fixtures', 'record-packages.mjs')] : [];
  return spawnSync(process.execPath, [...preload, path.join(ROOT, 'bin', 'rapport.mjs'), ...args], {
    cwd: work.dir, input, encoding: 'utf8', env: { ...env, ...(record ? { RECORD_PACKAGES: record } : {}) }, timeout: 60_000,
  });
}

function packagesLoaded(input: string): Set<string> {
  const record = path.join(work.dir, `packages-${Math.random().toString(36).slice(2)}.txt`);
  const run = rapport(['bot'], input, record);
  expect(run.status, run.stderr).toBe(0);
  return new Set(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean));
}

describe('what a start loads', () => {
  beforeAll(() => {
    expect(rapport(['admin', 'add', 'boss@example.com', '--name', 'Boss']).status).toBe(0);
  });

  it('does answer /help without loading the chart, time-parsing, scheduler, import or Prisma packages', () => {
    const loaded = packagesLoaded('/help\n');
    expect(loaded.has('better-sqlite3')).toBe(true);
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
  });

  it('does load chrono-node with the first time expression', () => {
    expect(packagesLoaded('/callback boss tomorrow 10am\n').has('chrono-node')).toBe(true);
  });
});
