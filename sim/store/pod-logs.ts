import type { PodLogs } from "./types";

interface Line {
  t: number;
  text: string;
  /** False for a trailing partial line that later appends may extend. */
  complete: boolean;
}

interface Stream {
  lines: Line[];
  bytes: number;
  ended: boolean;
  followers: Set<{ onChunk: (text: string) => void; onEnd: () => void }>;
}

/**
 * Container logs in memory, bounded per container (oldest lines dropped first, as log rotation
 * does), with followers for `kubectl logs -f`. Timestamps come from the simulated clock.
 */
export class MemoryPodLogs implements PodLogs {
  private readonly streams = new Map<string, Map<string, Stream>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBytesPerContainer = 1 << 20,
  ) {}

  private stream(namespace: string, pod: string, container: string, create: boolean): Stream | undefined {
    const podKey = `${namespace}/${pod}`;
    let byContainer = this.streams.get(podKey);
    if (!byContainer) {
      if (!create) return undefined;
      this.streams.set(podKey, (byContainer = new Map()));
    }
    let s = byContainer.get(container);
    if (!s && create) byContainer.set(container, (s = { lines: [], bytes: 0, ended: false, followers: new Set() }));
    return s;
  }

  has(namespace: string, pod: string, container: string): boolean {
    return !!this.stream(namespace, pod, container, false)?.lines.length;
  }

  append(namespace: string, pod: string, container: string, text: string): void {
    if (!text) return;
    const s = this.stream(namespace, pod, container, true)!;
    // A restarted container writes to the same stream again.
    s.ended = false;
    const t = this.now();
    const parts = text.split("\n");
    parts.forEach((part, i) => {
      const complete = i < parts.length - 1;
      if (!complete && part === "") return;
      const last = s.lines[s.lines.length - 1];
      if (last && !last.complete) {
        last.text += part;
        last.complete = complete;
      } else s.lines.push({ t, text: part, complete });
      s.bytes += part.length + 1;
    });
    while (s.bytes > this.maxBytesPerContainer && s.lines.length > 1) s.bytes -= s.lines.shift()!.text.length + 1;
    for (const f of s.followers) f.onChunk(text);
  }

  read(namespace: string, pod: string, container: string, opts: { tailLines?: number; sinceSeconds?: number; timestamps?: boolean } = {}): string {
    const s = this.stream(namespace, pod, container, false);
    if (!s) return "";
    let lines = s.lines;
    if (opts.sinceSeconds !== undefined) {
      const from = this.now() - opts.sinceSeconds * 1000;
      lines = lines.filter((l) => l.t >= from);
    }
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    return lines.map((l) => (opts.timestamps ? `${new Date(l.t).toISOString()} ` : "") + l.text + (l.complete ? "\n" : "")).join("");
  }

  follow(namespace: string, pod: string, container: string, onChunk: (text: string) => void, onEnd: () => void): () => void {
    const s = this.stream(namespace, pod, container, true)!;
    if (s.ended) {
      queueMicrotask(onEnd);
      return () => {};
    }
    const f = { onChunk, onEnd };
    s.followers.add(f);
    return () => s.followers.delete(f);
  }

  end(namespace: string, pod: string, container: string): void {
    const s = this.stream(namespace, pod, container, true)!;
    s.ended = true;
    for (const f of s.followers) f.onEnd();
    s.followers.clear();
  }

  remove(namespace: string, pod: string): void {
    const byContainer = this.streams.get(`${namespace}/${pod}`);
    if (!byContainer) return;
    for (const s of byContainer.values()) {
      for (const f of s.followers) f.onEnd();
    }
    this.streams.delete(`${namespace}/${pod}`);
  }
}
