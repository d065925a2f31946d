#!/usr/bin/env node
// pool against Node's cluster, PM2 and supervisord, side by side, in one run (issue 7).
//   node src/run.mjs            every scenario, 5 runs each; writes docs/benchmarks.md
//   node src/run.mjs --quick    one run each, shorter windows; prints the table (CI)
// Options: --runs N, --only <scenario,...>, --out <file> (write the report there as well),
// --render (rewrite docs/benchmarks.md from the last full run's results/full.json, measuring nothing).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine.mjs';
import { markedProcesses, reapLeftovers, signal, waitUntilGone } from './lib/processes.mjs';
import { waitForQuiet } from './lib/proc.mjs';
import { startServing } from './lib/serving.mjs';
import { summarize } from './lib/stats.mjs';
import { renderReport } from './report.mjs';
import { setup } from './setup.mjs';

// A scenario is one file in scenarios/ (a row of the table, in the order of its `order`); a way to start a
// peer is one file in peers/. Adding either needs no change here.
const loadAll = async (folder) =>
  Promise.all(
    readdirSync(new URL(folder, import.meta.url))
      .filter((name) => name.endsWith('.mjs') && name !== 'paths.mjs')
      .map(async (name) => (await import(new URL(`${folder}${name}`, import.meta.url))).default),
  );
const allScenarios = (await loadAll('./scenarios/')).sort((a, b) => a.order - b.order);
const peers = Object.fromEntries((await loadAll('./peers/')).map((peer) => [peer.name, peer]));
const docsFile = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    render: { type: 'boolean', default: false },
  },
});
if (options.render) {
  const saved = JSON.parse(readFileSync(join(resultsDirectory, 'full.json'), 'utf8'));
  writeFileSync(docsFile, renderReport({ ...saved, command: 'pnpm bench' }));
  console.error(`rewrote ${docsFile} from results/full.json`);
  process.exit(0);
}
const quick = options.quick;
const runs = Number(options.runs ?? (quick ? 1 : 5));
const only = options.only?.split(',').map((name) => name.trim());
const scenarios = only ? allScenarios.filter((scenario) => only.includes(scenario.name) || only.includes(slug(scenario.name))) : allScenarios;
if (scenarios.length === 0) throw new Error(`no scenario named ${options.only}; there are: ${allScenarios.map((s) => slug(s.name)).join(', ')}`);

const log = (...parts) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const startedAt = performance.now();
const directory = mkdtempSync(join(tmpdir(), 'pool-bench-'));
const context = { quick, directory };
const targets = [...new Set(scenarios.flatMap((scenario) => scenario.targets))];
const daemonPids = () => targets.flatMap((name) => peers[name].daemonPids?.() ?? []);
const failures = [];
const leaks = [];
const quiet = { timeouts: 0, giveUp: false, busyMeasurements: 0 };

let cleaningUp;
const cleanup = () =>
  (cleaningUp ??= (async () => {
    for (const name of targets) await peers[name].cleanup?.().catch((error) => failures.push({ where: `${name} cleanup`, message: error.message }));
    const leftovers = await reapLeftovers();
    if (leftovers.length > 0) leaks.push({ where: 'end of run', pids: leftovers });
  })());
for (const name of ['SIGINT', 'SIGTERM']) {
  process.once(name, () => {
    log(`${name}: stopping everything the bench started`);
    cleanup().finally(() => process.exit(130));
  });
}

const results = [];
const loadBefore = loadavg();
try {
  setup({ log });
  for (const name of targets) await peers[name].prepare?.({ directory });
  log(`warming up (one untimed start of each): ${targets.join(', ')}`);
  for (const name of targets) {
    const serving = await startServing(peers[name], { workers: 2, directory });
    await serving.instance.stop();
    await checkLeftovers(`warm-up of ${name}`);
  }
  for (const scenario of scenarios) results.push(await runScenario(scenario));
} catch (error) {
  failures.push({ where: 'harness', message: error.stack ?? error.message });
} finally {
  await cleanup();
}

const machine = { ...(await describeMachine(peers)), loadBefore, loadAfter: loadavg(), busyMeasurements: quiet.busyMeasurements };
const wallSeconds = (performance.now() - startedAt) / 1_000;
const report = renderReport({ results, machine, quick, runs, wallSeconds, failures, leaks, command: commandLine() });
console.log(report);
mkdirSync(resultsDirectory, { recursive: true });
// Only the full run replaces results/full.json (what `--render` rewrites the doc from); a run with --only or
// --runs writes results/partial.json.
const fullRun = !quick && !only && options.runs === undefined;
writeFileSync(join(resultsDirectory, `${quick ? 'quick' : fullRun ? 'full' : 'partial'}.json`), JSON.stringify({ machine, quick, runs, wallSeconds, results, failures, leaks }, null, 2));
if (fullRun) writeFileSync(docsFile, report);
if (options.out) writeFileSync(options.out, report);
if (failures.length === 0 && leaks.length === 0) rmSync(directory, { recursive: true, force: true });
else log(`logs kept in ${directory}`);
log(`done in ${wallSeconds.toFixed(0)} s; ${failures.length} failed measurement(s), ${leaks.length} leak(s)`);
process.exitCode = failures.length > 0 || leaks.length > 0 ? 1 : 0;

async function runScenario(scenario) {
  const samples = {}; // case id → target → [sample]
  for (let run = 0; run < runs; run++) {
    for (const testCase of scenario.cases) {
      const byTarget = (samples[testCase.id] ??= {});
      for (const name of rotate(scenario.targets, run)) {
        const where = `${scenario.name} [${testCase.id}] run ${run + 1}/${runs}, ${name}`;
        try {
          const busyBefore = await quietMachine(where);
          const sample = { ...(await scenario.measure({ peer: peers[name], testCase, context })), busyBefore };
          (byTarget[name] ??= []).push(sample);
          log(where, JSON.stringify(sample, (key, value) => (typeof value === 'number' ? Math.round(value * 100) / 100 : value)));
        } catch (error) {
          failures.push({ where, message: error.message });
          log(where, 'FAILED:', error.message);
        }
        await checkLeftovers(where);
      }
    }
  }
  const rows = scenario.rows.map((row) => {
    const cells = {};
    for (const [name, list] of Object.entries(samples[row.case] ?? {})) {
      const summary = summarize(list.map((sample) => sample[row.metric]));
      if (summary) cells[name] = summary;
    }
    return { ...row, goal: row.goal?.text, cells, verdict: row.goal?.check(cells) };
  });
  return { name: scenario.name, targets: scenario.targets, rows, samples };
}

/**
 * Waits (up to 10 s) for the machine to be nearly idle, so that a measurement does not start in the middle
 * of someone else's burst of work. A machine that stays busy (a process spinning) is noted, not waited on
 * again. A quick run only proves the bench works: it does not wait.
 */
async function quietMachine(where) {
  if (quick) return undefined;
  const busy = await waitForQuiet({ threshold: 0.15, timeout: quiet.giveUp ? 0 : 10_000 });
  if (busy > 0.15) {
    quiet.busyMeasurements += 1;
    quiet.timeouts += 1;
    if (quiet.timeouts >= 2 && !quiet.giveUp) log('the machine stays busy: measuring without waiting from now on');
    quiet.giveUp ||= quiet.timeouts >= 2;
    log(where, `the machine was ${Math.round(busy * 100)} % busy`);
  } else {
    quiet.timeouts = 0;
  }
  return busy;
}

/** Whatever a stop left running (a daemon's own pid aside) is a leak: report it, then end it. */
async function checkLeftovers(where) {
  const expected = new Set(daemonPids());
  const extra = () => markedProcesses().filter((pid) => !expected.has(pid));
  if (extra().length === 0) return;
  const pids = extra();
  if (await waitUntilGone(pids, 10_000)) return;
  const stuck = extra();
  leaks.push({ where, pids: stuck });
  log(where, `LEFT BEHIND: ${stuck.join(', ')}; killing them`);
  for (const pid of stuck) signal(pid, 'SIGKILL');
  await waitUntilGone(stuck, 5_000);
}

function rotate(list, by) {
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function commandLine() {
  return quick ? 'pnpm bench -- --quick' : 'pnpm bench';
}
