/**
 * The controllers' work queue, keyed by the object a piece of work is about (a session, a job):
 *
 * - work of one key runs in order, never two at once;
 * - a request for a key whose work has not started yet (its delay, or a free slot, still awaited)
 *   joins that work instead of queueing more:
 *   work reads the latest informer cache when it starts, so one run serves every request made
 *   while it waited (a burst of pod, Workload and status events becomes one sync);
 * - an informer event passes a delay (eventDelayMs), counted once the key's earlier work is done,
 *   so that the changes of a few milliseconds arrive together;
 * - at most `parallel` keys run at once: a burst of a hundred spawns would otherwise open a hundred
 *   transactions, taking the database pool the web process needs;
 * - failed work is reported and, with `retryMs`, requested again, as a Kubernetes controller
 *   requeues a key.
 */
export interface KeyedQueue {
  /** Queues `work` for `key` (or joins work of that key not started yet); resolves when it has run. */
  add(key: string, work: () => Promise<void>, delayMs?: number): Promise<void>;
  /** How many keys have work waiting to start (what eventDelayMs grows with). */
  readonly waiting: number;
  /** Stops: work not started yet is skipped, nothing is retried; resolves when running work has ended. */
  drain(): Promise<void>;
}

export interface KeyedQueueOptions {
  parallel: number;
  onError: (err: unknown, key: string) => void;
  /** Request failed work again after this long; absent: do not (a periodic pass covers it). */
  retryMs?: number;
}

export function createKeyedQueue(opts: KeyedQueueOptions): KeyedQueue {
  const chains = new Map<string, Promise<void>>();
  const notStarted = new Set<string>();
  const slots: Array<() => void> = [];
  let running = 0;
  let stopped = false;

  async function slot(fn: () => Promise<void>): Promise<void> {
    if (running >= opts.parallel) await new Promise<void>((r) => slots.push(r));
    else running++;
    try {
      await fn();
    } finally {
      const next = slots.shift();
      // The slot passes straight to the next waiter.
      if (next) next();
      else running--;
    }
  }

  function add(key: string, work: () => Promise<void>, delayMs = 0): Promise<void> {
    const prev = chains.get(key);
    if (prev && notStarted.has(key)) return prev;
    if (stopped) return prev ?? Promise.resolve();
    notStarted.add(key);
    const next = (prev ?? Promise.resolve())
      .then(() => (delayMs > 0 && !stopped ? new Promise<void>((r) => setTimeout(r, delayMs)) : undefined))
      .then(() =>
        slot(() => {
          // Still joinable while it waits for a slot: it starts only here.
          notStarted.delete(key);
          return stopped ? Promise.resolve() : work();
        }),
      )
      .catch((err: unknown) => {
        opts.onError(err, key);
        if (opts.retryMs !== undefined && !stopped) setTimeout(() => void add(key, work), opts.retryMs).unref();
      });
    chains.set(key, next);
    void next.finally(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
    return next;
  }

  return {
    add,
    get waiting() {
      return notStarted.size;
    },
    async drain() {
      stopped = true;
      await Promise.all([...chains.values()]);
    },
  };
}
