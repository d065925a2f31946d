import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPoolError } from '@pool/core';
import { fileTransport, tee } from '../src/index.js';
import { Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const say = (text: string) => `process.stdout.write(${JSON.stringify(text)})`;
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('fileTransport: files, permissions and the log directory', () => {
  it('writes one file per process, per job or merged, as the path says', async () => {
    const directory = scope.temp();
    const perProcess = scope.closes(fileTransport({ path: '{job}-{worker}.{stream}.log', directory }));
    const perJob = scope.closes(fileTransport({ path: 'jobs/{job}.log', directory }));
    const merged = scope.closes(fileTransport({ path: 'all.log', directory, label: true }));
    const runs = [
      { job: 'web', id: 0 },
      { job: 'web', id: 1 },
      { job: 'queue', id: 0 },
    ].map(({ job, id }) => scope.run(`${say(`${job} ${id} out\n`)}; process.stderr.write('${job} ${id} err\\n')`, { job, id, stdout: tee(perProcess, perJob, merged), stderr: perProcess }));
    await Promise.all((await Promise.all(runs)).map((child) => child.exited));
    expect(readFileSync(join(directory, 'web-1.stdout.log'), 'utf8')).toBe('web 1 out\n');
    expect(readFileSync(join(directory, 'queue-0.stderr.log'), 'utf8')).toBe('queue 0 err\n');
    expect(readFileSync(join(directory, 'jobs/web.log'), 'utf8').split('\n').sort()).toEqual(['', 'web 0 out', 'web 1 out']);
    expect(readFileSync(join(directory, 'all.log'), 'utf8').split('\n').sort()).toEqual(['', 'queue.0 | queue 0 out', 'web.0 | web 0 out', 'web.1 | web 1 out']);
  });

  it('creates files with mode 0640 by default (or stricter), with the mode asked, and tightens a looser existing file', async () => {
    const directory = scope.temp();
    writeFileSync(join(directory, 'loose.log'), 'before\n');
    chmodSync(join(directory, 'loose.log'), 0o666);
    const standard = scope.closes(fileTransport({ path: 'standard.log', directory }));
    const strict = scope.closes(fileTransport({ path: 'strict.log', directory, mode: 0o600 }));
    const loose = scope.closes(fileTransport({ path: 'loose.log', directory }));
    const child = await scope.run(say('hello\n'), { stdout: tee(standard, strict, loose) });
    await child.exited;
    expect(modeOf(join(directory, 'standard.log')) & ~0o640).toBe(0);
    expect(modeOf(join(directory, 'standard.log')) & 0o600).toBe(0o600);
    expect(modeOf(join(directory, 'strict.log'))).toBe(0o600 & ~process.umask());
    expect(modeOf(join(directory, 'loose.log'))).toBe(0o640);
    expect(readFileSync(join(directory, 'loose.log'), 'utf8')).toBe('before\nhello\n');
  });

  it('refuses a path from the config that leads outside the log directory', () => {
    const directory = scope.temp();
    for (const path of ['../escape.log', '/etc/escape.log', 'sub/../../escape.log', '.']) {
      const error = (() => {
        try {
          fileTransport({ path, directory });
        } catch (caught) {
          return caught;
        }
      })();
      expect(isPoolError(error, 'POOL_INVALID_OPTION'), path).toBe(true);
      expect((error as Error).message).toContain('fileTransport.path');
    }
    expect(() => fileTransport({ path: '{job}/{nope}.log', directory })).toThrow(/unknown placeholder \{nope\}/);
  });

  it('keeps a job name or a value that looks like a path inside the directory', async () => {
    const parent = scope.temp();
    const directory = join(parent, 'logs');
    const file = scope.closes(fileTransport({ path: '{job}/{job}.log', directory }));
    const child = await scope.run(say('contained\n'), { job: '../..', stdout: file });
    await child.exited;
    expect(readdirSync(parent)).toEqual(['logs']);
    expect(file.pathFor({ job: '../..', worker: 0, pid: 1, stream: 'stdout' }).startsWith(`${directory}/`)).toBe(true);
    expect(readFileSync(file.pathFor({ job: '../..', worker: 0, pid: 1, stream: 'stdout' }), 'utf8')).toBe('contained\n');
  });

  it('does not follow a symbolic link out of the log directory; reports it, counts the lines and lets the process go', async () => {
    const parent = scope.temp();
    const directory = join(parent, 'logs');
    const outside = join(parent, 'outside');
    mkdirSync(directory);
    mkdirSync(outside);
    writeFileSync(join(outside, 'target.log'), '');
    symlinkSync(join(outside, 'target.log'), join(directory, 'linked.log'));
    symlinkSync(outside, join(directory, 'sub'));
    const errors: Error[] = [];
    const linkedFile = scope.closes(fileTransport({ path: 'linked.log', directory, onError: (error) => errors.push(error) }));
    const linkedDirectory = scope.closes(fileTransport({ path: 'sub/x.log', directory, onError: (error) => errors.push(error) }));
    const child = await scope.run(say('one\ntwo\n'), { stdout: tee(linkedFile, linkedDirectory) });
    await child.exited;
    expect(readFileSync(join(outside, 'target.log'), 'utf8')).toBe('');
    expect(existsSync(join(outside, 'x.log'))).toBe(false);
    expect(errors.map((error) => (error as NodeJS.ErrnoException).code).sort()).toEqual(['ELOOP', 'POOL_INVALID_OPTION']);
    expect(linkedFile.dropped).toBe(2);
    expect(linkedDirectory.dropped).toBe(2);
  });

  it('puts an ISO timestamp and a label before each line when asked', async () => {
    const directory = scope.temp();
    const file = scope.closes(fileTransport({ path: 'stamped.log', directory, timestamps: true, label: true }));
    const child = await scope.run(say('a\nb\n'), { job: 'api', id: 3, stdout: file });
    await child.exited;
    const lines = readFileSync(join(directory, 'stamped.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [index, line] of lines.entries()) expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z api\\.3 \\| ${'ab'[index]}$`));
  });
});
