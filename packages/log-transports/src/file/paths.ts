import { constants } from 'node:fs';
import { mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { OutputSource } from '@pool/core';
import { invalidOption } from '../options.js';

const placeholder = /\{(\w+)\}/g;
const placeholders = ['job', 'worker', 'pid', 'stream'];

function inside(directory: string, path: string): boolean {
  const rest = relative(directory, path);
  return rest !== '' && rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}

/** A value from a config or a process must stay one path segment: `../x` becomes `.._x`, `..` becomes `_`. */
function segment(value: string | number): string {
  const text = String(value).replace(/[^\w.@+-]/g, '_');
  return text === '' || text === '.' || text === '..' ? '_' : text;
}

/**
 * A log file path with placeholders: `{job}`, `{worker}`, `{pid}`, `{stream}`. One file per process
 * (`{job}-{worker}.log`), per job (`{job}.log`) or merged (`all.log`). With a log directory, relative paths
 * resolve inside it and no path (nor a value put into it) may lead outside it.
 */
export class PathTemplate {
  readonly template: string;
  readonly directory: string | undefined;

  constructor(template: unknown, directory: unknown, optionPath: string) {
    if (typeof template !== 'string' || template.trim() === '') throw invalidOption(`${optionPath}.path`, 'expected a file path');
    if (directory !== undefined && (typeof directory !== 'string' || directory === '')) {
      throw invalidOption(`${optionPath}.directory`, 'expected a directory path');
    }
    for (const [, name] of template.matchAll(placeholder)) {
      if (!placeholders.includes(name!)) {
        throw invalidOption(`${optionPath}.path`, `unknown placeholder {${name}} (known: ${placeholders.map((known) => `{${known}}`).join(', ')})`);
      }
    }
    this.directory = directory === undefined ? undefined : resolve(directory);
    this.template = resolve(this.directory ?? process.cwd(), template);
    if (this.directory && !inside(this.directory, this.template.replace(placeholder, 'x'))) {
      throw invalidOption(`${optionPath}.path`, `${template} leads outside the log directory ${this.directory}`);
    }
  }

  resolve(source: OutputSource): string {
    return this.template.replace(placeholder, (_whole, name: keyof OutputSource) => segment(source[name]));
  }
}

export interface OpenedFile {
  handle: FileHandle;
  size: number;
  modifiedAt: number;
}

/**
 * Opens a log file for appending, creating it (and its directory) with `mode`. A file that already exists
 * with looser permissions is tightened to `mode`. Inside a log directory, symbolic links may not lead out.
 */
export async function openLogFile(path: string, mode: number, directory: string | undefined): Promise<OpenedFile> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  let flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
  if (directory) {
    const [realDirectory, realParent] = await Promise.all([realpath(directory), realpath(dirname(path))]);
    if (realParent !== realDirectory && !inside(realDirectory, realParent)) {
      throw invalidOption('fileTransport.path', `${path} leads outside the log directory ${directory} (through a symbolic link)`);
    }
    flags |= constants.O_NOFOLLOW;
  }
  const handle = await open(path, flags, mode);
  try {
    const stat = await handle.stat();
    if ((stat.mode & 0o777 & ~mode) !== 0) await handle.chmod(stat.mode & mode & 0o777);
    return { handle, size: stat.size, modifiedAt: stat.mtimeMs };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
