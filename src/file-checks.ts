import fs from 'node:fs';
import path from 'node:path';
import { FatalError } from './errors.js';

/**
 * Creates `dir` and its missing parents one level at a time. fs.mkdirSync's `recursive` spins
 * forever on some paths it cannot create (under /proc on Node 20); one level at a time fails.
 */
export function ensureFolder(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) fs.mkdirSync(folder);
}

/** Why a file cannot be written where `file` says (a missing or read-only folder, a folder in its place), or null. */
export function unwritableFileReason(file: string): string | null {
  const folder = path.dirname(path.resolve(file));
  if (!fs.existsSync(folder)) return `the folder ${folder} does not exist`;
  if (!fs.statSync(folder).isDirectory()) return `${folder} is not a folder`;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return 'it is a folder';
  if (!writable(fs.existsSync(file) ? file : folder)) return `${fs.existsSync(file) ? 'the file' : `the folder ${folder}`} is read-only`;
  return null;
}

/** Refuses, in one line naming the option, an output file that cannot be written; checked before the work that fills it. */
export function assertWritableFile(file: string, option: string): void {
  const reason = unwritableFileReason(file);
  if (reason) throw new FatalError(`${option} ${file}: cannot write there: ${reason}`);
}

export function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
