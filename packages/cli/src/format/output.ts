import { painter, wantsColors, type Paint } from './colors.js';
import { startSpinner, type Spinner } from './spinner.js';
import { renderPlain, renderTable, type Column } from './table.js';

export interface OutputOptions {
  json?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * Where a command writes: JSON when asked (`--json`), else tables and colours on a terminal and plain lines
 * when piped. Status and progress go to stderr, results to stdout.
 */
export class Output {
  readonly json: boolean;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** stdout is a terminal: tables with headers. */
  readonly tty: boolean;
  /** Colours on stdout (a terminal that has them, no NO_COLOR, no --json). */
  readonly colors: boolean;
  readonly paint: Paint;
  readonly paintError: Paint;

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.tty = this.stdout.isTTY === true;
    this.colors = !this.json && wantsColors(this.stdout);
    this.paint = painter(this.colors);
    this.paintError = painter(!this.json && wantsColors(this.stderr));
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  lines(lines: string[]): void {
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }

  /** A result as JSON: pretty on a terminal, one line when piped. */
  value(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, this.tty ? 2 : undefined)}\n`);
  }

  table<Row>(columns: Column<Row>[], rows: Row[]): void {
    this.lines(this.tty ? renderTable(columns, rows, (text) => this.paint('bold', text)) : renderPlain(columns, rows));
  }

  /** A note for the person at the terminal (stderr); nothing with --json. */
  note(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    if (!this.json) this.stderr.write(`${this.paintError('yellow', 'warning')} ${text}\n`);
  }

  spinner(text: string): Spinner {
    return startSpinner(this.stderr, text, !this.json);
  }
}
