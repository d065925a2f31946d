import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

// Every worker imports @pool/core: what it loads, each worker pays for at start. ajv, yaml and pino are
// loaded on first use only (and @pool/core/worker loads only the worker's side).
function loadedPackages(entry: string, use = ''): string[] {
  const script = `
    const { createRequire } = await import('node:module');
    await import('${entry}');
    ${use}
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache).map((path) => /node_modules\\/(?:\\.pnpm\\/[^/]+\\/node_modules\\/)?((?:@[^/]+\\/)?[^/]+)/.exec(path)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(loaded)].sort()));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  return JSON.parse(output) as string[];
}

it('loads none of ajv, yaml and pino until they are used', () => {
  for (const entry of ['@pool/core', '@pool/core/worker', '@pool/core/errors']) {
    expect(loadedPackages(entry).filter((name) => ['ajv', 'yaml', 'pino'].includes(name)), entry).toEqual([]);
  }
  const afterValidation = loadedPackages('@pool/core', "(await import('@pool/core')).checkJobConfig({ name: 'x', cmd: ['true'] });");
  expect(afterValidation).toContain('ajv');
});
