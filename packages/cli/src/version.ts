import { readFileSync } from 'node:fs';

/**
 * The package's version, from its manifest. This file sits at the top of dist/, as dist/ps.bundle.cjs (which
 * holds a copy of it) does: `../package.json` is the manifest from either.
 */
export function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
