#!/usr/bin/env node
// `npm test`: set up (idempotent), run every package's tests one package at a time, then print one closing
// line, `N passed, N failed, N skipped`, summed from each package's vitest JSON report.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const results = new URL('.test-results/', root);
execFileSync(process.execPath, [new URL('setup.mjs', import.meta.url).pathname], { stdio: 'inherit' });
rmSync(results, { recursive: true, force: true });
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--concurrency=1', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
let files = [];
try {
  files = readdirSync(results).filter((name) => name.endsWith('.json'));
} catch {
  // No package reported: counted as no test run below.
}
for (const file of files) {
  const report = JSON.parse(readFileSync(new URL(file, results), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`\n${files.length} packages tested`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
const code = run.status ?? 1;
process.exit(code !== 0 ? code : passed === 0 || failed > 0 ? 1 : 0);
