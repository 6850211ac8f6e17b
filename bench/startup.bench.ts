/**
 * Start-up: the time from starting `rapport bot` (what `npm start` runs) on an existing database
 * of 1,000,000 customers to its first answer (`/help`, piped), target ≤ 1.5 s, and the bot's
 * resident memory once it has answered and sits idle, target ≤ 150 MB. Each is the median of
 * three runs, beside the raw limit measured in the same run: a bare `node -e ''` start and its
 * RSS. `npm start` itself (npm's wrapper on top) is timed too, for comparison. The CPU time the
 * process spent up to its answer (all its threads) is reported beside the wall time: on a shared,
 * loaded machine the wall time mostly measures the wait for a core, the CPU time much less so.
 *
 * The database is written once by `rapport seed --customers N` (the demo generator: orders,
 * interactions, callbacks, then scoring; ~10 minutes at a million) and reused by later runs:
 * STARTUP_BENCH_DB names the file, default `<tmp>/rapport-bench/startup-<N>.db`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/package-root.js';

const CUSTOMERS = process.env.BENCH_QUICK ? 100_000 : 1_000_000;
const RUNS = 3;
const TARGET_FIRST_ANSWER_S = 1.5;
const TARGET_RSS_MB = 150;
/** How long the bot sits idle after its answer before its RSS is read. */
const IDLE_MS = 1000;
const LAUNCHER = path.join(packageRoot, 'bin', 'rapport.mjs');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const verdict = (okay: boolean) => (okay ? 'ok' : 'MISSED');

/** The bench database, seeded through the real CLI the first time and kept for later runs. */
function benchDatabase(): string {
  const file = process.env.STARTUP_BENCH_DB ?? path.join(os.tmpdir(), 'rapport-bench', `startup-${CUSTOMERS}.db`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Seeded under another name and renamed when complete: an interrupted seed is never reused.
  const partial = `${file}.partial`;
  for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`]) fs.rmSync(leftover, { force: true });
  process.stdout.write(`startup: seeding ${CUSTOMERS.toLocaleString('en')} customers into ${file} (once; later runs reuse it)\n`);
  const seeded = spawnSync(process.execPath, [LAUNCHER, 'seed', '--customers', String(CUSTOMERS)], {
    env: { ...process.env, DATABASE_URL: `file:${partial}` },
    stdio: 'inherit',
  });
  if (seeded.status !== 0) throw new Error(`seeding failed (exit ${seeded.status})`);
  fs.renameSync(partial, file);
  return file;
}

/**
 * CPU time a running process has spent so far, all its threads, in seconds: the scheduler's
 * per-thread runtime from /proc (Linux; microseconds, where /proc/<pid>/stat counts 10 ms ticks).
 */
function cpuSeconds(pid: number): number {
  let ms = 0;
  for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
    ms += Number(/^se\.sum_exec_runtime\s*:\s*([\d.]+)/m.exec(fs.readFileSync(`/proc/${pid}/task/${thread}/sched`, 'utf8'))![1]);
  }
  return ms / 1000;
}

/** Resident memory of a running process, from /proc (Linux). */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

interface Start {
  firstAnswerS: number;
  /** CPU time of the process (not npm's wrapper) up to its first answer. */
  firstAnswerCpuS: number | null;
  idleRssMb: number | null;
}

/** Starts `command`, types /help, and times the first byte of the answer (wall and CPU); then, idle, reads its RSS and ends it. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, readProcess: boolean): Promise<Start> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let firstAnswerS: number | null = null;
    let firstAnswerCpuS: number | null = null;
    let idleRssMb: number | null = null;
    child.stdout.once('data', () => {
      firstAnswerS = (performance.now() - started) / 1000;
      if (readProcess) firstAnswerCpuS = cpuSeconds(child.pid!);
      setTimeout(() => {
        if (readProcess) idleRssMb = rssMb(child.pid!);
        child.stdin.end();
      }, IDLE_MS);
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || firstAnswerS === null) reject(new Error(`${command} ${args.join(' ')} exited ${code} without an answer`));
      else resolve({ firstAnswerS, firstAnswerCpuS, idleRssMb });
    });
    child.stdin.write('/help\n');
  });
}

export async function run(): Promise<void> {
  const file = benchDatabase();
  const env = { ...process.env, DATABASE_URL: `file:${file}` };
  // Untimed: brings the build and the schema up to date, so no run pays for a build or a migration.
  const warm = spawnSync(process.execPath, [LAUNCHER, 'migrate'], { env, encoding: 'utf8' });
  if (warm.status !== 0) throw new Error(`rapport migrate failed: ${warm.stderr}`);
  const customers = spawnSync(process.execPath, ['-e', `const db = new (require('better-sqlite3'))(${JSON.stringify(file)}, { readonly: true }); process.stdout.write(String(db.prepare('SELECT COUNT(*) FROM Customer').pluck().get()))`], {
    cwd: packageRoot,
    encoding: 'utf8',
  }).stdout;

  const raw: Start[] = [];
  const bot: Start[] = [];
  const npm: Start[] = [];
  const bareNode = "process.stdin.once('data', () => process.stdout.write('ok\\n')).resume()";
  for (let i = 0; i < RUNS; i++) {
    raw.push(await start(process.execPath, ['-e', bareNode], env, true));
    bot.push(await start(process.execPath, [LAUNCHER, 'bot'], env, true));
    npm.push(await start('npm', ['start', '--silent', '--prefix', packageRoot], env, false));
  }
  const rawS = median(raw.map((r) => r.firstAnswerS));
  const rawRss = median(raw.map((r) => r.idleRssMb!));
  const botS = median(bot.map((r) => r.firstAnswerS));
  const botRss = median(bot.map((r) => r.idleRssMb!));
  const npmS = median(npm.map((r) => r.firstAnswerS));
  const botCpu = bot.map((r) => r.firstAnswerCpuS!);
  const rawCpu = raw.map((r) => r.firstAnswerCpuS!);
  const seconds = (runs: Start[]) => runs.map((r) => r.firstAnswerS.toFixed(2)).join(', ');
  const cpu = (values: number[]) => `${median(values).toFixed(3)} s median of ${values.map((v) => v.toFixed(3)).join(', ')}`;
  process.stdout.write(
    [
      `startup: ${Number(customers).toLocaleString('en')} customers in ${file} (${(fs.statSync(file).size / 2 ** 30).toFixed(1)} GB); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`,
      `first answer:   ${botS.toFixed(2)} s median of ${seconds(bot)} (rapport bot; target ≤ ${TARGET_FIRST_ANSWER_S} s) ${verdict(botS <= TARGET_FIRST_ANSWER_S)}`,
      `  npm start:    ${npmS.toFixed(2)} s median of ${seconds(npm)} (npm's wrapper included)`,
      `  raw limit:    ${rawS.toFixed(2)} s median of ${seconds(raw)} (node -e answering one line)`,
      `  its CPU time: ${cpu(botCpu)} (rapport bot, all threads, up to its answer); raw limit ${cpu(rawCpu)}`,
      `idle RSS:       ${botRss.toFixed(0)} MB median (target ≤ ${TARGET_RSS_MB} MB) ${verdict(botRss <= TARGET_RSS_MB)}; raw limit ${rawRss.toFixed(0)} MB (bare node)`,
      '',
    ].join('\n'),
  );
}
