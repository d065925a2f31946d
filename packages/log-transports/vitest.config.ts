import { defineConfig } from 'vitest/config';

// Tests drive real processes: give every wait a generous deadline (a loaded 2-core CI machine is slow),
// and keep the number of test files running at once small.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
