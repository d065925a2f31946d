import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { pinoTransport } from '../src/index.js';
import { GateWritable, lineNumbers, range, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const say = (text: string) => `process.stdout.write(${JSON.stringify(text)})`;

function collect(level = 'info') {
  const output = new GateWritable();
  const logger = pino({ level, base: null, timestamp: false }, output);
  const records = () =>
    output
      .text()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}

describe('pinoTransport', () => {
  it('logs each line with { job, worker, pid, stream } bindings, stdout at info and stderr at error', async () => {
    const { logger, records } = collect();
    const transport = pinoTransport({ logger });
    const child = await scope.run(`${say('hello\n')}; process.stderr.write('oops\\n')`, { job: 'api', id: 2, stdout: transport, stderr: transport });
    const exit = await child.exited;
    expect(records()).toEqual(
      expect.arrayContaining([
        { level: 30, job: 'api', worker: 2, pid: exit.pid, stream: 'stdout', msg: 'hello' },
        { level: 50, job: 'api', worker: 2, pid: exit.pid, stream: 'stderr', msg: 'oops' },
      ]),
    );
  });

  it('merges a line that is already a pino record instead of wrapping it as a string', async () => {
    const { logger, output, records } = collect();
    const line = JSON.stringify({ level: 40, time: 1, pid: 999, hostname: 'h', msg: 'slow query', ms: 1234, req: { id: 7 } });
    const child = await scope.run(say(`${line}\n{"not":"closed"\n[1,2]\n`), { stdout: pinoTransport({ logger }) });
    await child.exited;
    const [merged, ...plain] = records();
    expect(merged).toEqual({ level: 40, job: 'web', worker: 0, pid: child.pid, stream: 'stdout', msg: 'slow query', ms: 1234, req: { id: 7 } });
    expect(output.text().split('\n')[0]!.match(/"level"/g)).toHaveLength(1);
    expect(plain.map((record) => record.msg)).toEqual(['{"not":"closed"', '[1,2]']);
  });

  it('does nothing for a level the logger has disabled, but still passes a merged record of an enabled level', async () => {
    const { logger, records } = collect('warn');
    const child = await scope.run(say(`quiet\n${JSON.stringify({ level: 50, msg: 'loud' })}\n${JSON.stringify({ level: 30, msg: 'hidden' })}\n`), {
      stdout: pinoTransport({ logger }),
    });
    await child.exited;
    expect(records().map((record) => record.msg)).toEqual(['loud']);
  });

  it('keeps bytes that are not UTF-8 (base64) and marks the pieces of a cut line', async () => {
    const { logger, records } = collect();
    const script = `process.stdout.write(Buffer.from([0x61, 0xff, 0x62, 0x0a])); ${say(`${'z'.repeat(40)}\n`)}`;
    const child = await scope.run(script, { stdout: pinoTransport({ logger, maxLineLength: 16, parseJson: false }) });
    await child.exited;
    const [binary, ...pieces] = records();
    expect(Buffer.from(binary!.lineBase64 as string, 'base64')).toEqual(Buffer.from([0x61, 0xff, 0x62]));
    expect(pieces.map((record) => [record.msg, record.continued])).toEqual([
      ['z'.repeat(16), true],
      ['z'.repeat(16), true],
      ['z'.repeat(8), undefined],
    ]);
  });

  it('through an asynchronous pino.destination: every line is in the file once the exit is reported', async () => {
    const directory = scope.temp();
    const path = join(directory, 'pino.log');
    const destination = pino.destination({ dest: path, sync: false, minLength: 4096 });
    const logger = pino({ base: null }, destination);
    const child = await scope.run('write-lines.cjs', { stdout: pinoTransport({ logger }), env: { LINES: '30000', BATCH: '100' } });
    await child.exited;
    const messages = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(lineNumbers(messages.join('\n'))).toEqual(range(30_000));
    destination.end();
  });
});
