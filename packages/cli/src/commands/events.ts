import type { CommandContext } from '../context.js';
import { formatEvent } from '../format/events.js';
import { checkJobName, jobKey, listJobs, unknownJob } from '../jobs.js';
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
  const pattern = topicPattern(topic);
  // A job name that names no loaded job is a mistake to say, not a stream to wait on forever.
  if (topic !== undefined && pattern?.startsWith('job.') && !/^(job|proc)(\.|$)/.test(topic)) {
    const name = jobKey(topic);
    if (!(await listJobs(client)).some((job) => job.name === name)) throw unknownJob(topic);
  }
  const interruption = untilInterrupted();
  try {
    const stream = client.stream(
      '/events',
      (message) => {
        const event = JSON.parse(message.data) as EventRecord;
        output.line(output.json ? JSON.stringify(event) : formatEvent(event, output.paint));
      },
      { signal: interruption.signal, query: { topic: pattern } },
    );
    await Promise.race([stream, interruption.interrupted]);
    if (!interruption.signal.aborted) output.note('the pool daemon closed the stream: it stopped');
    return 0;
  } finally {
    interruption.stop();
  }
}
