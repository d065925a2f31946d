import { waitFor } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import type { PsRecord } from './helpers/records.js';
import { useSandbox } from './helpers/sandbox.js';

// Issue 18: a worker module started by the CLI imports @pool/core even where the app never installed it (the
// sandbox's directory is under the temp dir, with no node_modules above it): it gets the copy that runs it.

const sandbox = useSandbox();

describe('a worker module without @pool/core of its own', () => {
  it('imports the @pool/core that runs it, and starts', async () => {
    const { current } = sandbox;
    current.file(
      'hello-worker.mjs',
      `import { WorkerBase } from '@pool/core';
export default class Hello extends WorkerBase {
  constructor() {
    super();
    this.onStart(() => console.log('hello from worker ' + this.id));
  }
  async main() {
    await this.untilStopped();
  }
}
`,
    );
    const started = await current.run(['start', 'hello-worker.mjs', '-w', '2']);
    expect(started.code, started.stderr).toBe(0);
    await waitFor(async () => (await current.json<PsRecord[]>(['ps'])).every((process) => process.state === 'ready'), { timeout: 30_000 });
    await waitFor(async () => /hello from worker 1/.test((await current.run(['logs', 'hello-worker'])).stdout), { timeout: 30_000 });
    expect((await current.run(['logs', 'hello-worker'])).stdout).not.toContain('POOL_WORKER_MODULE_NOT_FOUND');
  });
});
