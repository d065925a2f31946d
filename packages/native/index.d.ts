export interface Reaped {
  pid: number;
  code: number | null;
  signal: number | null;
}
export interface PoolNative {
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of descendants come to this process. Throws on failure. */
  setChildSubreaper(): boolean;
  isChildSubreaper(): boolean;
  /** waitpid(pid, WNOHANG): the exit of a child that exited, or null if it has not (or is not a child). */
  reap(pid: number): Reaped | null;
  /** sendmsg() of `bytes` with `handleFd` attached (SCM_RIGHTS); the bytes sent, or -1 when the socket is full. */
  sendWithHandle(socketFd: number, bytes: Buffer, handleFd: number): number;
}
declare const native: PoolNative | null;
export = native;
