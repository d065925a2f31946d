/** How often files rotate: a number of milliseconds (aligned on the epoch), or at each local hour or midnight. */
export type RotationInterval = number | 'hourly' | 'daily';

/** The first period boundary after `time`. */
export function nextBoundary(time: number, interval: RotationInterval): number {
  const date = new Date(time);
  if (interval === 'daily') return date.setHours(24, 0, 0, 0);
  if (interval === 'hourly') return date.setMinutes(60, 0, 0);
  return (Math.floor(time / interval) + 1) * interval;
}
