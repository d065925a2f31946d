import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

/**
 * One daemon per POOL_HOME, held by the kernel rather than by a file: a Unix socket in Linux's abstract
 * namespace, named after the home's device and inode. It exists exactly as long as the daemon that bound it
 * (no stale lock after a SIGKILL, nothing to delete by mistake), and answers a connection with that daemon's
 * pid. The pid file stays for tools and `pool daemon status`; this is what keeps a second daemon out when
 * that file is removed. Elsewhere than Linux (no abstract sockets) the pid file is the lock.
 *
 * Any local user may bind an abstract name, and say any pid: the answer is believed only once that pid is
 * seen to hold the socket (/proc/<pid>/fd, readable for one's own processes only). A name held otherwise (another
 * user's squat) keeps a daemon from starting, with the holder unknown, and nothing is signalled on its word.
 */
export interface HomeLock {
  release(): Promise<void>;
}

export type LockResult = { lock: HomeLock } | { holder: number | undefined };

export function lockName(directory: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const { dev, ino } = statSync(directory);
    return `\0pool-home:${dev}:${ino}`;
  } catch {
    return undefined;
  }
}

/** The pid of the daemon that holds the lock of this home, proven; undefined when none does (or not provably). */
export async function lockHolder(directory: string): Promise<number | undefined> {
  const name = lockName(directory);
  return name === undefined ? undefined : holderOf(name);
}

/** Takes the lock, or says which daemon holds it. */
export async function lockHome(directory: string): Promise<LockResult> {
  const name = lockName(directory);
  if (name === undefined) return { lock: { release: () => Promise.resolve() } };
  const server = createServer((socket) => socket.end(`${process.pid}\n`));
  server.unref();
  const bound = await new Promise<Error | undefined>((resolve) => {
    server.once('error', resolve);
    server.listen(name, () => resolve(undefined));
  });
  if (!bound) {
    server.on('error', () => {});
    return { lock: { release: () => close(server) } };
  }
  if ((bound as NodeJS.ErrnoException).code !== 'EADDRINUSE') return { lock: { release: () => Promise.resolve() } };
  return { holder: await holderOf(name) };
}

/** The pid the lock's holder answers with, once proven to hold it (undefined if not, or no answer within 2 s). */
async function holderOf(name: string): Promise<number | undefined> {
  const said = await ask(name);
  return said !== undefined && holds(said, name) ? said : undefined;
}

function ask(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const pid = Number.parseInt(text, 10);
      resolve(pid > 0 ? pid : undefined);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Whether process `pid` has the socket bound to abstract `name` open (/proc/net/unix gives its inode). */
function holds(pid: number, name: string): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return false;
  }
  const shown = `@${name.slice(1)}`;
  const inodes = new Set<string>();
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const path = fields[7];
    if (path !== undefined && path.replace(/@+$/, '') === shown) inodes.add(fields[6]!);
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
