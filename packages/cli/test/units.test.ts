import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { tempDir } from '@pool/testing';
import { describe, expect, it } from 'vitest';
import { readJobSetFile, savedJobs, writeFileAtomic } from '../src/daemon/state.js';
import { painter } from '../src/format/colors.js';
import { renderPlain, renderTable } from '../src/format/table.js';
import { formatBytes, formatDuration, formatPercent } from '../src/format/units.js';
import { readServerSentEvents, type ServerSentEvent } from '../src/sse.js';
import { toErrorReport } from '../src/errors/report.js';
import { cliError } from '../src/errors/cli-error.js';
import { cliErrorCodes, commandLineHints, usageCodes } from '../src/errors/codes.js';
import { errorCodes } from '@pool/core';

describe('formatting', () => {
  it('writes durations, sizes and percentages for people', () => {
    expect([0, 999, 45_000, 12 * 60_000, 3 * 3_600_000 + 4 * 60_000, 2 * 86_400_000].map(formatDuration)).toEqual(['-', '0s', '45s', '12m', '3h 4m', '2d']);
    expect([undefined, 512, 3_481, 43_200_000].map(formatBytes)).toEqual(['-', '512 B', '3.4 KB', '41.2 MB']);
    expect([null, 0, 12.345].map(formatPercent)).toEqual(['-', '0.0%', '12.3%']);
  });

  it('aligns columns whatever the colours, and pipes plain tab-separated lines', () => {
    const paint = painter(true);
    const columns = [
      { header: 'JOB', value: (row: { job: string; n: number }) => paint('green', row.job) },
      { header: 'N', value: (row: { job: string; n: number }) => String(row.n), align: 'right' as const },
    ];
    const rows = [{ job: 'web', n: 3 }, { job: 'worker', n: 12 }];
    const lines = renderTable(columns, rows).map((line) => line.replace(/\u001b\[\d+m/g, ''));
    expect(lines).toEqual(['JOB      N', 'web      3', 'worker  12']);
    expect(renderPlain(columns, rows).map((line) => line.replace(/\u001b\[\d+m/g, ''))).toEqual(['web\t3', 'worker\t12']);
  });
});

describe('the state file', () => {
  it('is replaced whole, with no temporary file left', () => {
    const directory = tempDir();
    try {
      const file = join(directory.path, 'state.json');
      writeFileSync(file, 'old');
      writeFileAtomic(file, '{"version":1,"savedAt":"now","jobs":[]}');
      expect(readFileSync(file, 'utf8')).toBe('{"version":1,"savedAt":"now","jobs":[]}');
      expect(readdirSync(directory.path)).toEqual(['state.json']);
      expect(readJobSetFile(join(directory.path, 'none.json'))).toBeUndefined();
      writeFileSync(file, '{"jobs":{}}');
      expect(() => readJobSetFile(file)).toThrow(/not a pool job set/);
    } finally {
      directory.remove();
    }
  });

  it('saves each job at its current scale, and a job that gave up as one to run', () => {
    const saved = savedJobs([
      { name: 'default.web', session: 'default', active: true, numprocesses: 3, config: { name: 'web', cmd: ['node'], numprocesses: 1 } },
      { name: 'app.api', session: 'app', active: false, numprocesses: 1, failure: { code: 'POOL_FLAPPING' }, config: { name: 'api', cmd: ['node'] } },
      { name: 'default.cron', session: 'default', active: false, numprocesses: 1, failure: null, config: { name: 'cron', cmd: ['node'] } },
    ]);
    expect(saved).toEqual([
      { session: 'default', config: { name: 'web', cmd: ['node'], numprocesses: 3 }, active: true },
      { session: 'app', config: { name: 'api', cmd: ['node'], numprocesses: 1 }, active: true },
      { session: 'default', config: { name: 'cron', cmd: ['node'], numprocesses: 1 }, active: false },
    ]);
  });
});

describe('server-sent events', () => {
  it('parses events split anywhere, and skips heartbeats', async () => {
    const body = new PassThrough();
    const events: ServerSentEvent[] = [];
    const done = readServerSentEvents(body as unknown as IncomingMessage, (event) => events.push(event));
    for (const chunk of [': pool event stream\n\nid: 1\nevent: sp', 'awn\ndata: {"a":1}\n', '\n: heartbeat\n\ndata: x\ndata: y\n\n']) body.write(chunk);
    body.end();
    await done;
    expect(events).toEqual([
      { id: '1', event: 'spawn', data: '{"a":1}' },
      { id: undefined, event: 'message', data: 'x\ny' },
    ]);
  });
});

describe('error reports', () => {
  it('maps codes to exit codes, command-line hints, and anything else to a bug report', () => {
    expect(toErrorReport(cliError('POOL_USAGE', { detail: 'bad', command: 'ps' }))).toMatchObject({ code: 'POOL_USAGE', exitCode: 2, hint: 'Run `pool help ps` for its arguments and options.' });
    const remote = Object.assign(new Error('No job named default.x'), { code: 'POOL_UNKNOWN_JOB', hint: 'List the loaded jobs with jobs()' });
    expect(toErrorReport(remote)).toMatchObject({ exitCode: 1, hint: expect.stringContaining('`pool ps`') });
    const bug = toErrorReport(new TypeError('x is not a function'), '0.1.0');
    expect(bug).toMatchObject({ code: 'POOL_UNEXPECTED', exitCode: 1, message: 'Unexpected error: x is not a function' });
    expect(bug.details).toContain('pool 0.1.0');
    expect(bug.details).toContain('TypeError: x is not a function');
  });
});

describe('the CLI\'s error codes', () => {
  it('are all in @pool/core\'s one registry, and only reword hints of codes that exist', () => {
    for (const code of Object.keys(cliErrorCodes)) expect(code in errorCodes, code).toBe(true);
    for (const code of Object.keys(commandLineHints)) expect(code in errorCodes, code).toBe(true);
    for (const code of usageCodes) expect(code in errorCodes, code).toBe(true);
  });
});
