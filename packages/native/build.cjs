// Builds the addon with node-gyp (npm's own copy, or pnpm's, or one on PATH). Never fails the install: pool
// runs without it (no orphan reaping as PID 1, no subreaper) and says so. `--if-missing`: keep a build that loads.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

const binary = join(__dirname, 'build', 'Release', 'pool_native.node');
if (process.platform !== 'linux') {
  console.log('@pool/native: not Linux, nothing to build');
  process.exit(0);
}
if (process.argv.includes('--if-missing') && existsSync(binary)) {
  try {
    require(binary);
    process.exit(0);
  } catch {
    // Built for another platform or Node-API: build again.
  }
}

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  // npm's bundled copy, beside the node binary: <prefix>/lib/node_modules/npm/node_modules/node-gyp.
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((candidate) => candidate && existsSync(candidate));
}

const gyp = nodeGyp();
if (!gyp) {
  console.warn('@pool/native: node-gyp not found; pool runs without orphan reaping (see docs/containers.md)');
  process.exit(0);
}
const args = [gyp, 'rebuild'];
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const result = spawnSync(process.execPath, args, { cwd: __dirname, stdio: 'inherit' });
if (result.status !== 0) console.warn('@pool/native: the build failed; pool runs without orphan reaping (see docs/containers.md)');
process.exit(0);
