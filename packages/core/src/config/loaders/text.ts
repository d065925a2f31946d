import type { Node } from 'yaml';
import { loadYaml } from '../../lazy.js';
import { poolError, type PoolError } from '../../errors/index.js';
import type { Locate } from '../validate.js';

/** A config parsed from text, with a way back from a value's path to its line. */
export interface ParsedText {
  value: unknown;
  locate: Locate;
}

/** JSON with JSON.parse's exact semantics; YAML (a superset of JSON) only to find where a path's value is. */
export function parseJson(text: string, file: string): ParsedText {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const { line, column } = lineAndColumn(text, position ? Number(position[1]) : text.length);
    throw parseFailed(file, line, column, message.replace(/\s*in JSON at position \d+.*$/, ''), error);
  }
  return { value, locate: locator(text) };
}

export function parseYaml(text: string, file: string): ParsedText {
  const { LineCounter, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    throw parseFailed(file, position?.line, position?.col, error.message.split(/ at line \d+/)[0] ?? error.message, error);
  }
  let value: unknown;
  try {
    // Aliases are resolved here: an unknown one, or a billion-laughs expansion, is a parse error of the file.
    value = document.toJS();
  } catch (error) {
    throw parseFailed(file, undefined, undefined, (error as Error).message, error);
  }
  return { value, locate: locator(text) };
}

export function parseFailed(file: string, line: number | undefined, column: number | undefined, detail: string, cause?: unknown): PoolError {
  const where = line === undefined ? file : `${file}:${line}${column === undefined ? '' : `:${column}`}`;
  return poolError('POOL_CONFIG_PARSE_FAILED', { where, file, detail, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) }, cause);
}

function locator(text: string): Locate {
  let parsed: { root: Node | null; lineCounter: import('yaml').LineCounter } | undefined;
  return (segments) => {
    if (!parsed) {
      const { LineCounter, parseDocument } = loadYaml();
      const lineCounter = new LineCounter();
      parsed = { root: parseDocument(text, { lineCounter }).contents, lineCounter };
    }
    // The deepest node that exists: a missing key is reported at the object that lacks it.
    const { isMap, isSeq } = loadYaml();
    let node = parsed.root;
    for (const segment of segments) {
      const next: unknown = isMap(node) ? node.get(segment, true) : isSeq(node) ? node.get(Number(segment), true) : undefined;
      if (!next || typeof next !== 'object' || !('range' in next)) break;
      node = next as Node;
    }
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = parsed.lineCounter.linePos(offset);
    return { line, column: col };
  };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
