import { describe, expect, it } from 'vitest';
import { LineBatch, LineSplitter, prefixLines } from '../src/index.js';

const source = { job: 'web', worker: 1, pid: 42, stream: 'stdout' as const };
const bytesOf = (pieces: { bytes: Buffer }[]) => Buffer.concat(pieces.map((piece) => piece.bytes)).toString();

describe('LineSplitter', () => {
  it('passes a chunk of whole lines through as it came (no copy, no per-line work)', () => {
    const splitter = new LineSplitter(1024);
    const chunk = Buffer.from('a\nbb\nccc\n');
    const [piece, ...others] = splitter.push(chunk);
    expect(others).toEqual([]);
    expect(piece!.bytes).toBe(chunk);
    expect(piece!.continued).toBe(false);
  });

  it('holds a partial line until its newline arrives, and gives it a newline at the end', () => {
    const splitter = new LineSplitter(1024);
    expect(bytesOf(splitter.push(Buffer.from('one\ntw')))).toBe('one\n');
    expect(splitter.push(Buffer.from('o and'))).toEqual([]);
    expect(bytesOf(splitter.push(Buffer.from(' more\nthr')))).toBe('two and more\n');
    expect(splitter.end()?.bytes.toString()).toBe('thr\n');
    expect(splitter.end()).toBeUndefined();
  });

  it('completes a held line by copying only that line: the rest of the chunk passes as it came', () => {
    const splitter = new LineSplitter(1024);
    expect(splitter.push(Buffer.from('one\ntw'))).toHaveLength(1);
    const chunk = Buffer.from('o\nthree\nfour\nfi');
    const [held, rest, ...others] = splitter.push(chunk);
    expect(others).toEqual([]);
    expect(held!.bytes.toString()).toBe('two\n');
    expect(rest!.bytes.toString()).toBe('three\nfour\n');
    expect(rest!.bytes.buffer).toBe(chunk.buffer); // a view of the chunk, not a copy
    expect(rest!.bytes.byteOffset).toBe(chunk.byteOffset + 2);
    expect(splitter.end()?.bytes.toString()).toBe('fi\n');
  });

  it('cuts a line longer than the cap into marked pieces as it arrives, holding less than cap + one chunk', () => {
    const cap = 1000;
    const splitter = new LineSplitter(cap);
    const line = Buffer.alloc(25_000, 'z');
    const pieces = [];
    let fed = 0;
    for (let offset = 0; offset < line.length; offset += 300) {
      const chunk = line.subarray(offset, offset + 300);
      fed += chunk.length;
      pieces.push(...splitter.push(chunk));
      const emitted = pieces.reduce((sum, piece) => sum + piece.bytes.length - 1, 0);
      expect(fed - emitted).toBeLessThanOrEqual(cap + chunk.length);
    }
    pieces.push(...splitter.push(Buffer.from('\nnext\n')));
    const records = pieces.flatMap((piece) => new LineBatch(source, 0, piece.bytes, piece.continued).records());
    expect(records.every((record) => record.line.length <= cap)).toBe(true);
    expect(Buffer.concat(records.slice(0, -1).map((record) => record.line)).equals(line)).toBe(true);
    expect(records.slice(0, -2).every((record) => record.continued)).toBe(true);
    expect(records.at(-2)!.continued).toBeUndefined();
    expect(records.at(-1)!.line.toString()).toBe('next');
  });

  it('cuts too-long lines inside one big chunk and leaves the short ones around them whole', () => {
    const splitter = new LineSplitter(16);
    const text = `short\n${'L'.repeat(40)}\nalso short\n`;
    const pieces = splitter.push(Buffer.from(text));
    const records = pieces.flatMap((piece) => new LineBatch(source, 0, piece.bytes, piece.continued).records());
    expect(records.map((record) => [record.line.toString(), record.continued ?? false])).toEqual([
      ['short', false],
      ['L'.repeat(16), true],
      ['L'.repeat(16), true],
      ['L'.repeat(8), false],
      ['also short', false],
    ]);
  });

  it('passes a chunk larger than the cap through whole when none of its lines is too long, and finds one that is anywhere', () => {
    const cap = 64;
    const fits = Buffer.from(Array.from({ length: 500 }, (_, index) => `${'f'.repeat(index % (cap + 1))}\n`).join(''));
    const [piece, ...others] = new LineSplitter(cap).push(fits);
    expect(others).toEqual([]);
    expect(piece!.bytes).toBe(fits);
    for (const at of [0, 250, 499]) {
      const lines = Array.from({ length: 500 }, (_, index) => (index === at ? 'T'.repeat(cap + 1) : 's'.repeat(index % 40)));
      const records = new LineSplitter(cap)
        .push(Buffer.from(lines.map((line) => `${line}\n`).join('')))
        .flatMap((each) => new LineBatch(source, 0, each.bytes, each.continued).records());
      expect(records.map((record) => record.line.toString())).toEqual([...lines.slice(0, at), 'T'.repeat(cap), 'T', ...lines.slice(at + 1)]);
      expect(records[at]!.continued).toBe(true);
    }
  });

  it('does not cut a UTF-8 character in two, and cuts other bytes where asked', () => {
    const splitter = new LineSplitter(16);
    const text = Buffer.from(`${'a'.repeat(15)}é${'b'.repeat(10)}\n`);
    const lines = splitter.push(text).flatMap((piece) => new LineBatch(source, 0, piece.bytes, piece.continued).records());
    expect(lines.map((record) => record.line.toString())).toEqual(['a'.repeat(15), `é${'b'.repeat(10)}`]);
    const binary = Buffer.concat([Buffer.alloc(40, 0x80), Buffer.from('\n')]);
    const cut = new LineSplitter(16).push(binary).flatMap((piece) => new LineBatch(source, 0, piece.bytes, piece.continued).records());
    expect(cut.map((record) => record.line.length)).toEqual([16, 16, 8]);
  });

  it('never decodes: bytes that are not UTF-8 come out identical', () => {
    const splitter = new LineSplitter(1024);
    const bytes = Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82]);
    const out = Buffer.concat([...splitter.push(bytes).map((piece) => piece.bytes), splitter.end()!.bytes]);
    expect(out.equals(Buffer.concat([bytes, Buffer.from('\n')]))).toBe(true);
  });
});

describe('LineBatch and prefixLines', () => {
  it('splits records lazily, once, and counts lines without splitting', () => {
    const batch = new LineBatch(source, 7, Buffer.from('a\n\nc\n'), false);
    expect(batch.lineCount()).toBe(3);
    const records = batch.records();
    expect(batch.records()).toBe(records);
    expect(records.map((record) => record.line.toString())).toEqual(['a', '', 'c']);
    expect(records[0]).toMatchObject({ job: 'web', worker: 1, pid: 42, stream: 'stdout', time: 7 });
  });

  it('prefixes every line', () => {
    expect(prefixLines(Buffer.from('a\nbb\n\n'), Buffer.from('> ')).toString()).toBe('> a\n> bb\n> \n');
  });
});
