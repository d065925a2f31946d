// One status command against a running daemon that runs 2 jobs (`sleep 1000` each): `pool ps`,
// `pm2 jlist`, `supervisorctl status`; the baseline `node -e 0`. Each sample is the median of many runs of
// the command, from spawn to exit; the daemon is started before and stopped after, untimed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allOf, notAboveBestPeer, withinBaseline } from '../goals.mjs';
import { now } from '../lib/listening.mjs';
import { isAlive, markedProcessesWhere, run, signal, waitUntilGone } from '../lib/processes.mjs';
import { summarize } from '../lib/stats.mjs';

const peers = ['pm2', 'supervisord'];
const runsFor = (quick) => (quick ? 10 : 30);
const poolBin = fileURLToPath(new URL('../../../../packages/cli/dist/bin.js', import.meta.url));
const isSleeper = (commandLine) => /(^|\/)sleep 1000$/.test(commandLine);

export default {
  order: 70,
  name: 'CLI round trip',
  targets: ['bare', 'pool', ...peers],
  cases: [{ id: 'status' }],
  rows: [
    {
      case: 'status',
      metric: 'milliseconds',
      label: 'CLI round trip: `pool ps` / `pm2 jlist` / `supervisorctl status`, 2 jobs (baseline: `node -e 0`)',
      unit: 'ms',
      better: 'lower',
      goal: allOf(withinBaseline(1.5), notAboveBestPeer(peers, 0.6)),
    },
  ],

  async measure({ peer, context }) {
    const runs = runsFor(context.quick);
    if (peer.name === 'bare') return timeCommand(process.execPath, ['-e', '0'], {}, runs);
    if (peer.name === 'pool') return viaPool(runs);
    if (peer.name === 'pm2') return viaPm2(peer, runs, context.directory);
    return viaSupervisord(peer, runs);
  },
};

/** Runs the command once untimed (disk cache), then `runs` times; the sample is the median, min and max ride along. */
async function timeCommand(program, args, env, runs) {
  await run(program, args, { env });
  const times = [];
  for (let index = 0; index < runs; index++) {
    const since = now();
    await run(program, args, { env });
    times.push(now() - since);
  }
  const { median, min, max } = summarize(times);
  return { milliseconds: median, minMs: min, maxMs: max, runs };
}

async function viaPool(runs) {
  if (!existsSync(poolBin)) throw new Error(`${poolBin} is missing: build @pool/cli (pnpm build)`);
  // A short home of its own: the socket path must fit 107 bytes.
  const home = mkdtempSync(join(tmpdir(), 'pool-home-'));
  const env = { POOL_HOME: home, NO_COLOR: '1' };
  const pool = (...args) => run(process.execPath, [poolBin, ...args], { env, cwd: home, timeout: 60_000 });
  try {
    writeFileSync(join(home, 'Procfile'), 'one: sleep 1000\ntwo: sleep 1000\n');
    await pool('start', join(home, 'Procfile'));
    const sample = await timeCommand(process.execPath, [poolBin, 'ps'], env, runs);
    const listed = (await pool('ps')).trim().split('\n').filter(Boolean).length;
    if (listed !== 2) throw new Error(`pool ps listed ${listed} processes, expected 2`);
    return sample;
  } finally {
    await pool('shutdown').catch(() => {});
    // The daemon by its pid file, should `pool shutdown` have failed.
    const pidFile = join(home, 'pool.pid');
    const daemonPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    if (daemonPid && isAlive(daemonPid)) {
      signal(daemonPid, 'SIGTERM');
      if (!(await waitUntilGone([daemonPid], 10_000))) signal(daemonPid, 'SIGKILL');
    }
    await endSleepers();
    rmSync(home, { recursive: true, force: true });
  }
}

async function viaPm2(peer, runs, directory) {
  const ecosystem = join(directory, 'status.pm2.json');
  const app = (name) => ({ name, script: 'sleep', args: '1000', interpreter: 'none', exec_mode: 'fork', autorestart: false, out_file: '/dev/null', error_file: '/dev/null' });
  writeFileSync(ecosystem, JSON.stringify({ apps: [app('one'), app('two')] }));
  try {
    await peer.command(['start', ecosystem]);
    const { program, args, env } = peer.commandLine(['jlist']);
    return await timeCommand(program, args, env, runs);
  } finally {
    await peer.command(['delete', 'one']).catch(() => {});
    await peer.command(['delete', 'two']).catch(() => {});
    await endSleepers();
  }
}

async function viaSupervisord(peer, runs) {
  const program = (name) => `[program:${name}]\ncommand=sleep 1000\nautostart=true\nautorestart=false\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`;
  try {
    await peer.setProgram('status', `${program('one')}\n${program('two')}`);
    const { program: command, args, env } = peer.commandLine(['status']);
    return await timeCommand(command, args, env, runs);
  } finally {
    await peer.setProgram('status').catch(() => {});
    await endSleepers();
  }
}

async function endSleepers() {
  const left = markedProcessesWhere(isSleeper);
  if (left.length === 0 || (await waitUntilGone(left, 5_000))) return;
  for (const pid of left.filter(isAlive)) signal(pid, 'SIGKILL');
  await waitUntilGone(left, 5_000);
}
