// The reliability suite (issue 8): pool on its worst day, as figures.
//   node src/run.mjs            every scenario in full; rewrites docs/reliability.md
//   node src/run.mjs --quick    the short form for CI (under 4 minutes on 2 cores); writes no doc
//   node src/run.mjs --only 1,5 some scenarios (writes no doc)
// Each scenario runs in a process of its own. Whatever it leaves running is found by the run marker,
// ended, and fails the scenario. Exits 1 when any scenario fails.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine, renderMarkdown, renderTable, writeReport } from './lib/report.mjs';
import { missingPrerequisites, reportFile } from './lib/paths.mjs';
import { runMarker, signal, sweepLeftovers } from './lib/processes.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',').map(Number) : undefined;
const scenarioDeadline = quick ? 150_000 : 1_800_000;

const missing = missingPrerequisites();
if (missing.length > 0) {
  process.stderr.write(`The suite needs the workspace built and installed first (pnpm install && pnpm build):\n${missing.map((item) => `  - ${item}`).join('\n')}\n`);
  process.exit(2);
}
runMarker();
const scenarioDirectory = fileURLToPath(new URL('./scenarios/', import.meta.url));
const files = readdirSync(scenarioDirectory)
  .filter((name) => /^\d+-.*\.mjs$/.test(name))
  .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
  .filter((name) => !only || only.includes(parseInt(name, 10)));

let current;
process.on('SIGINT', () => {
  if (current) signal(current.pid, 'SIGKILL', { group: true });
  void sweepLeftovers().finally(() => process.exit(130));
});

function runScenario(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./scenario.mjs', import.meta.url)), `${scenarioDirectory}${file}`, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    current = child;
    let answer;
    child.on('message', (message) => (answer = message));
    const timer = setTimeout(() => {
      answer = { type: 'error', error: `the scenario did not finish within ${scenarioDeadline / 1_000} s` };
      signal(child.pid, 'SIGKILL', { group: true });
    }, scenarioDeadline);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(timer);
      current = undefined;
      resolve(answer ?? { type: 'error', error: `the scenario process ended (${exitSignal ?? `code ${code}`}) without a result` });
    });
  });
}

const rows = [];
const startedAt = Date.now();
for (const file of files) {
  const id = parseInt(file, 10);
  const scenarioStart = Date.now();
  process.stderr.write(`\n[${id}] ${file.replace(/^\d+-|\.mjs$/g, '').replaceAll('-', ' ')}\n`);
  const answer = await runScenario(file);
  const found = answer.type === 'rows' ? answer.rows : [{ scenario: `${id}. ${file}`, figures: 'did not finish', pass: false, failure: answer.error }];
  const leftovers = await sweepLeftovers();
  if (leftovers.length > 0) {
    found.push({ scenario: `${id}. left running after the scenario`, figures: `${leftovers.length} processes: ${leftovers.slice(0, 3).join('; ')}`, pass: false });
  }
  for (const row of found) rows.push({ id, ...row });
  process.stderr.write(`[${id}] done in ${((Date.now() - scenarioStart) / 1_000).toFixed(1)} s\n`);
  for (const row of found) if (row.failure) process.stderr.write(`[${id}] failure: ${row.failure}\n`);
}
const wallSeconds = (Date.now() - startedAt) / 1_000;

const failed = rows.filter((row) => row.pass === false);
// Every figure with its details (load breakdowns, event timings, …), for whoever digs into a row.
const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDirectory, { recursive: true });
writeFileSync(`${resultsDirectory}${quick ? 'quick' : 'full'}.json`, `${JSON.stringify({ date: new Date().toISOString(), machine: await machine(), wallSeconds, rows }, null, 2)}\n`);
process.stdout.write(`\n${renderTable(rows)}\n`);
process.stdout.write(`\n${rows.length - failed.length} of ${rows.length} rows held, ${failed.length} failed; ${wallSeconds.toFixed(0)} s (${quick ? 'quick' : 'full'} form)\n`);
if (!quick && !only) {
  const report = renderMarkdown({ rows, machine: await machine(), wallSeconds });
  writeReport(report);
  process.stdout.write(`wrote ${reportFile}\n`);
}
process.exitCode = failed.length > 0 ? 1 : 0;
