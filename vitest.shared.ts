import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * What every package's tests share: generous deadlines (real processes on a slow, loaded 2-core machine),
 * few test files at once, and a JSON report that `scripts/test.mjs` sums into one closing line.
 */
export function sharedTestConfig(packageDirectory: string): ViteUserConfig['test'] {
  return {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: join(root, '.test-results', `${basename(packageDirectory)}.json`) },
  };
}
