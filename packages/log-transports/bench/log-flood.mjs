#!/usr/bin/env node
// One worker writes 1,000,000 lines of 100 bytes to stdout; how long until every line is in the destination
// file, and how much CPU the master spends, for the file transport, the pino transport (into
// pino.destination, and into a plain fs.WriteStream), and the physical baseline (`node flood-writer | cat >
// file`). `--quick`: one run of each; default: 5 runs, medians with min and max. `--json` adds raw results.
// `logFlood()` is the scenario, importable by apps/bench.
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildHandler } from '@pool/core';
import { pino } from 'pino';
import { fileTransport, pinoTransport } from '../dist/index.js';

const writer = fileURLToPath(new URL('./flood-writer.mjs', import.meta.url));
export const sinks = ['baseline', 'file', 'pino', 'pino-stream'];

/**
 * Runs the scenario once. `sink`: one of `sinks`. Resolves with the wall time until every line
 * is in the file, the master's CPU time over that span, and the bytes written.
 */
export async function logFlood({ sink, lines = 1_000_000, lineLength = 100, directory } = {}) {
  const ownDirectory = directory === undefined;
  const where = directory ?? mkdtempSync(join(tmpdir(), 'pool-log-flood-'));
  const path = join(where, `${sink}.log`);
  try {
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const run = runners[sink];
    if (!run) throw new Error(`unknown sink ${sink} (known: ${sinks.join(', ')})`);
    await run(path, lines, lineLength);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const bytes = statSync(path).size;
    const found = countLines(path);
    if (found !== lines) throw new Error(`${sink}: ${found} lines in ${path}, expected ${lines}`);
    return { sink, lines, bytes, seconds, masterCpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    if (ownDirectory) rmSync(where, { recursive: true, force: true });
    else rmSync(path, { force: true });
  }
}

function baseline(path, lines, lineLength) {
  return new Promise((resolve, reject) => {
    const shell = spawn('/bin/sh', ['-c', 'exec "$NODE" "$WRITER" "$LINES" "$LENGTH" | cat > "$OUT"'], {
      stdio: 'ignore',
      env: { ...process.env, NODE: process.execPath, WRITER: writer, LINES: String(lines), LENGTH: String(lineLength), OUT: path },
    });
    shell.once('error', reject);
    shell.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`baseline exited with ${code}`))));
  });
}

async function runWriter(target, lines, lineLength) {
  const child = new ChildHandler({ command: process.execPath, args: [writer, String(lines), String(lineLength)], stdout: target, stderr: null });
  await child.start();
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`the writer exited with ${exit.code ?? exit.signal}`);
}

async function viaFileTransport(path, lines, lineLength) {
  const target = fileTransport({ path });
  await runWriter(target, lines, lineLength);
  await target.close();
}

/** pino's own fast destination (sonic-boom), or a plain Node stream. */
async function viaPinoTransport(path, lines, lineLength, destination) {
  await runWriter(pinoTransport({ logger: pino(destination) }), lines, lineLength);
  await new Promise((resolve) => {
    destination.once('close', resolve);
    destination.end();
  });
}

const runners = {
  baseline,
  file: viaFileTransport,
  pino: (path, lines, lineLength) => viaPinoTransport(path, lines, lineLength, pino.destination({ dest: path, sync: false })),
  'pino-stream': (path, lines, lineLength) => viaPinoTransport(path, lines, lineLength, createWriteStream(path)),
};

export function countLines(path) {
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  let count = 0;
  try {
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
      for (let index = buffer.indexOf(10); index !== -1 && index < read; index = buffer.indexOf(10, index + 1)) count++;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const quick = process.argv.includes('--quick');
  const runs = quick ? 1 : 5;
  const results = Object.fromEntries(sinks.map((sink) => [sink, []]));
  // Interleaved rounds, so that a slow moment of the machine does not fall on one sink only.
  for (let round = 0; round < runs; round++) {
    for (const sink of sinks) results[sink].push(await logFlood({ sink }));
  }
  const base = median(results.baseline.map((result) => result.seconds));
  const rows = sinks.map((sink) => {
    const seconds = results[sink].map((result) => result.seconds);
    const cpu = results[sink].map((result) => result.masterCpuSeconds);
    const perMillion = cpu.map((value, index) => (value * 1e6) / results[sink][index].lines);
    return {
      sink,
      'time s (median)': median(seconds).toFixed(3),
      ...(quick ? {} : { 'min s': Math.min(...seconds).toFixed(3), 'max s': Math.max(...seconds).toFixed(3) }),
      'vs baseline': `${(median(seconds) / base).toFixed(2)}×`,
      'master CPU s / 1M lines': median(perMillion).toFixed(3),
      ...(quick ? {} : { 'CPU min–max': `${Math.min(...perMillion).toFixed(3)}–${Math.max(...perMillion).toFixed(3)}` }),
    };
  });
  console.log(`log-flood: 1 worker, ${results.baseline[0].lines.toLocaleString('en')} lines of 100 bytes, ${runs} run${runs > 1 ? 's' : ''} each (Node ${process.version})`);
  console.table(rows);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
