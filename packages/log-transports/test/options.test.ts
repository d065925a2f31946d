import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { isPoolError } from '@pool/core';
import { consoleTransport, fileTransport, memoryTransport, ndjsonTransport, pinoTransport, tee } from '../src/index.js';

function failure(make: () => unknown): { code: string; path: string } {
  try {
    make();
  } catch (error) {
    expect(isPoolError(error, 'POOL_INVALID_OPTION')).toBe(true);
    return { code: 'POOL_INVALID_OPTION', path: (error as { context: { path: string } }).context.path };
  }
  throw new Error('expected an invalid option');
}

describe('options: a bad value is refused with POOL_INVALID_OPTION and its path', () => {
  it.each([
    ['fileTransport.path', () => fileTransport({ path: '' })],
    ['fileTransport.mode', () => fileTransport({ path: 'a.log', mode: 0o1777 })],
    ['fileTransport.rotate', () => fileTransport({ path: 'a.log', rotate: {} })],
    ['fileTransport.rotate.size', () => fileTransport({ path: 'a.log', rotate: { size: '10 parsecs' } })],
    ['fileTransport.rotate.keep', () => fileTransport({ path: 'a.log', rotate: { size: '1M', keep: -1 } })],
    ['fileTransport.rotate.interval', () => fileTransport({ path: 'a.log', rotate: { interval: 0 } })],
    ['fileTransport.policy', () => fileTransport({ path: 'a.log', policy: 'lose' as never })],
    ['fileTransport.format', () => fileTransport({ path: 'a.log', format: 'xml' as never })],
    ['fileTransport.colour', () => fileTransport({ path: 'a.log', colour: true } as never)],
    ['consoleTransport.maxLineLength', () => consoleTransport({ maxLineLength: 2 })],
    ['memoryTransport.lines', () => memoryTransport({ lines: 0 })],
    ['pinoTransport.logger', () => pinoTransport({ logger: {} as never })],
    ['pinoTransport.levels.stderr', () => pinoTransport({ logger: pino({ enabled: false }), levels: { stderr: 'loud' } })],
    ['ndjsonTransport.destination', () => ndjsonTransport({ destination: 42 as never })],
    ['tee', () => tee()],
    ['tee[1]', () => tee(memoryTransport(), 'nope' as never)],
  ])('%s', (path, make) => {
    expect(failure(make).path).toBe(path);
  });

  it('accepts sizes and durations as strings', () => {
    expect(() => fileTransport({ path: 'a.log', rotate: { size: '10M', interval: '6h', keep: 3, compress: true }, highWaterMark: '256K' })).not.toThrow();
    expect(() => fileTransport({ path: 'a.log', rotate: { interval: 'daily' } })).not.toThrow();
  });
});
