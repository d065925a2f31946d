// Where the programs the suite runs live, relative to the repository (never an absolute path).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const reliabilityRoot = join(repositoryRoot, 'apps', 'reliability');
export const examplesSockets = join(repositoryRoot, 'examples', 'sockets');
export const cliBin = join(repositoryRoot, 'packages', 'cli', 'dist', 'bin.js');
export const reportFile = join(repositoryRoot, 'docs', 'reliability.md');

/** A program of this suite (src/apps/<name>). */
export const app = (name) => fileURLToPath(new URL(`../apps/${name}`, import.meta.url));

/** PM2 is a devDependency of apps/bench: its bin script, found through that package. */
export function pm2Paths() {
  const benchRequire = createRequire(join(repositoryRoot, 'apps', 'bench', 'package.json'));
  const packageJson = benchRequire.resolve('pm2/package.json');
  const bin = join(dirname(packageJson), 'bin', 'pm2');
  if (!existsSync(bin)) throw new Error(`PM2's bin script is missing at ${bin} (run pnpm install)`);
  return { bin, version: benchRequire('pm2/package.json').version };
}

/** What the scenarios run that a fresh checkout does not have until it is installed and built. */
export function missingPrerequisites() {
  const missing = [];
  for (const [what, path] of [
    ['@pool/core built', join(repositoryRoot, 'packages', 'core', 'dist', 'index.js')],
    ['@pool/http built', join(repositoryRoot, 'packages', 'http', 'dist', 'index.js')],
    ['@pool/log-transports built', join(repositoryRoot, 'packages', 'log-transports', 'dist', 'index.js')],
    ['@pool/testing built', join(repositoryRoot, 'packages', 'testing', 'dist', 'index.js')],
    ['the pool CLI built (its daemon)', cliBin],
    ['tsx installed for examples/sockets', join(examplesSockets, 'node_modules', 'tsx', 'package.json')],
  ]) {
    if (!existsSync(path)) missing.push(`${what}: ${path}`);
  }
  try {
    pm2Paths();
  } catch (error) {
    missing.push(`PM2 (a devDependency of apps/bench): ${error.message}`);
  }
  return missing;
}
