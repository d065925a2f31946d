// Bundles tsc's output (dist/) into dist/bundle/: one file per public entry plus the chunks they share, so
// that `import '@pool/core'` reads and compiles a handful of files instead of ~60 small modules. Every
// master and every worker pays that import at start (measured: the index 28 → 13 ms here). Types stay
// tsc's (dist/**/*.d.ts); the package's exports point at the bundle. The chunks keep one instance of every
// class across the entries (`@pool/core` and `@pool/core/worker` share WorkerBase).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);
const outdir = new URL('bundle/', dist);
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: dist.pathname,
  entryPoints: ['index.js', 'internal.js', 'worker/entry.js', 'errors/index.js', 'worker/bootstrap.js', 'worker/resolve-hooks.js'],
  outbase: '.',
  outdir: outdir.pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay packages of their own (loaded on first use, see lazy.ts).
  packages: 'external',
  // src/bundled.ts: code that finds files by its own URL (the worker bootstrap, the config validators).
  define: { __POOL_BUNDLE__: 'true' },
  sourcemap: false,
  logLevel: 'warning',
});
