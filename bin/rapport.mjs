#!/usr/bin/env node
// The `rapport` command, behind `npm start` and every npm script: runs the compiled build in
// dist/, rebuilding it first when a file under src/ is newer, so a developer never runs stale
// code (the check costs a few milliseconds; a rebuild well under a second).
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from '../scripts/build.mjs';

await import(pathToFileURL(await ensureBuilt()).href);
