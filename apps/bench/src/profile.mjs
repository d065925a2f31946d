#!/usr/bin/env node
// Where pool's cold start goes: a timeline (master loaded, workers spawned, workers listening) against the
// bare baseline, then a CPU profile (--cpu-prof, which the workers inherit) of the master and a worker,
// its self time grouped by where the code lives.
//   node src/profile.mjs [--workers 2] [--runs 5]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import bare from './peers/bare.mjs';
import pool from './peers/pool.mjs';
import { reapLeftovers } from './lib/processes.mjs';
import { startServing } from './lib/serving.mjs';
import { summarize } from './lib/stats.mjs';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, runs: { type: 'string', default: '5' } } });
const workers = Number(values.workers);
const runs = Number(values.runs);
const directory = mkdtempSync(join(tmpdir(), 'pool-profile-'));
const median = (list) => summarize(list)?.median ?? Number.NaN;
const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;

try {
  const rows = { pool: [], bare: [] };
  for (let run = 0; run < runs; run++) {
    for (const peer of [bare, pool]) {
      const serving = await startServing(peer, { workers, directory });
      await serving.instance.stop();
      const { since, listening, instance } = serving;
      const imported = instance.timeline?.find((event) => event.type === 'imported')?.at;
      const spawns = instance.timeline?.filter((event) => event.type === 'spawn').map((event) => event.at) ?? [];
      rows[peer.name].push({
        masterLoaded: imported === undefined ? Number.NaN : imported - since,
        firstSpawn: spawns.length ? Math.min(...spawns) - since : Number.NaN,
        firstWorkerProcess: Math.min(...listening.map((entry) => entry.processStartedAt)) - since,
        workerStartup: median(listening.map((entry) => entry.at - entry.processStartedAt)),
        allListening: serving.lastAt - since,
        spawnToReady: median(instance.readyEvents?.map((event) => event.startDuration) ?? []),
      });
    }
  }
  console.log(`\nCold start, ${workers} workers, median of ${runs} runs (ms from the start command):\n`);
  const steps = [
    ['master loaded its modules', 'masterLoaded'],
    ['master saw the first worker spawned', 'firstSpawn'],
    ['first worker process started', 'firstWorkerProcess'],
    ['a worker: process start → listening', 'workerStartup'],
    ['master: spawn → ready of a worker', 'spawnToReady'],
    ['all workers listening', 'allListening'],
  ];
  console.log(`${''.padEnd(46)}${'bare'.padStart(8)}${'pool'.padStart(8)}`);
  for (const [label, key] of steps) {
    const cell = (name) => {
      const value = median(rows[name].map((row) => row[key]));
      return Number.isNaN(value) ? '       —' : ms(value).padStart(8);
    };
    console.log(`${label.padEnd(46)}${cell('bare')}${cell('pool')}`);
  }

  const profiles = join(directory, 'profiles');
  mkdirSync(profiles);
  const serving = await startServing(pool, { workers, directory, nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
  await serving.instance.stop();
  const files = readdirSync(profiles).filter((name) => name.endsWith('.cpuprofile'));
  const byPid = new Map(files.map((name) => [Number(name.split('.')[3]), join(profiles, name)]));
  const masterFile = byPid.get(serving.instance.supervisorPid);
  const workerFile = byPid.get(serving.pids[0]);
  for (const [title, file] of [['master', masterFile], ['a worker', workerFile]]) {
    if (!file) {
      console.log(`\n(no profile was written for ${title})`);
      continue;
    }
    console.log(`\nCPU profile of ${title} (self time by where the code lives; whole life of the process):\n`);
    for (const [where, time] of selfTimeByPlace(JSON.parse(readFileSync(file, 'utf8'))).slice(0, 12)) {
      console.log(`${ms(time)}  ${where}`);
    }
  }
} finally {
  await reapLeftovers();
  rmSync(directory, { recursive: true, force: true });
}

function selfTimeByPlace(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const where = place(node.callFrame);
    totals.set(where, (totals.get(where) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1_000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function place({ url, functionName }) {
  if (!url) return `(${functionName || 'native'})`;
  if (url.startsWith('node:')) return url.startsWith('node:internal/modules') ? 'Node: module loading' : 'Node: other internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  if (url.includes('/packages/core/')) return '@pool/core';
  if (url.includes('/apps/bench/')) return 'the app (apps/bench)';
  return url;
}
