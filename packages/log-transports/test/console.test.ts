import { afterEach, describe, expect, it } from 'vitest';
import { consoleTransport, wantsColors } from '../src/index.js';
import { GateWritable, Scope } from './helpers.js';

const scope = new Scope();
afterEach(() => scope.cleanup());

const say = (text: string) => `process.stdout.write(${JSON.stringify(text)})`;
const terminal = (hasColors: boolean) => Object.assign(new GateWritable(), { isTTY: true, hasColors: () => hasColors });

describe('consoleTransport', () => {
  it('prefixes each line with the process, foreman-style, padding labels to one width', async () => {
    const output = new GateWritable();
    const console = consoleTransport({ stream: output, colors: false });
    const first = await scope.run(say('one\ntwo\n'), { job: 'web', id: 1, stdout: console });
    await first.exited;
    const second = await scope.run(say('three\n'), { job: 'worker', id: 10, stdout: console });
    await second.exited;
    const third = await scope.run(say('four'), { job: 'web', id: 2, stdout: console });
    await third.exited;
    expect(output.text()).toBe('web.1 | one\nweb.1 | two\nworker.10 | three\nweb.2     | four\n');
  });

  it('gives each process a colour of its own that survives a restart', async () => {
    const output = new GateWritable();
    const console = consoleTransport({ stream: output, colors: true });
    for (const id of [0, 1, 0]) await (await scope.run(say('x\n'), { id, stdout: console })).exited;
    const colours = output
      .text()
      .trim()
      .split('\n')
      .map((line) => /^\u001b\[(\d+)mweb\.\d \| \u001b\[0mx$/.exec(line)?.[1]);
    expect(colours.every(Boolean)).toBe(true);
    expect(colours[0]).not.toBe(colours[1]);
    expect(colours[2]).toBe(colours[0]);
  });

  it('colours a terminal that has colours, never with NO_COLOR, never a pipe or file; FORCE_COLOR forces them', () => {
    expect(wantsColors(terminal(true), {})).toBe(true);
    expect(wantsColors(terminal(false), {})).toBe(false);
    expect(wantsColors(terminal(true), { NO_COLOR: '1' })).toBe(false);
    expect(wantsColors(terminal(true), { NO_COLOR: '' })).toBe(true);
    expect(wantsColors(new GateWritable(), {})).toBe(false);
    expect(wantsColors(new GateWritable(), { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColors(terminal(true), { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('writes no colour codes to a stream that is not a terminal', async () => {
    const output = new GateWritable();
    const child = await scope.run(say('plain\n'), { stdout: consoleTransport({ stream: output }) });
    await child.exited;
    expect(output.text()).toBe('web.0 | plain\n');
  });
});
