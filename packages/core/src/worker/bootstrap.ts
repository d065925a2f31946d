// The entry point of a worker process whose code is a module: the master spawns `node <this file>`.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPoolError } from '../errors/index.js';
import { serializeError } from '../protocol.js';
import { workerContext } from './context.js';
import { loadWorkerModule } from './load.js';

/**
 * A worker module that cannot find `@pool/core` from where it is (no copy installed beside it) resolves it to the
 * copy that runs it (resolve-hooks.ts). Looked for first as ESM looks for a package (node_modules up the tree;
 * NODE_PATH does not count), so that a worker whose app has its own copy pays nothing, not even the hooks' thread.
 */
function ownCoreIfNone(module: string): void {
  const file = module.startsWith('file:') ? fileURLToPath(module) : resolve(module);
  for (let directory = dirname(file); ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'node_modules', '@pool', 'core', 'package.json'))) return;
    if (dirname(directory) === directory) break;
  }
  // Beside this file (dist/worker/, dist/bundle/worker/), unless the bundler moved this code into a shared chunk.
  const beside = import.meta.url.endsWith('/worker/bootstrap.js');
  register(beside ? './resolve-hooks.js' : './worker/resolve-hooks.js', import.meta.url);
}

const context = workerContext();
try {
  if (!context.module) throw new Error('POOL_WORKER_MODULE is not set: this file is started by a pool master');
  ownCoreIfNone(context.module);
  const worker = await loadWorkerModule(context.module, context.id);
  await worker.start();
} catch (error) {
  const hint = isPoolError(error) ? `\n  ${error.code}: ${error.hint}` : '';
  console.error(`[pool] worker ${context.id} could not start: ${(error as Error).stack ?? String(error)}${hint}`);
  if (process.connected) process.send?.({ type: 'pool:failed', phase: 'start', error: serializeError(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
