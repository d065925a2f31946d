import { createRequire } from 'node:module';

/** @pool/native (packages/native): the few system calls Node has no API for. */
export interface Native {
  setChildSubreaper(): boolean;
  reap(pid: number): { pid: number; code: number | null; signal: number | null } | null;
  sendWithHandle(socketFd: number, bytes: Buffer, handleFd: number): number;
}

const require = createRequire(import.meta.url);
let loaded: { native: Native | null } | undefined;

/** The addon, or null where it is not built (not Linux, or no C compiler when pool was installed). */
export function loadNative(): Native | null {
  if (!loaded) {
    let native: Native | null = null;
    try {
      native = process.platform === 'linux' ? (require('@pool/native') as Native | null) : null;
    } catch {
      native = null;
    }
    loaded = { native };
  }
  return loaded.native;
}

/** Why the addon cannot be had here, for a message. */
export function nativeMissing(): string {
  return process.platform === 'linux' ? '@pool/native is not built (no C compiler when pool was installed)' : 'not Linux';
}
