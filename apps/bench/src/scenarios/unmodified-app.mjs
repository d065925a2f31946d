// An unmodified app (Fastify, and Express) run 4 times on one port (issue 14), through the CLI as users run it: `pool start app -w 4`
// (the daemon, cluster mode) beside `pm2 start app -i 4` (PM2's cluster mode, warm daemon). Under wrk's load
// (16 kept-alive connections): one worker SIGKILLed, then 3 rolling reloads; then, without load, how new
// connections spread over the 4 workers.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { zeroInEveryRun } from '../goals.mjs';
import { now } from '../lib/listening.mjs';
import { startWrk } from '../lib/load.mjs';
import { isAlive, markedProcessesWhere, run, signal, waitUntilGone } from '../lib/processes.mjs';

const apps = {
  fastify: fileURLToPath(new URL('../apps/unmodified-app.cjs', import.meta.url)),
  express: fileURLToPath(new URL('../apps/unmodified-express.cjs', import.meta.url)),
};
const poolBin = fileURLToPath(new URL('../../../../packages/cli/dist/bin.js', import.meta.url));
const workers = 4;
const reloads = 3;
const spreadConnections = 400;
const isApp = (commandLine) => /unmodified-(app|express)\.cjs$/.test(commandLine);

const rowsFor = (id, label) => [
  {
    case: id,
    metric: 'beyondKilled',
    label: `unmodified ${label} app ×${workers} (CLI): SIGKILL of a worker under load, failed requests beyond the killed worker's connections`,
    unit: 'requests',
    better: 'lower',
    goal: zeroInEveryRun(),
  },
  { case: id, metric: 'killFailed', label: `unmodified ${label} app ×${workers}: SIGKILL of a worker under load, failed requests`, unit: 'requests', better: 'lower' },
  { case: id, metric: 'reloadFailed', label: `unmodified ${label} app ×${workers}: rolling reload ×${reloads} under load, failed requests`, unit: 'requests', better: 'lower', goal: zeroInEveryRun() },
  { case: id, metric: 'reloadMs', label: `unmodified ${label} app ×${workers}: rolling reload ×${reloads} under load, time`, unit: 'ms', better: 'lower' },
  {
    case: id,
    metric: 'busiestShare',
    label: `unmodified ${label} app ×${workers}: share of ${spreadConnections} new connections taken by the busiest worker (even: 25)`,
    unit: '%',
    better: 'lower',
  },
];

export default {
  order: 45,
  name: 'unmodified app',
  targets: ['pool', 'pm2'],
  cases: [{ id: 'fastify' }, { id: 'express' }],
  rows: [...rowsFor('fastify', 'Fastify'), ...rowsFor('express', 'Express')],

  async measure({ peer, testCase }) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const app = apps[testCase.id];
    const driver = peer.name === 'pool' ? poolDriver(app, port) : pm2Driver(peer, app, port);
    try {
      await driver.start();
      await waitForWorkers(port, await driver.pids());
      return await measureApp(port, driver);
    } finally {
      await driver.stop();
      await endApps();
      driver.cleanup?.();
    }
  },
};

async function measureApp(port, driver) {
  // A worker's SIGKILL: what it had accepted is lost with it, nothing else may be.
  let load = startWrk({ port, seconds: 300, connections: 16 });
  let killed;
  try {
    await sleep(1_000);
    const [victim] = await driver.pids();
    const held = establishedConnections(victim, port);
    signal(victim, 'SIGKILL');
    await waitUntilGone([victim], 10_000);
    await sleep(1_000);
    killed = { result: await load.stop(), held };
  } finally {
    await load.stop();
  }
  await waitForWorkers(port, await driver.pids());

  // Rolling reloads, one after the other.
  load = startWrk({ port, seconds: 300, connections: 16 });
  let reload;
  let reloadMs;
  try {
    await sleep(1_000);
    const since = now();
    for (let index = 0; index < reloads; index++) await driver.reload();
    reloadMs = now() - since;
    await sleep(1_000);
    reload = await load.stop();
  } finally {
    await load.stop();
  }

  const counts = await spread(port, spreadConnections);
  const busiest = Math.max(...counts.values());
  return {
    killFailed: killed.result.failed,
    beyondKilled: Math.max(0, killed.result.failed - killed.held),
    heldByKilled: killed.held,
    reloadFailed: reload.failed,
    reloadErrors: reload.errors,
    reloadMs,
    busiestShare: (100 * busiest) / spreadConnections,
    workersSeen: counts.size,
  };
}

/** The pool daemon in a home of its own, driven by the CLI. */
function poolDriver(app, port) {
  const home = mkdtempSync(join(tmpdir(), 'pool-home-'));
  const env = { POOL_HOME: home, NO_COLOR: '1', PORT: String(port) };
  const pool = (...args) => run(process.execPath, [poolBin, ...args], { env, cwd: home, timeout: 120_000 });
  return {
    start: () => pool('start', app, '-w', String(workers), '--name', 'web'),
    pids: async () => JSON.parse(await pool('ps', '--json')).map((entry) => entry.pid).filter(Boolean),
    reload: () => pool('reload', 'web'),
    async stop() {
      await pool('shutdown').catch(() => {});
      const pidFile = join(home, 'pool.pid');
      let daemonPid;
      try {
        daemonPid = Number(readFileSync(pidFile, 'utf8').trim());
      } catch {}
      if (daemonPid && isAlive(daemonPid)) {
        signal(daemonPid, 'SIGTERM');
        if (!(await waitUntilGone([daemonPid], 10_000))) signal(daemonPid, 'SIGKILL');
      }
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** PM2's cluster mode on its warm daemon. */
function pm2Driver(peer, app, port) {
  const env = { PORT: String(port) };
  return {
    start: () => peer.command(['start', app, '--name', 'web', '-i', String(workers)], env),
    pids: async () => JSON.parse((await peer.command(['jlist'])).replace(/^[^[]*/, '')).filter((entry) => entry.name === 'web').map((entry) => entry.pid).filter(Boolean),
    reload: () => peer.command(['reload', 'web'], env),
    stop: () => peer.command(['delete', 'web']).catch(() => {}),
  };
}

/** Every worker answers (each took connections from the shared socket), within 60 s. */
async function waitForWorkers(port, pids) {
  if (pids.length !== workers) throw new Error(`expected ${workers} workers, found ${pids.length}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const seen = await spread(port, 40).catch(() => new Map());
    if (pids.every((pid) => seen.has(String(pid)))) return;
    if (Date.now() > deadline) throw new Error(`not every worker answered within 60 s (${[...seen.keys()].join(', ')} of ${pids.join(', ')})`);
    await sleep(200);
  }
}

/** `total` requests, 8 at a time, each on a new connection: how many each worker (pid) took. */
async function spread(port, total) {
  const counts = new Map();
  let next = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.end();
    });
  const lane = async () => {
    while (next++ < total) {
      const pid = await one();
      counts.set(pid, (counts.get(pid) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return counts;
}

/** Established TCP connections on `port` that `pid` holds (its fds matched against /proc/net/tcp). */
function establishedConnections(pid, port) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {}
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {}
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[1].endsWith(`:${hexPort}`) && fields[3] === '01' && inodes.has(fields[9])) count++;
    }
  }
  return count;
}

async function endApps() {
  const left = markedProcessesWhere(isApp);
  if (left.length === 0 || (await waitUntilGone(left, 10_000))) return;
  for (const pid of left.filter(isAlive)) signal(pid, 'SIGKILL');
  await waitUntilGone(left, 5_000);
}
