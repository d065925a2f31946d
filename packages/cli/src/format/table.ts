import { visibleLength } from './colors.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

/** Column-aligned rows under a header, for a terminal. */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[], header: (text: string) => string = (text) => text): string[] {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => visibleLength(line[index]!))));
  const pad = (text: string, index: number) => {
    const room = ' '.repeat(widths[index]! - visibleLength(text));
    return columns[index]!.align === 'right' ? room + text : text + room;
  };
  const lines = [columns.map((column, index) => header(pad(column.header, index))).join('  ').trimEnd()];
  for (const line of cells) lines.push(line.map(pad).join('  ').trimEnd());
  return lines;
}

/** One line a row, fields separated by tabs, no header: for pipes (`cut -f`, `awk -F'\t'`). */
export function renderPlain<Row>(columns: Column<Row>[], rows: Row[]): string[] {
  return rows.map((row) => columns.map((column) => column.value(row)).join('\t'));
}
