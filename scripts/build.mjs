/**
 * Compiles src/ to ESM with esbuild, so that starting Rapport costs no transpiling (tsx took
 * ~1.7 s to transpile the module graph on every start). Entry dist/<build>/cli.js; each module
 * cli.ts or main.ts imports on first use becomes its own chunk, so `rapport bot` never loads
 * the import tools' packages, nor `rapport import` the bot's. Packages stay in node_modules.
 * Type checking is tsc's job (npm test).
 *
 * Runs at install (npm's `prepare`), as `npm run build`, and from bin/rapport.mjs whenever a
 * source is newer than the build. Plain JavaScript: it runs before anything is compiled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const SOURCES = path.join(ROOT, 'src');
/** Names the current build's folder; its mtime is when that build started. */
const CURRENT = path.join(DIST, 'current');
const THIS_SCRIPT = fileURLToPath(import.meta.url);
/** Builds kept besides the current one, for processes still running from them. */
const KEEP_PREVIOUS = 2;

/** The newest modification time under src/, folders included (deleting a file touches its folder), and of this script. */
function newestSource(dir = SOURCES) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(at) : fs.statSync(at).mtimeMs);
  }
  return dir === SOURCES ? Math.max(newest, fs.statSync(THIS_SCRIPT).mtimeMs) : newest;
}

/** The entry file of the current build, or null when there is none or a source is newer. */
export function freshEntry() {
  const built = fs.statSync(CURRENT, { throwIfNoEntry: false });
  if (!built || newestSource() > built.mtimeMs) return null;
  const entry = path.join(DIST, fs.readFileSync(CURRENT, 'utf8').trim(), 'cli.js');
  return fs.existsSync(entry) ? entry : null;
}

/**
 * Packages stay in node_modules, but these go into the build: Kysely is ~400 small modules that
 * cost ~125 ms to load from node_modules and it serves the bot's first command (measured with
 * `node -e "await import('kysely')"`, median of 3); bundled, its chunk loads in a few ms.
 */
const BUNDLED_PACKAGES = ['kysely'];

/** esbuild's `packages: 'external'`, except for `bundled` (and their subpaths). */
function packagesExternalBut(bundled) {
  return {
    name: 'packages-external-but',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return bundled.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

/**
 * Builds into a new folder, then points dist/current at it with one rename: a process starting
 * meanwhile runs the old build or the new one, never half of one, and two builds at once both
 * succeed. Returns the new entry file.
 */
export async function build() {
  const started = new Date();
  const { build: esbuild } = await import('esbuild');
  const name = `build-${started.getTime()}-${process.pid}`;
  await esbuild({
    // The background worker's thread is an entry of its own, beside the chunks (background-worker.ts looks for it there).
    entryPoints: { cli: path.join(SOURCES, 'cli.ts'), 'background-thread': path.join(SOURCES, 'background', 'background-thread.ts') },
    outdir: path.join(DIST, name),
    bundle: true,
    splitting: true,
    plugins: [packagesExternalBut(BUNDLED_PACKAGES)],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  const pointer = `${CURRENT}.${process.pid}`;
  fs.writeFileSync(pointer, `${name}\n`);
  // Stamped with the build's start: a source saved during the build is newer, so it builds again.
  fs.utimesSync(pointer, started, started);
  fs.renameSync(pointer, CURRENT);
  const builds = fs.readdirSync(DIST).filter((entry) => /^build-\d+-\d+$/.test(entry)).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const old of builds.filter((entry) => entry !== name).slice(KEEP_PREVIOUS)) fs.rmSync(path.join(DIST, old), { recursive: true, force: true });
  return path.join(DIST, name, 'cli.js');
}

/** The entry file to run: the current build, rebuilt first when a source is newer. */
export async function ensureBuilt() {
  return freshEntry() ?? (await build());
}

if (process.argv[1] && path.resolve(process.argv[1]) === THIS_SCRIPT) await build();
