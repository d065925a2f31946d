// The entry point of a worker process whose code is a module: the master spawns `node <this file>`.
import { isPoolError } from '../errors/index.js';
import { serializeError } from '../protocol.js';
import { workerContext } from './context.js';
import { loadWorkerModule } from './load.js';

const context = workerContext();
try {
  if (!context.module) throw new Error('POOL_WORKER_MODULE is not set: this file is started by a pool master');
  const worker = await loadWorkerModule(context.module, context.id);
  await worker.start();
} catch (error) {
  const hint = isPoolError(error) ? `\n  ${error.code}: ${error.hint}` : '';
  console.error(`[pool] worker ${context.id} could not start: ${(error as Error).stack ?? String(error)}${hint}`);
  if (process.connected) process.send?.({ type: 'pool:failed', phase: 'start', error: serializeError(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
