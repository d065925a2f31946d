import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobLogs } from '@pool/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFilesTransport, timeFormatter } from '../src/index.js';
import { Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const both = (text: string) => `process.stdout.write(${JSON.stringify(`${text} out\n`)}); process.stderr.write(${JSON.stringify(`${text} err\n`)})`;

describe('jobFilesTransport: the files a job asks for (logs: out, err, combined)', () => {
  it('writes each stream to its file and both, labelled with process and stream, to the combined one; a job without logs writes nothing', async () => {
    const directory = scope.temp();
    const configs: Record<string, JobLogs> = { web: { out: 'web-{worker}.out.log', err: 'web.err.log', combined: 'logs/web.log' } };
    const files = scope.closes(jobFilesTransport({ logsOf: (job) => (configs[job] ? { logs: configs[job], cwd: directory } : undefined) }));
    const runs = [
      scope.run(both('web 0'), { job: 'web', id: 0, stdout: files, stderr: files }),
      scope.run(both('web 1'), { job: 'web', id: 1, stdout: files, stderr: files }),
      scope.run(both('other'), { job: 'other', id: 0, stdout: files, stderr: files }),
    ];
    await Promise.all((await Promise.all(runs)).map((child) => child.exited));
    expect(readFileSync(join(directory, 'web-0.out.log'), 'utf8')).toBe('web 0 out\n');
    expect(readFileSync(join(directory, 'web-1.out.log'), 'utf8')).toBe('web 1 out\n');
    expect(readFileSync(join(directory, 'web.err.log'), 'utf8').split('\n').sort()).toEqual(['', 'web 0 err', 'web 1 err']);
    expect(readFileSync(join(directory, 'logs/web.log'), 'utf8').split('\n').sort()).toEqual([
      '',
      'web.0 stderr | web 0 err',
      'web.0 stdout | web 0 out',
      'web.1 stderr | web 1 err',
      'web.1 stdout | web 1 out',
    ]);
  });

  it('timestamps text lines with a pattern, or writes JSON records', async () => {
    const directory = scope.temp();
    const configs: Record<string, JobLogs> = {
      text: { out: 'text.log', timestamps: 'YYYY-MM-DD HH:mm:ss.SSS Z' },
      json: { out: 'json.log', format: 'json' },
    };
    const files = scope.closes(jobFilesTransport({ logsOf: (job) => ({ logs: configs[job]!, cwd: directory }) }));
    const runs = ['text', 'json'].map((job) => scope.run(both(job), { job, stdout: files, stderr: files }));
    await Promise.all((await Promise.all(runs)).map((child) => child.exited));
    expect(readFileSync(join(directory, 'text.log'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d text out\n$/);
    const [record] = readFileSync(join(directory, 'json.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(record).toMatchObject({ job: 'json', worker: 0, stream: 'stdout', line: 'json out' });
  });

  it('formats a time as PM2\'s log_date_format patterns say, in local time', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    const offset = -new Date(at).getTimezoneOffset();
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    expect(timeFormatter('YYYY-MM-DD HH:mm:ss.SSS Z')(at)).toBe(`2026-01-02 03:04:05.006 ${zone}`);
    expect(timeFormatter('DD/MM [at] HH:mm ZZ')(at)).toBe(`02/01 [at] 03:04 ${zone.replace(':', '')}`);
  });
});
