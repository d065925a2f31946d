import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { fixture } from './helpers.js';

// Every worker imports @pool/core: what it loads, each worker pays for at start. yaml, pino and the config
// validators are loaded on first use only (and @pool/core/worker loads only the worker's side); the validators
// are compiled at build time, so ajv's compiler (listed as "ajv compiler") is never loaded.
function loadedPackages(entry: string, use = ''): string[] {
  const script = `
    const { createRequire } = await import('node:module');
    await import('${entry}');
    ${use}
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache).map((path) => path.includes('/ajv/dist/compile/') ? 'ajv compiler' : /node_modules\\/(?:\\.pnpm\\/[^/]+\\/node_modules\\/)?((?:@[^/]+\\/)?[^/]+)/.exec(path)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(loaded)].sort()));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8', timeout: 50_000 });
  return JSON.parse(output) as string[];
}

it('loads none of ajv, yaml and pino until they are used', () => {
  for (const entry of ['@pool/core', '@pool/core/worker', '@pool/core/errors']) {
    expect(loadedPackages(entry).filter((name) => ['ajv', 'yaml', 'pino'].includes(name)), entry).toEqual([]);
  }
  const validation = `
    const { checkJobConfig } = await import('@pool/core');
    if (checkJobConfig({ name: 'x', cmd: ['true'] }).length > 0) throw new Error('a valid job was refused');
    if (checkJobConfig({ name: 'x', cmd: ['true'], colour: 1 })[0]?.message.startsWith('is not a known key (known: ') !== true) throw new Error('no problem reported');`;
  expect(loadedPackages('@pool/core', validation)).not.toContain('ajv compiler');
  // `logger: false` makes no pino logger: a pool started and stopped without one never loads it.
  const quietPool = `
    const { Supervisor } = await import('@pool/core');
    const pool = new Supervisor({ worker: ${JSON.stringify(fixture('echo-worker.mjs'))}, workers: 1, sockets: { web: { host: '127.0.0.1', port: 0 } }, stdout: 'ignore', logger: false });
    pool.logger.child({ any: 'thing' }).info('dropped');
    await pool.start();
    await pool.stop();`;
  expect(loadedPackages('@pool/core', quietPool)).not.toContain('pino');
  expect(loadedPackages('@pool/core', `process.env.POOL_LOG_LEVEL = 'silent';${quietPool.replace('logger: false', 'logger: undefined')}`)).toContain('pino');
});

// The package's entries are one esbuild bundle (scripts/bundle.mjs): a few files to read and compile instead of
// ~60 modules. Checked in a plain node process, as users load it, not through vitest's module graph.
it('serves its entries from one bundle: one instance of each class, and workers start from the bundle\'s bootstrap', async () => {
  const script = `
    const core = await import('@pool/core');
    const worker = await import('@pool/core/worker');
    const errors = await import('@pool/core/errors');
    const { createRequire } = await import('node:module');
    const pool = new core.Supervisor({ worker: ${JSON.stringify(fixture('echo-worker.mjs'))}, workers: 1, sockets: { web: { host: '127.0.0.1', port: 0 } }, stdout: 'ignore', logger: false });
    await pool.start();
    const [{ pid }] = pool.processes();
    const argv = (await import('node:fs')).readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
    await pool.stop();
    console.log(JSON.stringify({
      entry: import.meta.resolve('@pool/core'),
      sameWorkerBase: worker.WorkerBase === core.WorkerBase,
      sameListenOn: worker.listenOn === core.listenOn,
      samePoolError: errors.PoolError === core.PoolError,
      bootstrap: argv[1],
    }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8', timeout: 50_000 });
  const result = JSON.parse(output) as Record<string, unknown>;
  expect(result).toMatchObject({ sameWorkerBase: true, sameListenOn: true, samePoolError: true });
  expect(result.entry).toMatch(/\/dist\/bundle\/index\.js$/);
  expect(result.bootstrap).toMatch(/\/dist\/bundle\/worker\/bootstrap\.js$/);
});
