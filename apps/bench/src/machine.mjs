// What the table was measured on and with: the machine, Node, the peers' and the tools' versions.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const require = createRequire(import.meta.url);

const firstLine = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n')[0].trim();
};

function readSysctl(path) {
  try {
    return readFileSync(path, 'utf8').trim() === '1' ? 'on' : 'off';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(peers) {
  const cpus = os.cpus();
  const versions = {};
  for (const [name, peer] of Object.entries(peers)) versions[name] = await peer.version();
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = firstLine('git', ['status', '--porcelain']) !== '';
  return {
    date: new Date().toISOString(),
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    // With autogroups the kernel shares the CPU between sessions first: every pool worker is a session of its own
    // (setsid, for its process group), wrk and cluster's workers share the bench's. It moves the throughput row.
    autogroup: readSysctl('/proc/sys/kernel/sched_autogroup_enabled'),
    node: process.version,
    versions,
    fastify: require('fastify/package.json').version,
    wrk: firstLine('wrk', ['-v']).replace(/\s*Copyright.*$/, ''),
    commit: commit ? `${commit}${dirty ? ' with uncommitted changes' : ''}` : 'unknown',
  };
}
