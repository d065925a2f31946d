// Bundles `pool ps` (tsc's dist/ps-main.js and every module it imports, @pool/core's error codes included) into
// one CommonJS file, dist/ps.bundle.cjs, which bin.js loads alone for `pool ps [job] [--json]`. It bundles tsc's
// output, so it runs the very code that main() runs unbundled. Run after tsc (`pnpm build` does both).
//
// Why one file: ~15 small ES modules resolved, read and compiled one by one were most of `pool ps`'s own time.
// Why CommonJS: the bundle's `require('node:http')` reads only `request`, where `import … from 'node:http'`
// builds the module's whole namespace; on Node 22 and later that reads http.WebSocket, a getter that loads
// undici (~30 ms), and on every version fs's stream getters (~3 ms).
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const result = await build({
  absWorkingDir: dist,
  entryPoints: ['ps-main.js'],
  outfile: `${dist}ps.bundle.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // version.js finds package.json from its own URL: the bundle's, which sits in dist/ as version.js does.
  define: { 'import.meta.url': '__bundleUrl' },
  // Strict, as the ES modules it is made of are: the directive comes first, before the banner's line.
  banner: { js: '"use strict";\nconst __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
  logLevel: 'silent',
});
if (!readFileSync(`${dist}ps.bundle.cjs`, 'utf8').startsWith('"use strict";\n')) throw new Error('dist/ps.bundle.cjs is not strict mode code');
// @pool/core is `sideEffects: false`: of its bundled entries, the chunks `ps` does not use are dropped, which
// esbuild says as a warning ("Ignoring this import…"). That is the tree-shaking wanted; any other warning fails.
const warnings = result.warnings.filter((warning) => !/^Ignoring this import because .* was marked as having no side effects$/.test(warning.text));
if (warnings.length > 0) {
  throw new Error(`esbuild warned about dist/ps.bundle.cjs:\n${warnings.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`).join('\n')}`);
}

// What may be in it: this package's own modules and the plain data of `@pool/core/errors` (its codes), and
// nothing left to load at run time but Node's builtins. A module with state that other modules must share (a
// class checked with instanceof, a registry) would get a second instance here: such a module must not join
// the `ps` path without a look at this.
const core = realpathSync(fileURLToPath(new URL('../node_modules/@pool/core/dist/', import.meta.url)));
const output = Object.values(result.metafile.outputs)[0];
const included = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => resolve(dist, path));
const foreign = included.filter((path) => !path.startsWith(dist) && !path.startsWith(`${core}/`));
const loaded = output.imports.filter((entry) => !entry.path.startsWith('node:')).map((entry) => entry.path);
if (foreign.length > 0 || loaded.length > 0) {
  throw new Error(`dist/ps.bundle.cjs must hold only @pool/cli's modules and @pool/core's error codes, and load only builtins: ${[...foreign, ...loaded].join(', ')}`);
}
