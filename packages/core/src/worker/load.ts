import { poolError } from '../errors/index.js';
import { isWorkerClass, isWorkerInstance, type WorkerBase } from './worker-base.js';

/** A function that makes the worker for a given id (sync or async). */
export type WorkerFactory = (id: number) => WorkerBase | Promise<WorkerBase>;

/** Turns a module's default export (a WorkerBase subclass or a factory) into a worker. */
export async function instantiateWorker(exported: unknown, id: number, module: string): Promise<WorkerBase> {
  if (isWorkerClass(exported)) return new exported();
  if (typeof exported === 'function') {
    const worker: unknown = await (exported as WorkerFactory)(id);
    if (isWorkerInstance(worker)) return worker;
  }
  throw poolError('POOL_WORKER_INVALID_EXPORT', { module });
}

export async function loadWorkerModule(module: string, id: number): Promise<WorkerBase> {
  let namespace: { default?: unknown };
  try {
    namespace = (await import(module)) as { default?: unknown };
  } catch (error) {
    throw poolError('POOL_WORKER_MODULE_NOT_FOUND', { module, detail: (error as Error).message }, error);
  }
  return instantiateWorker(namespace.default, id, module);
}
