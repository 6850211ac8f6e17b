/**
 * `npm run bench`: every speed and memory figure Rapport promises, each printed beside the
 * raw-SQLite limit measured in the same run. Each part runs in its own process so its peak
 * RSS is its own. `BENCH_QUICK=1` skips the largest sizes; `npm run bench -- nudges lookup`
 * runs only the named parts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const parts: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  nudges: () => import('./nudges.bench.js'),
  lookup: () => import('./lookup.bench.js'),
  import: () => import('./import.bench.js'),
  scoring: () => import('./scoring.bench.js'),
  startup: () => import('./startup.bench.js'),
  discord: () => import('./discord.bench.js'),
};

const [flag, only] = process.argv.slice(2);
if (flag === '--part' && only) {
  const load = parts[only];
  if (!load) throw new Error(`no bench part ${only}`);
  await (await load()).run();
} else {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in parts));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown bench part(s): ${unknown.join(', ')}. Parts: ${Object.keys(parts).join(', ')}\n`);
    process.exit(2);
  }
  let failed = false;
  for (const name of Object.keys(parts)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stdout.write(`\n== ${name} ==\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--part', name], {
      stdio: 'inherit',
    });
    failed ||= child.status !== 0;
  }
  process.exitCode = failed ? 1 : 0;
}
