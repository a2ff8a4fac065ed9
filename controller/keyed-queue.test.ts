import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "./keyed-queue";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Work that records when it ran and can be held open until released. */
function recorder() {
  const log: string[] = [];
  const open = new Map<string, () => void>();
  const work = (name: string, hold = false) => async () => {
    log.push(`start ${name}`);
    if (hold) await new Promise<void>((r) => open.set(name, r));
    log.push(`end ${name}`);
  };
  return { log, work, release: (name: string) => open.get(name)?.() };
}

describe("createKeyedQueue", () => {
  it("runs the work of one key in order, never two at once", async () => {
    const q = createKeyedQueue({ parallel: 4, onError: () => undefined });
    const r = recorder();
    const first = q.add("a", r.work("a1", true));
    await sleep(5);
    const second = q.add("a", r.work("a2"));
    await sleep(5);
    expect(r.log).toEqual(["start a1"]);
    r.release("a1");
    await Promise.all([first, second]);
    expect(r.log).toEqual(["start a1", "end a1", "start a2", "end a2"]);
  });

  it("a request for a key whose work has not started joins it: one run for both", async () => {
    const q = createKeyedQueue({ parallel: 4, onError: () => undefined });
    const r = recorder();
    const one = q.add("a", r.work("first"), 30);
    const two = q.add("a", r.work("second"), 30);
    expect(two).toBe(one);
    expect(q.waiting).toBe(1);
    await one;
    expect(r.log).toEqual(["start first", "end first"]);
    expect(q.waiting).toBe(0);
  });

  it("a request while the key's work runs queues one more run after it", async () => {
    const q = createKeyedQueue({ parallel: 4, onError: () => undefined });
    const r = recorder();
    const running = q.add("a", r.work("a1", true));
    await sleep(5);
    const after = q.add("a", r.work("a2"));
    const joined = q.add("a", r.work("a3"));
    expect(joined).toBe(after);
    r.release("a1");
    await Promise.all([running, after]);
    expect(r.log).toEqual(["start a1", "end a1", "start a2", "end a2"]);
  });

  it("waits the delay before the work, counted after the key's earlier work", async () => {
    const q = createKeyedQueue({ parallel: 4, onError: () => undefined });
    const t = performance.now();
    let ranAt = 0;
    await q.add("a", async () => {
      ranAt = performance.now() - t;
    }, 60);
    expect(ranAt).toBeGreaterThanOrEqual(55);
  });

  it("runs at most `parallel` keys at once, the others in arrival order", async () => {
    const q = createKeyedQueue({ parallel: 2, onError: () => undefined });
    const r = recorder();
    const all = ["a", "b", "c", "d"].map((k) => q.add(k, r.work(k, true)));
    await sleep(10);
    expect(r.log).toEqual(["start a", "start b"]);
    r.release("b");
    await sleep(10);
    expect(r.log).toEqual(["start a", "start b", "end b", "start c"]);
    r.release("a");
    r.release("c");
    await sleep(10);
    r.release("d");
    await Promise.all(all);
    expect(r.log.filter((l) => l.startsWith("start"))).toEqual(["start a", "start b", "start c", "start d"]);
  });

  it("work waiting for a free slot has not started: a request for its key joins it", async () => {
    const q = createKeyedQueue({ parallel: 1, onError: () => undefined });
    const r = recorder();
    const a = q.add("a", r.work("a", true));
    const b1 = q.add("b", r.work("b1"));
    await sleep(5);
    expect(q.add("b", r.work("b2"))).toBe(b1);
    r.release("a");
    await Promise.all([a, b1]);
    expect(r.log).toEqual(["start a", "end a", "start b1", "end b1"]);
  });

  it("reports failed work, goes on with the key's next work, and retries when asked to", async () => {
    const errors: string[] = [];
    const q = createKeyedQueue({ parallel: 1, onError: (err, key) => errors.push(`${key}: ${(err as Error).message}`), retryMs: 20 });
    let attempts = 0;
    await q.add("a", async () => {
      attempts++;
      if (attempts === 1) throw new Error("database unavailable");
    });
    expect(errors).toEqual(["a: database unavailable"]);
    await sleep(60);
    expect(attempts).toBe(2);
  });

  it("without retryMs a failure is only reported", async () => {
    const errors: unknown[] = [];
    const q = createKeyedQueue({ parallel: 1, onError: (err) => errors.push(err) });
    let attempts = 0;
    await q.add("a", async () => {
      attempts++;
      throw new Error("boom");
    });
    await sleep(30);
    expect([attempts, errors.length]).toEqual([1, 1]);
  });

  it("drain: running work ends, work not started is skipped, later requests are ignored", async () => {
    const q = createKeyedQueue({ parallel: 1, onError: () => undefined });
    const r = recorder();
    const running = q.add("a", r.work("a", true));
    const queued = q.add("b", r.work("b"));
    await sleep(5);
    const drained = q.drain();
    r.release("a");
    await Promise.all([drained, running, queued]);
    await q.add("c", r.work("c"));
    expect(r.log).toEqual(["start a", "end a"]);
  });
});
