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

  it('does keep discord.js inside src/adapters/discord', () => {
    const discord = [/^discord\.js/, /^@discordjs\//, /^discord-api-types/];
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'adapters', 'discord') + path.sep))
      .flatMap((file) => importsOf(file).filter((spec) => discord.some((p) => p.test(spec))).map((spec) => `${path.relative(SRC, file)} imports ${spec}`));
    expect(offenders).toEqual([]);
    expect(importsOf(path.join(SRC, 'adapters', 'discord', 'discord-adapter.ts'))).toContain('discord.js');
  });

  it('does see the imports it checks (the scanner itself works)', () => {
    expect(importsOf(path.join(SRC, 'main.ts'))).toContain('./db/database.js');
  });
});
