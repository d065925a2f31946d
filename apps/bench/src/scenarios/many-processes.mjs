// 100 `sleep 1000` processes: from the start command to all of them running, and the supervisor's RSS then.
// pool: a host script with a Manager of @pool/core and ONE job `sleepers` with numprocesses: 100
// (apps/pool-sleepers.mjs), timed from launching it (loading @pool/core included) to the 100 pids; PM2: an
// ecosystem file, one app in fork mode with `interpreter: none` and `instances: 100`, against its warm daemon;
// supervisord: one program with numprocs=100, `supervisorctl update`. For the peers, "running" is seen in
// /proc: 100 `sleep 1000` processes carrying the bench's marker. The baseline: a bare `node`'s RSS.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { allOf, notAboveBestPeer, withinBaseline } from '../goals.mjs';
import { now } from '../lib/listening.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { diedEarly, isAlive, launch, markedProcessesWhere, signal, stopProcess, waitUntilGone } from '../lib/processes.mjs';

const peers = ['pm2', 'supervisord'];
const countFor = (quick) => (quick ? 20 : 100);
const labelCount = countFor(process.argv.includes('--quick'));
const host = fileURLToPath(new URL('../apps/pool-sleepers.mjs', import.meta.url));
const isSleeper = (commandLine) => /(^|\/)sleep 1000$/.test(commandLine); // PM2 runs it by its full path
const settleMs = 500; // after all are running, before RSS is read: the supervisor's start-up bookkeeping done

export default {
  order: 60,
  name: 'many processes',
  targets: ['bare', 'pool', ...peers],
  cases: [{ id: 'sleepers' }],
  rows: [
    {
      case: 'sleepers',
      metric: 'milliseconds',
      label: `many processes: ${labelCount} × \`sleep 1000\` → all running`,
      unit: 'ms',
      better: 'lower',
      targets: ['pool', ...peers],
      goal: notAboveBestPeer(peers, 0.5),
    },
    {
      case: 'sleepers',
      metric: 'rssMegabytes',
      label: `many processes: supervisor RSS (baseline: a bare \`node\`)`,
      unit: 'MB',
      better: 'lower',
      goal: withinBaseline(1.5),
    },
  ],

  async measure({ peer, context }) {
    const count = countFor(context.quick);
    if (peer.name === 'bare') return bareNode();
    if (peer.name === 'pool') return viaPool(count);
    return viaPeer(peer, count, context.directory);
  },
};

async function bareNode() {
  const child = launch(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
  try {
    await sleep(1_000 + settleMs);
    return { rssMegabytes: rssBytes(child.pid) / 1_048_576 };
  } finally {
    await stopProcess(child, { timeout: 5_000 });
  }
}

async function viaPool(count) {
  const since = now();
  const master = launch(process.execPath, [host], { env: { SLEEPERS: String(count) }, ipc: true });
  try {
    const running = new Promise((resolve) => master.on('message', (message) => message.type === 'running' && resolve(message)));
    const timeout = sleep(60_000).then(() => {
      throw new Error(`pool's host did not report ${count} processes within 60 s`);
    });
    const { at, pids } = await Promise.race([running, diedEarly(master), timeout]);
    const alive = pids.filter(isAlive).length;
    if (alive !== count) throw new Error(`pool reported ${pids.length} pids, ${alive} alive, expected ${count}`);
    await sleep(settleMs);
    return { milliseconds: at - since, rssMegabytes: rssBytes(master.pid) / 1_048_576 };
  } finally {
    await stopProcess(master, { timeout: 15_000 });
    await endSleepers();
  }
}

async function viaPeer(peer, count, directory) {
  const start =
    peer.name === 'pm2'
      ? () => {
          const ecosystem = join(directory, 'sleepers.pm2.json');
          writeFileSync(ecosystem, JSON.stringify({ apps: [{ name: 'sleepers', script: 'sleep', args: '1000', interpreter: 'none', exec_mode: 'fork', instances: count, autorestart: false, out_file: '/dev/null', error_file: '/dev/null' }] }));
          return peer.command(['start', ecosystem]);
        }
      : () =>
          peer.setProgram(
            'sleepers',
            `[program:sleepers]
command=sleep 1000
process_name=%(program_name)s_%(process_num)03d
numprocs=${count}
autostart=true
autorestart=false
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`,
          );
  const since = now();
  try {
    const started = start();
    started.catch(() => {});
    let seen = 0;
    for (const deadline = Date.now() + 120_000; ; ) {
      seen = markedProcessesWhere(isSleeper).length;
      if (seen >= count) break;
      if (Date.now() > deadline) throw new Error(`${seen} of ${count} processes running after 120 s`);
      await sleep(20);
    }
    const milliseconds = now() - since;
    await started; // the command has returned too
    await sleep(settleMs);
    return { milliseconds, rssMegabytes: rssBytes(peer.daemonPid()) / 1_048_576 };
  } finally {
    if (peer.name === 'pm2') await peer.command(['delete', 'sleepers']).catch(() => {});
    else await peer.setProgram('sleepers').catch(() => {});
    await endSleepers();
  }
}

/** Whatever `sleep 1000` a stop left behind (the leak check would report it; end it here, by pid). */
async function endSleepers() {
  const left = markedProcessesWhere(isSleeper);
  if (left.length === 0 || (await waitUntilGone(left, 5_000))) return;
  for (const pid of left.filter(isAlive)) signal(pid, 'SIGKILL');
  await waitUntilGone(left, 5_000);
}
