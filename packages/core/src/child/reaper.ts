import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger.js';
import { cgroups } from './cgroup.js';

// The watchdog: it reads "+ <pgid>" and "- <pgid>" lines from the master. When the pipe closes and groups
// are still recorded, the master died without stopping them: TERM them, give them a second, then KILL. Pids are
// reused (pid_max may be 32768), so it notes each leader's start time before the TERM, and the KILL spares a
// group whose leader's pid now names another process (its old group had emptied: the id went to someone else).
// "c <dir>" names the master's cgroup directory (cgroup.ts): after the KILL, everything in it is killed
// (escapes included) and the directories removed.
// A shell, not node: about a megabyte and a few milliseconds, once per master.
const script = `
groups=""
cgroup=""
forget() { kept=""; for group in $groups; do [ "$group" = "$1" ] || kept="$kept $group"; done; groups=$kept; }
started() { line=""; { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 0; set -- \${line##*) }; eval "echo \\\${20}"; }
while read -r op group; do
  case "$op" in
    +) groups="$groups $group" ;;
    -) forget "$group" ;;
    c) cgroup=$group ;;
  esac
done
removecgroups() { for dir in "$cgroup"/*/; do [ -d "$dir" ] && rmdir "$dir" 2>/dev/null; done; rmdir "$cgroup" 2>/dev/null; }
if [ -n "$groups" ]; then
  noted=""
  for group in $groups; do noted="$noted $group:$(started "$group")"; kill -s TERM -- "-$group" 2>/dev/null; done
  sleep 1
  for entry in $noted; do
    group=\${entry%%:*}; before=\${entry#*:}; now=$(started "$group")
    if [ -n "$now" ] && [ "$now" != "$before" ]; then continue; fi
    kill -s KILL -- "-$group" 2>/dev/null
  done
fi
# Whatever is left in the master's cgroups outlived its master: escapes of a killed master, or of a clean exit.
if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
  echo 1 > "$cgroup/cgroup.kill" 2>/dev/null || for pid in $(cat "$cgroup"/*/cgroup.procs 2>/dev/null); do kill -s KILL "$pid" 2>/dev/null; done
  for try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do removecgroups; [ -d "$cgroup" ] || break; sleep 0.1; done
fi
`;

/** A watchdog that dies this many times (killed from outside, no /bin/sh) is given up on. */
const maxRestarts = 5;

/**
 * Ends the process groups of a master's children if the master itself is killed (even by SIGKILL), for
 * commands that have no IPC channel to notice it. One per master process; it holds nothing open that would
 * keep the master alive. A group is written to it synchronously right after the spawn, before the master's
 * next line of JavaScript runs; a watchdog killed from outside is replaced and told every group again.
 */
class GroupReaper {
  #watchdog: ChildProcess | undefined;
  readonly #groups = new Set<number>();
  #restarts = 0;
  #logger: (() => Logger) | undefined;

  /**
   * Starts the watchdog now (a Keeper does, before its first spawn), so that no spawn pays for it. `logger`
   * (the latest given) hears of a watchdog that died and was replaced.
   */
  prepare(logger?: () => Logger): ChildProcess | undefined {
    if (logger) this.#logger = logger;
    this.#watchdog ??= this.#start();
    return this.#watchdog;
  }

  track(pgid: number): void {
    this.#groups.add(pgid);
    this.#send(`+ ${pgid}\n`);
  }

  untrack(pgid: number): void {
    if (this.#groups.delete(pgid)) this.#send(`- ${pgid}\n`);
  }

  /** The watchdog's pid, once started (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#watchdog?.pid;
  }

  #send(line: string): void {
    this.prepare()?.stdin?.write(line);
  }

  #start(): ChildProcess | undefined {
    if (this.#restarts > maxRestarts) return undefined;
    const watchdog = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    if (cgroups.base) watchdog.stdin?.write(`c ${cgroups.base}\n`);
    let gone = false;
    const replace = () => {
      if (gone) return;
      gone = true;
      if (this.#watchdog !== watchdog) return;
      this.#watchdog = undefined;
      this.#restarts += 1;
      const how = watchdog.signalCode ? `killed by ${watchdog.signalCode}` : watchdog.exitCode === null ? 'could not start' : `exited with code ${watchdog.exitCode}`;
      const next = this.#groups.size === 0 ? undefined : this.prepare();
      next?.stdin?.write([...this.#groups].map((group) => `+ ${group}\n`).join(''));
      const details = { watchdog: watchdog.pid, replacement: next?.pid, groups: this.#groups.size };
      if (this.#groups.size === 0) this.#logger?.().warn(details, `the watchdog (pid ${watchdog.pid}) ${how}; a new one starts with the next process`);
      else if (next) this.#logger?.().warn(details, `the watchdog (pid ${watchdog.pid}) ${how}: replaced by pid ${next.pid}, told ${this.#groups.size} process groups`);
      else this.#logger?.().error(details, `the watchdog (pid ${watchdog.pid}) ${how}, ${this.#restarts} times: given up; if this master is killed now, its children are not ended`);
    };
    watchdog.on('error', replace);
    watchdog.on('exit', replace);
    watchdog.stdin?.on('error', replace);
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  }
}

export const groupReaper = new GroupReaper();
