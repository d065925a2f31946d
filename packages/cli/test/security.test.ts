import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@pool/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from './helpers/sandbox.js';

// The attacks of a local adversary, as the CLI and its daemon meet them (docs/security.md).
describe('pool against hostile input', () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox();
  });
  afterEach(async () => {
    await sandbox.run(['shutdown']);
    await sandbox.cleanup();
  });

  it('a Procfile variable holding quotes and ";" is data, not shell: the injected command never runs', async () => {
    const marker = join(sandbox.root, 'injected');
    const value = `hi"; touch ${marker}; echo "`;
    sandbox.file('Procfile', 'say: echo "greeting=$GREETING" && exec sleep 1000\n');
    const started = await sandbox.run(['start', 'Procfile'], { env: { GREETING: value } });
    expect(started.code, started.stderr).toBe(0);
    const logs = await waitFor(async () => {
      const { stdout } = await sandbox.run(['logs', 'say']);
      return stdout.includes('greeting=') ? stdout : undefined;
    }, 30_000);
    expect(logs).toContain(`greeting=${value}`);
    expect(existsSync(marker)).toBe(false);
  });
});
