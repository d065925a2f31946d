import type { CommandContext } from '../context.js';

export async function send({ client, output }: CommandContext, pid: number, lines: string[]): Promise<number> {
  await client.post(`/processes/${pid}/stdin`, { lines });
  if (output.json) output.value({ pid, lines: lines.length });
  else output.line(`wrote ${lines.length} line${lines.length === 1 ? '' : 's'} to ${pid}`);
  return 0;
}
