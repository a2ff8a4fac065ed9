/**
 * At most `limit` spawns of this process in their database and cluster phases at once; the rest
 * wait in arrival order. A hackathon's worth of simultaneous clicks otherwise interleaves every
 * spawn's steps on the one event loop: each finishes late, and every other request (the session
 * list, progress streams) queues behind all of them. With a gate the same work completes in the
 * same order, sooner for most, and other requests wait behind at most `limit` spawns.
 */
export interface Gate {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Spawns waiting for a slot (for tests and metrics). */
  readonly waiting: number;
}

export function createGate(limit: number): Gate {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`gate limit must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: Array<() => void> = [];
  return {
    get waiting() {
      return queue.length;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= limit) await new Promise<void>((r) => queue.push(r));
      else active++;
      try {
        return await fn();
      } finally {
        const next = queue.shift();
        if (next) next(); // the slot passes to the next in line
        else active--;
      }
    },
  };
}
