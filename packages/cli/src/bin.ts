#!/usr/bin/env node
import { createRequire } from 'node:module';
import { psRequest } from './fast-path.js';

// `pool ps | head -1`: the reader went away, which is no error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// `pool ps [job] [--json]`, which scripts and status bars run in loops, loads one file: dist/ps.bundle.cjs,
// ps-main.ts and all it imports, bundled at build time by scripts/bundle-ps.mjs (after tsc: a dist/ rebuilt
// by tsc alone keeps an older bundle). Every other command loads main.js.
const fast = psRequest(process.argv.slice(2));
if (fast) {
  const { psMain } = createRequire(import.meta.url)('./ps.bundle.cjs') as typeof import('./ps-main.js');
  process.exitCode = await psMain(process.argv, fast);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv);
}
