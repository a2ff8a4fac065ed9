import { deepCopy } from "./copy";
import { matchesFields, matchesLabels, type FieldRequirement, type LabelRequirement } from "./selectors";
import { ApiError, type KubeObject, type WatchEvent, type WatchEventType } from "./types";

export interface HistoryEntry {
  rv: number;
  gr: string;
  type: Exclude<WatchEventType, "BOOKMARK">;
  object: KubeObject;
  /** The object before a MODIFIED event, to turn selector transitions into ADDED/DELETED. */
  old?: KubeObject;
}

export interface WatchFilter {
  namespace?: string;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

interface Watcher {
  filter: WatchFilter;
  handler: (ev: WatchEvent) => void;
  /** The receiver promises not to mutate objects, so they are delivered without a copy. */
  raw: boolean;
}

/**
 * Watch fan-out and a bounded event history. Events are queued and delivered in commit order even
 * when a handler writes to the store while being called (its events go after the current ones).
 */
export class WatchHub {
  private readonly ring: (HistoryEntry | undefined)[];
  private head = 0;
  private count = 0;
  /** The newest resourceVersion no longer in the history (0 when nothing was dropped). */
  private compactedRv = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly queue: HistoryEntry[] = [];
  private draining = false;

  constructor(
    capacity: number,
    private readonly onHandlerError: (err: unknown) => void,
  ) {
    this.ring = new Array(capacity);
  }

  record(entry: HistoryEntry): void {
    const cap = this.ring.length;
    if (this.count === cap) {
      this.compactedRv = this.ring[this.head]!.rv;
      this.count--;
      this.head = (this.head + 1) % cap;
    }
    this.ring[(this.head + this.count) % cap] = entry;
    this.count++;
    this.queue.push(entry);
    this.drain();
  }

  /** Watchers subscribed to `gr` now (test hook: a test that must not race a client's watch waits for it). */
  watcherCount(gr: string): number {
    return this.watchers.get(gr)?.size ?? 0;
  }

  /** Forgets all history (test hook to force 410 Gone on the next watch from an old version). */
  compact(currentRv: number): void {
    this.head = 0;
    this.count = 0;
    this.ring.fill(undefined);
    this.compactedRv = currentRv;
  }

  subscribe(gr: string, filter: WatchFilter, handler: (ev: WatchEvent) => void, raw: boolean, fromRv?: number): () => void {
    const w: Watcher = { filter, handler, raw };
    if (fromRv !== undefined) {
      if (fromRv < this.compactedRv) {
        throw new ApiError(410, "Expired", `too old resource version: ${fromRv} (${this.compactedRv + 1})`);
      }
      const cap = this.ring.length;
      for (let i = 0; i < this.count; i++) {
        const e = this.ring[(this.head + i) % cap]!;
        if (e.rv > fromRv && e.gr === gr) this.deliver(w, e);
      }
    }
    let set = this.watchers.get(gr);
    if (!set) this.watchers.set(gr, (set = new Set()));
    set.add(w);
    return () => {
      set.delete(w);
    };
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      let e: HistoryEntry | undefined;
      while ((e = this.queue.shift())) {
        for (const w of this.watchers.get(e.gr) ?? []) this.deliver(w, e);
      }
    } finally {
      this.draining = false;
    }
  }

  private deliver(w: Watcher, e: HistoryEntry): void {
    const f = w.filter;
    const match = (o: KubeObject | undefined) =>
      !!o && (f.namespace === undefined || o.metadata.namespace === f.namespace) && matchesLabels(f.labels, o.metadata.labels) && matchesFields(f.fields, o);
    const now = match(e.object);
    let type: WatchEvent["type"] = e.type;
    if (e.type === "MODIFIED") {
      const before = match(e.old);
      if (!now && !before) return;
      if (now && !before) type = "ADDED";
      else if (!now && before) type = "DELETED";
    } else if (!now) return;
    try {
      w.handler({ type, object: w.raw ? e.object : deepCopy(e.object) });
    } catch (err) {
      this.onHandlerError(err);
    }
  }
}
