import type { Job } from './job.js';

/** Jobs grouped by priority, lowest first: the start order (stopping goes the other way). */
export function byPriority(jobs: Iterable<Job>): Job[][] {
  const groups = new Map<number, Job[]>();
  for (const job of jobs) {
    const group = groups.get(job.resolved.priority) ?? [];
    group.push(job);
    groups.set(job.resolved.priority, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/**
 * Runs `order` on jobs a priority group at a time (lowest first, or highest with `reverse`), each group settled
 * before the next. A job whose order fails does not keep the others from theirs; the first error is thrown at
 * the end. `proceed` is asked before each group.
 */
export async function inPriorityOrder(
  jobs: Iterable<Job>,
  order: (job: Job) => Promise<unknown>,
  options: { reverse?: boolean; proceed?: () => boolean } = {},
): Promise<void> {
  const failures: unknown[] = [];
  const groups = byPriority(jobs);
  if (options.reverse) groups.reverse();
  for (const group of groups) {
    if (options.proceed && !options.proceed()) break;
    const results = await Promise.allSettled(group.map(order));
    for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
  }
  if (failures.length > 0) throw failures[0];
}
