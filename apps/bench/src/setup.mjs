// Installs the peers that come from Debian's packages (supervisord, wrk) when they are missing.
// Only the binaries are used: the bench runs supervisord with a private config, never the system service.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { command: 'supervisord', aptPackage: 'supervisor' },
  { command: 'supervisorctl', aptPackage: 'supervisor' },
  { command: 'wrk', aptPackage: 'wrk' },
];

export function isInstalled(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function setup({ log = console.log } = {}) {
  const missing = [...new Set(needed.filter(({ command }) => !isInstalled(command)).map(({ aptPackage }) => aptPackage))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the bench needs ${missing.join(' and ')}: run \`sudo apt-get install -y ${missing.join(' ')}\``);
  }
  const apt = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  log(`setup: installing ${missing.join(' ')} from Debian's packages`);
  try {
    apt(['install', '-y', '--no-install-recommends', ...missing]);
  } catch {
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', ...missing]);
  }
  const stillMissing = needed.filter(({ command }) => !isInstalled(command));
  if (stillMissing.length > 0) throw new Error(`setup: ${stillMissing.map(({ command }) => command).join(', ')} still missing after apt-get`);
}

if (import.meta.url === `file://${process.argv[1]}`) setup();
