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
 * Starts jobs a priority group at a time, each group settled before the next. A job that cannot start (its
 * port is taken) does not keep the others from starting; the first such error is thrown at the end.
 */
export async function startInOrder(jobs: Iterable<Job>, proceed: () => boolean = () => true): Promise<void> {
  const failures: unknown[] = [];
  for (const group of byPriority(jobs)) {
    if (!proceed()) break;
    const results = await Promise.allSettled(group.map((job) => job.start()));
    for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
  }
  if (failures.length > 0) throw failures[0];
}

/** Stops jobs a priority group at a time, highest first. */
export async function stopInOrder(jobs: Iterable<Job>, options: { gracefulTimeout?: number } = {}): Promise<void> {
  for (const group of byPriority(jobs).reverse()) await Promise.all(group.map((job) => job.stop(options)));
}
