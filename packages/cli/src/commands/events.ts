import type { CommandContext } from '../context.js';
import { formatEvent } from '../format/events.js';
import { checkJobName } from '../jobs.js';
import type { EventRecord } from '../records.js';
import { untilInterrupted } from './interrupt.js';

/** A topic pattern ("job.*.*.exit", "proc.4242.*") as is; a job name ("web") means all of that job's events. */
export function topicPattern(topic: string | undefined): string | undefined {
  if (topic === undefined || topic === 'all') return undefined;
  if (/^(job|proc)(\.|$)/.test(topic)) return topic;
  return `job.${checkJobName(topic)}.*`;
}

/** The daemon's events as they happen, one a line (--json: one JSON object a line), until Ctrl-C or the daemon stops. */
export async function events({ client, output }: CommandContext, topic: string | undefined): Promise<number> {
  const interruption = untilInterrupted();
  try {
    const stream = client.stream(
      '/events',
      (message) => {
        const event = JSON.parse(message.data) as EventRecord;
        output.line(output.json ? JSON.stringify(event) : formatEvent(event, output.paint));
      },
      { signal: interruption.signal, query: { topic: topicPattern(topic) } },
    );
    await Promise.race([stream, interruption.interrupted]);
    if (!interruption.signal.aborted) output.note('the pool daemon closed the stream: it stopped');
    return 0;
  } finally {
    interruption.stop();
  }
}
