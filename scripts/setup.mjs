#!/usr/bin/env node
// Makes a fresh clone runnable with only Node and npm: installs the pinned pnpm (with npm, since corepack
// cannot be relied on), the workspace's dependencies, and builds the packages. Idempotent and quick when done.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const wanted = packageManager.replace(/^pnpm@/, '');
const quiet = { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' };
const loud = { stdio: 'inherit', cwd: root };

function installedPnpm() {
  try {
    return execFileSync('pnpm', ['--version'], quiet).trim();
  } catch {
    return undefined;
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  console.error(`pool needs Node.js 20.12 or newer; this is ${process.version}.`);
  process.exit(1);
}

if (installedPnpm() !== wanted) {
  console.log(`Installing pnpm@${wanted} with npm…`);
  execFileSync('npm', ['install', '--global', `pnpm@${wanted}`], loud);
}
execFileSync('pnpm', ['install', '--frozen-lockfile', '--reporter=append-only'], loud);
execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], {
  ...loud,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});
