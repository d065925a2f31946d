import { spawn, type ChildProcess } from 'node:child_process';

// The watchdog: it reads "+ <pgid>" and "- <pgid>" lines from the master. When the pipe closes and groups
// are still recorded, the master died without stopping them: TERM them, give them a second, then KILL. Pids are
// reused (pid_max may be 32768), so it notes each leader's start time before the TERM, and the KILL spares a
// group whose leader's pid now names another process (its old group had emptied: the id went to someone else).
// A shell, not node: about a megabyte and a few milliseconds, once per master.
const script = `
groups=""
forget() { kept=""; for group in $groups; do [ "$group" = "$1" ] || kept="$kept $group"; done; groups=$kept; }
started() { line=""; { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 0; set -- \${line##*) }; eval "echo \\\${20}"; }
while read -r op group; do
  case "$op" in
    +) groups="$groups $group" ;;
    -) forget "$group" ;;
  esac
done
[ -z "$groups" ] && exit 0
noted=""
for group in $groups; do noted="$noted $group:$(started "$group")"; kill -s TERM -- "-$group" 2>/dev/null; done
sleep 1
for entry in $noted; do
  group=\${entry%%:*}; before=\${entry#*:}; now=$(started "$group")
  if [ -n "$now" ] && [ "$now" != "$before" ]; then continue; fi
  kill -s KILL -- "-$group" 2>/dev/null
done
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

  /** Starts the watchdog now (a Keeper does, before its first spawn), so that no spawn pays for it. */
  prepare(): ChildProcess | undefined {
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
    let gone = false;
    const replace = () => {
      if (gone) return;
      gone = true;
      if (this.#watchdog !== watchdog) return;
      this.#watchdog = undefined;
      this.#restarts += 1;
      if (this.#groups.size === 0) return;
      this.prepare()?.stdin?.write([...this.#groups].map((group) => `+ ${group}\n`).join(''));
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
