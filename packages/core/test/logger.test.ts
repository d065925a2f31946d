import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixture, node } from './fixtures/manager/harness.js';

// Issue 18: pool's own log is text on a terminal (POOL_LOG_FORMAT=text forces it here, with no terminal) and
// pino's JSON when piped.

const run = promisify(execFile);
const logOf = async (env: NodeJS.ProcessEnv) => (await run(node, [fixture('logging.mjs')], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 })).stderr;

describe("the master's own log", () => {
  it('reads as text lines: time, level, message, fields', async () => {
    const text = await logOf({ POOL_LOG_FORMAT: 'text' });
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  default\.crash\.0 exited unexpectedly {2}job=default\.crash id=0 pid=\d+ exitCode=3 .*reason=crashed/m);
    expect(text).not.toContain('{"level"');
  });

  it('is pino JSON when piped', async () => {
    const json = (await logOf({ POOL_LOG_FORMAT: '' })).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string; exitCode?: number });
    expect(json.find((record) => record.msg === 'default.crash.0 exited unexpectedly')).toMatchObject({ level: 40, exitCode: 3 });
  });
});
