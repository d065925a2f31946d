import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors/cli-error.js';

const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));

/** systemd's quoting for a word of ExecStart. */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Prints a systemd unit that runs the daemon in the foreground (the node and the `pool` of this install, this
 * POOL_HOME), and how to install it. It installs nothing itself.
 */
export async function startup({ output, home }: CommandContext, system: string, options: { user?: boolean }): Promise<number> {
  if (system !== 'systemd') throw usageError(`pool startup knows "systemd" only, not "${system}"`, 'startup');
  const user = userInfo().username;
  const execStart = [process.execPath, binPath, 'daemon', 'start', '--foreground'].map(quote).join(' ');
  const unit = [
    '[Unit]',
    `Description=pool process supervisor (POOL_HOME=${home.directory})`,
    'Documentation=https://www.npmjs.com/package/@pool/cli',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    ...(options.user ? [] : [`User=${user}`]),
    `Environment=POOL_HOME=${home.directory}`,
    `Environment=PATH=${[...new Set([dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':')}`,
    `ExecStart=${execStart}`,
    // The daemon stops its jobs itself, in priority order and within their graceful timeouts: systemd sends
    // SIGTERM to it alone (mixed), and SIGKILL to whatever is left only after TimeoutStopSec.
    'KillMode=mixed',
    'TimeoutStopSec=120',
    // The unit's cgroup is the daemon's to divide: each process in a cgroup of its own, so that stopping a
    // job ends what it started outside its process group too (docs/security.md, containment).
    'Delegate=yes',
    // Servers with many connections, and 1,000 processes' pipes, need more than the default 1,024 descriptors.
    'LimitNOFILE=65536',
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    `WantedBy=${options.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
  const path = options.user ? '~/.config/systemd/user/pool.service' : '/etc/systemd/system/pool.service';
  const commands = options.user
    ? ['systemctl --user daemon-reload', 'systemctl --user enable --now pool', `loginctl enable-linger ${user}   # to start it at boot, not at login`]
    : ['systemctl daemon-reload', 'systemctl enable --now pool'];
  if (output.json) {
    output.value({ unit, path, commands });
    return 0;
  }
  output.stdout.write(unit);
  output.note(`\n# Save the unit above as ${path}, then run:\n${commands.map((command) => `#   ${command}`).join('\n')}`);
  return 0;
}
