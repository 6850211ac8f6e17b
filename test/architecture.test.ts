import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  );
}

const PLATFORM_OR_STORAGE = [/^@slack\//, /^discord\.js/, /^@prisma\//, /generated\/prisma/, /^better-sqlite3$/, /^pg$/, /\/db\//, /\/adapters\//];

/** The core knows no platform and no storage: adapters and src/db depend on it, never the reverse. */
describe('architecture boundaries', () => {
  it.each([
    ['domain', [...PLATFORM_OR_STORAGE, /^node:/, /\/commands\//, /\/scheduler\//, /\/scoring\//, /\/import\//]],
    ['commands', PLATFORM_OR_STORAGE],
  ])('does keep src/%s free of forbidden imports', (folder, forbidden) => {
    const offenders = sourceFiles(path.join(SRC, folder)).flatMap((file) =>
      importsOf(file)
        .filter((spec) => forbidden.some((pattern) => pattern.test(spec)))
        .map((spec) => `${path.relative(SRC, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('does let only src/db import a database driver or the query layer', () => {
    const drivers = [/^better-sqlite3$/, /^pg$/, /^pg-copy-streams$/, /^kysely$/, /^@prisma\/adapter-/];
    const outsideDb = sourceFiles(SRC).filter((file) => !file.startsWith(path.join(SRC, 'db') + path.sep) && !file.includes(`${path.sep}generated${path.sep}`));
    const offenders = outsideDb.flatMap((file) =>
      importsOf(file)
        .filter((spec) => drivers.some((pattern) => pattern.test(spec)))
        .map((spec) => `${path.relative(SRC, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each([
    ['slack', [/^@slack\//], 'slack-adapter.ts', '@slack/bolt'],
    ['discord', [/^discord\.js/, /^@discordjs\//, /^discord-api-types/], 'discord-adapter.ts', 'discord.js'],
  ] as const)('does keep the %s SDK inside its own src/adapters folder', (folder, sdk, adapter, imported) => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'adapters', folder) + path.sep))
      .flatMap((file) => importsOf(file).filter((spec) => sdk.some((p) => p.test(spec))).map((spec) => `${path.relative(SRC, file)} imports ${spec}`));
    expect(offenders).toEqual([]);
    expect(importsOf(path.join(SRC, 'adapters', folder, adapter))).toContain(imported);
  });

  it('does see the imports it checks (the scanner itself works)', () => {
    expect(importsOf(path.join(SRC, 'main.ts'))).toContain('./db/store-database.js');
  });
});

/** Every relative import of every source file, resolved to the file it names. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC).filter((f) => !f.includes(`${path.sep}generated${path.sep}`))) {
    const text = fs.readFileSync(file, 'utf8');
    // Type-only imports vanish at run time, but a cycle through them still ties the modules together.
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
    graph.set(file, specs.map((spec) => path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))));
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      found.push(stack.slice(stack.indexOf(file)).map((f) => path.relative(SRC, f)));
      return;
    }
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

describe('the import graph', () => {
  it('does have no import cycles in src', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('does find a cycle when there is one (the check itself works)', () => {
    const graph = new Map([['/a.ts', ['/b.ts']], ['/b.ts', ['/a.ts']]]);
    expect(cycles(graph)).toHaveLength(1);
  });
});
