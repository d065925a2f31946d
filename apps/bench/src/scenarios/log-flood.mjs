// One worker writes 1,000,000 lines of 100 bytes to stdout → every line in the supervisor's log file: the time
// it takes and the supervisor's CPU seconds. pool and the baseline (`writer | cat > file`) are
// @pool/log-transports' own scenario (`logFlood`, run in a host process of its own); PM2 and supervisord run
// the same writer script as their program with their log file configured.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { allOf, notAboveBestPeer, withinBaseline, zeroInEveryRun } from '../goals.mjs';
import { waitForLines } from '../lib/lines.mjs';
import { now } from '../lib/listening.mjs';
import { cpuTime } from '../lib/proc.mjs';
import { isAlive, launch, markedProcessesWhere, signal, stopProcess, waitUntilGone } from '../lib/processes.mjs';

const peers = ['pm2', 'supervisord'];
const lineLength = 100;
// The quick form proves the scenario works: a tenth of the lines.
const sizeFor = (quick) => (quick ? 100_000 : 1_000_000);
const labelLines = sizeFor(process.argv.includes('--quick')).toLocaleString('en-US');
const writer = fileURLToPath(new URL('./flood-writer.mjs', import.meta.resolve('@pool/log-transports/bench/log-flood')));
const host = fileURLToPath(new URL('../apps/log-flood-host.mjs', import.meta.url));

export default {
  order: 50,
  name: 'log flood',
  targets: ['bare', 'pool', ...peers],
  cases: [{ id: 'flood' }],
  rows: [
    {
      case: 'flood',
      metric: 'seconds',
      label: `log flood, ${labelLines} × ${lineLength} B lines → log file: time`,
      unit: 's',
      better: 'lower',
      goal: allOf(notAboveBestPeer(peers, 0.5), withinBaseline(2)),
    },
    {
      case: 'flood',
      metric: 'supervisorCpuSeconds',
      label: `log flood: supervisor CPU`,
      unit: 's',
      better: 'lower',
      targets: ['pool', ...peers],
      goal: notAboveBestPeer(peers, 0.5),
    },
    { case: 'flood', metric: 'linesLost', label: 'log flood: lines lost', unit: 'lines', better: 'lower', goal: zeroInEveryRun() },
  ],

  async measure({ peer, context }) {
    const lines = sizeFor(context.quick);
    const directory = join(context.directory, 'log-flood');
    mkdirSync(directory, { recursive: true });
    if (peer.name === 'bare' || peer.name === 'pool') return viaLogFlood({ sink: peer.name === 'bare' ? 'baseline' : 'file', lines, directory });
    const file = join(directory, `${peer.name}.log`);
    rmSync(file, { force: true });
    try {
      return await (peer.name === 'pm2' ? viaPm2 : viaSupervisord)({ peer, lines, file, directory });
    } finally {
      rmSync(file, { force: true });
    }
  },
};

/** pool's file transport, or the `cat` baseline, timed by logFlood itself in a host process. */
async function viaLogFlood({ sink, lines, directory }) {
  const output = join(directory, `host-${sink}.json`);
  const child = launch(process.execPath, [host, sink, String(lines), directory], { logFile: output });
  try {
    const timer = setTimeout(() => signal(child.pid, 'SIGKILL', { group: true }), 180_000);
    const { code, signal: killedBy } = await child.exited;
    clearTimeout(timer);
    const text = readFileSync(output, 'utf8');
    if (code !== 0) throw new Error(`log-flood host (${sink}) exited with ${killedBy ?? code}: ${text.slice(-500)}`);
    const result = JSON.parse(text.trim().split('\n').at(-1));
    const sample = { seconds: result.seconds, linesLost: result.linesLost };
    if (sink === 'file') sample.supervisorCpuSeconds = result.masterCpuSeconds; // the baseline has no supervisor
    return sample;
  } finally {
    await stopProcess(child, { timeout: 5_000 });
    rmSync(output, { force: true });
  }
}

/**
 * Times a peer from the moment the writer process starts (its start time in /proc, so that neither peer's
 * command-line start-up counts) until the file holds every byte; the daemon's CPU from before its start
 * command to then.
 */
async function timePeer({ daemonPid, lines, file, start }) {
  const cpuBefore = cpuTime(daemonPid);
  const since = now();
  // Look for the writer while the start command runs: with few lines it can be done before the command returns.
  const started = start();
  let commandDone = false;
  started.then(
    () => (commandDone = true),
    () => (commandDone = true),
  );
  let writerPid;
  for (const deadline = Date.now() + 30_000; !writerPid; ) {
    [writerPid] = markedProcessesWhere((commandLine) => commandLine.includes('flood-writer.mjs'));
    if (writerPid) break;
    if (commandDone && isComplete(file, lines)) break; // it came and went unseen: time it from the command
    if (Date.now() > deadline) throw new Error('the writer never started');
    await sleep(2);
  }
  await started;
  const writerStartedAt = (writerPid && processStartedAt(writerPid)) ?? since;
  const done = await waitForLines(file, { lines, bytes: lines * lineLength, writerDone: () => !writerPid || !isAlive(writerPid), now });
  const supervisorCpuSeconds = (cpuTime(daemonPid) - cpuBefore) / 1_000;
  return { seconds: (done.at - writerStartedAt) / 1_000, supervisorCpuSeconds, linesLost: lines - done.lines, writerPid };
}

const isComplete = (file, lines) => existsSync(file) && statSync(file).size >= lines * lineLength;

async function viaPm2({ peer, lines, file, directory }) {
  const ecosystem = join(directory, 'flood.pm2.json');
  writeFileSync(
    ecosystem,
    JSON.stringify({
      apps: [{ name: 'flood', script: writer, args: [String(lines), String(lineLength)], exec_mode: 'fork', merge_logs: true, autorestart: false, out_file: file, error_file: join(directory, 'pm2-flood.err') }],
    }),
  );
  let writerPid;
  try {
    const sample = await timePeer({ daemonPid: peer.daemonPid(), lines, file, start: () => peer.command(['start', ecosystem]) });
    writerPid = sample.writerPid;
    delete sample.writerPid;
    return sample;
  } finally {
    await peer.command(['delete', 'flood']).catch(() => {});
    await endWriter(writerPid);
  }
}

async function viaSupervisord({ peer, lines, file }) {
  let writerPid;
  try {
    const sample = await timePeer({
      daemonPid: peer.daemonPid(),
      lines,
      file,
      start: () =>
        peer.setProgram(
          'flood',
          `[program:flood]
command=${process.execPath} ${writer} ${lines} ${lineLength}
autostart=true
autorestart=false
startsecs=0
stdout_logfile=${file}
stdout_logfile_maxbytes=0
stdout_logfile_backups=0
stderr_logfile=NONE
`,
        ),
    });
    writerPid = sample.writerPid;
    delete sample.writerPid;
    return sample;
  } finally {
    await peer.setProgram('flood').catch(() => {});
    await endWriter(writerPid);
  }
}

async function endWriter(pid) {
  if (!pid || !isAlive(pid)) return;
  signal(pid, 'SIGTERM');
  if (!(await waitUntilGone([pid], 5_000))) signal(pid, 'SIGKILL');
}

// /proc/<pid>/stat field 22: its start, in clock ticks (CLK_TCK is 100 on Linux) since boot; the boot is
// now − /proc/uptime (10 ms steps; /proc/stat's btime is whole seconds, too coarse here).
function processStartedAt(pid) {
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    const bootedAt = now() - uptime * 1_000;
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return bootedAt + ticks * 10;
  } catch {
    return undefined;
  }
}
