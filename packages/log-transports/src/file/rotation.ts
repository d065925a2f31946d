import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RotationInterval } from './schedule.js';

export interface Rotation {
  /** Rotate before a write would take the file past this many bytes. */
  size: number | undefined;
  interval: RotationInterval | undefined;
  /** How many old files to keep: `app.log.1` (newest) … `app.log.<keep>`. */
  keep: number;
  /** Gzip old files (`app.log.1.gz`), off the write path. */
  compress: boolean;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** The old files of `path` that exist, newest first: `[{ index: 1, name: 'app.log.1.gz' }, …]`. */
async function oldFiles(path: string): Promise<{ index: number; suffix: string }[]> {
  const prefix = `${basename(path)}.`;
  const found: { index: number; suffix: string }[] = [];
  for (const name of await readdir(dirname(path))) {
    const match = name.startsWith(prefix) ? /^(\d+)(\.gz)?$/.exec(name.slice(prefix.length)) : null;
    if (match) found.push({ index: Number(match[1]), suffix: match[2] ?? '' });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** `app.log` → `app.log.1`, `app.log.1` → `app.log.2`, …; those beyond `keep` are removed. */
export async function shiftFiles(path: string, keep: number): Promise<void> {
  const old = await oldFiles(path);
  for (const { index, suffix } of old.filter((file) => file.index >= keep)) await unlink(`${path}.${index}${suffix}`).catch(ignoreMissing);
  // Highest first, so that no rename lands on a file not yet moved.
  for (const { index, suffix } of old.filter((file) => file.index < keep).reverse()) {
    await rename(`${path}.${index}${suffix}`, `${path}.${index + 1}${suffix}`).catch(ignoreMissing);
  }
  if (keep === 0) await unlink(path).catch(ignoreMissing);
  else await rename(path, `${path}.1`).catch(ignoreMissing);
}

/** `file` → `file.gz` (written aside, then renamed, so a reader never sees half a file). */
export async function compressFile(path: string, mode: number): Promise<void> {
  const temporary = `${path}.gz.partial`;
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(temporary, { mode }));
    await rename(temporary, `${path}.gz`);
    await unlink(path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
