export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray' | 'bold' | 'dim';

const codes: Record<Color, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
  dim: [2, 22],
};

export { wantsColors } from '@pool/core/internal';

export type Paint = (color: Color, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_color, text) => text;
  return (color, text) => `\u001b[${codes[color][0]}m${text}\u001b[${codes[color][1]}m`;
}

const ansi = /\u001b\[[0-9;]*m/g;

/** The width of a string on screen, colour codes left out. */
export function visibleLength(text: string): number {
  return text.replace(ansi, '').length;
}
