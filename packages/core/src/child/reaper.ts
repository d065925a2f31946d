import { spawn, type ChildProcess } from 'node:child_process';

// The watchdog: it reads "+ <pgid>" and "- <pgid>" lines from the master. When the pipe closes and groups
// are still recorded, the master died without stopping them: TERM them, give them a second, then KILL.
// A shell, not node: about a megabyte and a few milliseconds, once per master.
const script = `
groups=""
forget() { kept=""; for group in $groups; do [ "$group" = "$1" ] || kept="$kept $group"; done; groups=$kept; }
while read -r op group; do
  case "$op" in
    +) groups="$groups $group" ;;
    -) forget "$group" ;;
  esac
done
[ -z "$groups" ] && exit 0
for group in $groups; do kill -s TERM -- "-$group" 2>/dev/null; done
sleep 1
for group in $groups; do kill -s KILL -- "-$group" 2>/dev/null; done
`;

/**
 * Ends the process groups of a master's children if the master itself is killed (even by SIGKILL), for
 * commands that have no IPC channel to notice it. One per master process, started at the first spawn;
 * it holds nothing open that would keep the master alive.
 */
class GroupReaper {
  #watchdog: ChildProcess | undefined;
  #broken = false;

  track(pgid: number): void {
    this.#send(`+ ${pgid}\n`);
  }

  untrack(pgid: number): void {
    this.#send(`- ${pgid}\n`);
  }

  /** The watchdog's pid, once started (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#watchdog?.pid;
  }

  #send(line: string): void {
    if (this.#broken) return;
    this.#watchdog ??= this.#start();
    this.#watchdog.stdin?.write(line);
  }

  #start(): ChildProcess {
    const watchdog = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    const broken = () => {
      this.#broken = true;
    };
    watchdog.on('error', broken);
    watchdog.on('exit', broken);
    watchdog.stdin?.on('error', broken);
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  }
}

export const groupReaper = new GroupReaper();
