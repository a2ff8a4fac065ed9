/**
 * Last activity per session for the idle culler. The proxy records every HTTP request and every
 * WebSocket message (both directions) in memory — one Map write — and hands the batch to `flush`
 * every `intervalMs` (default 30 s). A failed flush is merged back into the next batch.
 */

export interface ActivitySinkOptions {
  flush: (batch: Map<string, Date>) => Promise<void>;
  intervalMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export class ActivitySink {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Events recorded since start (requests + WebSocket messages), for metrics and tests. */
  events = 0;
  private readonly now: () => number;

  constructor(private readonly options: ActivitySinkOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  record(sessionId: string): void {
    this.events++;
    this.pending.set(sessionId, this.now());
  }

  /** Flushes what is pending now; concurrent calls wait for the running flush. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const dates = new Map<string, Date>();
    for (const [id, t] of batch) dates.set(id, new Date(t));
    this.flushing = this.options.flush(dates).then(
      () => undefined,
      (err: unknown) => {
        for (const [id, t] of batch) {
          const newer = this.pending.get(id);
          if (newer === undefined || newer < t) this.pending.set(id, t);
        }
        this.options.onError?.(err);
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
